import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as service from '../../../engine/service/index.js'
import type { Backend } from '../../../engine/store/index.js'
import { describeEachBackend } from '../../helpers/database.js'
import { expectCode } from '../../helpers/service.js'
import { oneTask, openTaskHarness, type TaskHarness } from '../../helpers/tasks.js'

/**
 * Activities through the service layer and the durable engine: the activity use cases, the
 * long poll, task tokens and their refusals, heartbeats and timeouts by durable timers.
 */
describeEachBackend('activities', (backend: Backend) => {
  let h: TaskHarness
  let ctx: service.ServiceContext

  beforeAll(async () => {
    h = await openTaskHarness(backend)
    ctx = h.ctx
  })

  afterAll(async () => {
    await h.close()
  })

  async function newActivity(prefix = 'act'): Promise<string> {
    const name = `${prefix}-${randomBytes(4).toString('hex')}`
    return (await service.createActivity(ctx, { name })).activityArn
  }

  /** Polls until a task comes (short polls, so a failing test does not hang 60 s). */
  async function take(activityArn: string, workerName?: string) {
    for (let i = 0; i < 100; i++) {
      const r = await service.getActivityTask(
        ctx,
        { activityArn, ...(workerName !== undefined ? { workerName } : {}) },
        { maxWaitMs: 5000 },
      )
      if (r.taskToken !== undefined) return { taskToken: r.taskToken, input: r.input ?? '' }
    }
    throw new Error('no task came')
  }

  describe('the activity use cases', () => {
    it('create is idempotent; describe, list and delete answer AWS shapes', async () => {
      const name = `shapes-${randomBytes(3).toString('hex')}`
      const created = await service.createActivity(ctx, { name })
      expect(created.activityArn).toBe(`arn:aws:states:us-east-1:000000000000:activity:${name}`)
      const again = await service.createActivity(ctx, { name })
      expect(again).toEqual(created)
      const described = await service.describeActivity(ctx, { activityArn: created.activityArn })
      expect(described).toEqual({ ...created, name })
      const listed = await service.listActivities(ctx, { maxResults: 1000 })
      expect(listed.activities).toContainEqual({ ...created, name })
      expect(
        await service.getActivityTask(ctx, { activityArn: created.activityArn }, { maxWaitMs: 10 }),
      ).toEqual({})
      await service.deleteActivity(ctx, { activityArn: created.activityArn })
      await expectCode(
        service.describeActivity(ctx, { activityArn: created.activityArn }),
        'ActivityDoesNotExist',
      )
      // Polls check the engine's cached names: a deletion is seen at once.
      await expectCode(
        service.getActivityTask(ctx, { activityArn: created.activityArn }, { maxWaitMs: 10 }),
        'ActivityDoesNotExist',
      )
      // Deleting again is fine, as on AWS.
      await service.deleteActivity(ctx, { activityArn: created.activityArn })
    })

    it('pages ListActivities with nextToken', async () => {
      for (let i = 0; i < 3; i++) await newActivity('page')
      const seen = new Set<string>()
      let page = await service.listActivities(ctx, { maxResults: 2 })
      for (;;) {
        for (const a of page.activities) {
          expect(seen.has(a.activityArn)).toBe(false)
          seen.add(a.activityArn)
        }
        if (!page.nextToken) break
        page = await service.listActivities(ctx, { maxResults: 2, nextToken: page.nextToken })
      }
      expect(seen.size).toBeGreaterThanOrEqual(3)
    })

    it('refuses bad names and ARNs with AWS error codes', async () => {
      await expectCode(service.createActivity(ctx, { name: 'has space' }), 'InvalidName')
      await expectCode(service.describeActivity(ctx, { activityArn: 'nope' }), 'InvalidArn')
      await expectCode(
        service.describeActivity(ctx, {
          activityArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x',
        }),
        'InvalidArn',
      )
      await expectCode(
        service.getActivityTask(ctx, {
          activityArn: 'arn:aws:states:us-east-1:000000000000:activity:never-created',
        }),
        'ActivityDoesNotExist',
      )
    })
  })

  describe('GetActivityTask', () => {
    it('answers {} when no task comes during the poll', async () => {
      const activityArn = await newActivity()
      expect(await service.getActivityTask(ctx, { activityArn }, { maxWaitMs: 100 })).toEqual({})
    })

    it('an abort ends the poll with no task', async () => {
      const activityArn = await newActivity()
      const abort = new AbortController()
      const poll = service.getActivityTask(ctx, { activityArn }, { signal: abort.signal })
      abort.abort()
      expect(await poll).toEqual({})
    })

    it('wakes a waiting poller when a task is queued, and records the worker name', async () => {
      const activityArn = await newActivity()
      const poll = service.getActivityTask(ctx, { activityArn, workerName: 'w-1' })
      const executionArn = await h.start(oneTask(activityArn), { job: 1 })
      const got = await poll
      expect(got.taskToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(JSON.parse(got.input ?? '')).toEqual({ job: 1 })
      await service.sendTaskSuccess(ctx, { taskToken: got.taskToken ?? '', output: '{"done":1}' })
      const r = await h.result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
      expect(r.output).toEqual({ done: 1 })
      expect(r.types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'ActivityScheduled',
        'ActivityStarted',
        'ActivitySucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ])
      const started = r.history.find((e) => e.type === 'ActivityStarted')
      expect(started?.['activityStartedEventDetails']).toEqual({ workerName: 'w-1' })
    })

    it('hands a new task to a waiting poll as its start is written, with no claim', async () => {
      const activityArn = await newActivity()
      const poll = service.getActivityTask(ctx, { activityArn, workerName: 'w-handed' })
      await new Promise((r) => setTimeout(r, 50)) // the poll's first claim found nothing
      const executionArn = await h.start(oneTask(activityArn, { HeartbeatSeconds: 30 }), { n: 7 })
      // Written STARTED for the poll in the start's own statement: the poll holds it already.
      const task = await h.test.database.db
        .selectFrom('tasks as t')
        .innerJoin('executions as e', 'e.id', 't.execution_id')
        .select(['t.status', 't.worker_name', 't.token_hash'])
        .where('e.name', '=', executionArn.split(':').pop() as string)
        .executeTakeFirstOrThrow()
      expect(task).toMatchObject({ status: 'STARTED', worker_name: 'w-handed' })
      const got = await Promise.race([poll, new Promise((r) => setTimeout(() => r('late'), 20))])
      expect(got).toMatchObject({ input: '{"n":7}' })
      // ActivityStarted is recorded on its own when no answer comes within 100 ms.
      await new Promise((r) => setTimeout(r, 300))
      const { events } = await service.getExecutionHistory(ctx, { executionArn })
      expect(events.map((e) => e.type)).toContain('ActivityStarted')
      const token = (got as { taskToken: string }).taskToken
      await service.sendTaskHeartbeat(ctx, { taskToken: token })
      await service.sendTaskSuccess(ctx, { taskToken: token, output: '{"ok":true}' })
      const r = await h.result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
      expect(r.types.filter((t) => t === 'ActivityStarted')).toHaveLength(1)
      expect(
        r.history.find((e) => e.type === 'ActivityStarted')?.['activityStartedEventDetails'],
      ).toEqual({
        workerName: 'w-handed',
      })
    })

    it('a poll set aside for a start that was not written waits for the next task', async () => {
      const activityArn = await newActivity()
      const { stateMachineArn } = await service.createStateMachine(ctx, {
        name: `dup-${randomBytes(3).toString('hex')}`,
        definition: JSON.stringify(oneTask(activityArn)),
      })
      const first = service.getActivityTask(ctx, { activityArn, workerName: 'a' })
      await new Promise((r) => setTimeout(r, 50))
      await service.startExecution(ctx, { stateMachineArn, name: 'once', input: '{"i":1}' })
      expect(JSON.parse((await first).input ?? '')).toEqual({ i: 1 })
      const second = service.getActivityTask(ctx, { activityArn, workerName: 'b' })
      await new Promise((r) => setTimeout(r, 50))
      // Same name, other input: refused, nothing written; the poll must not get a phantom task.
      await expectCode(
        service.startExecution(ctx, { stateMachineArn, name: 'once', input: '{"i":2}' }),
        'ExecutionAlreadyExists',
      )
      const early = await Promise.race([
        second,
        new Promise((r) => setTimeout(() => r('waiting'), 100)),
      ])
      expect(early).toBe('waiting')
      await service.startExecution(ctx, { stateMachineArn, name: 'twice', input: '{"i":3}' })
      expect(JSON.parse((await second).input ?? '')).toEqual({ i: 3 })
    })

    it('hands each task to exactly one of many pollers', async () => {
      const activityArn = await newActivity()
      const count = 12
      const arns = await Promise.all(
        Array.from({ length: count }, (_, i) => h.start(oneTask(activityArn), { i })),
      )
      const seen: number[] = []
      const tokens = new Set<string>()
      await Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          while (seen.length < count) {
            const r = await service.getActivityTask(
              ctx,
              { activityArn, workerName: `w${w}` },
              { maxWaitMs: 300 },
            )
            if (r.taskToken === undefined) continue
            tokens.add(r.taskToken)
            const { i } = JSON.parse(r.input ?? '') as { i: number }
            seen.push(i)
            await service.sendTaskSuccess(ctx, { taskToken: r.taskToken, output: r.input ?? '' })
          }
        }),
      )
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i))
      expect(tokens.size).toBe(count)
      for (const arn of arns) expect((await h.result(arn)).status).toBe('SUCCEEDED')
    })
  })

  describe('task tokens', () => {
    it('SendTaskFailure fails the task with the error and cause; Catch sees them', async () => {
      const activityArn = await newActivity()
      const executionArn = await h.start(
        {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: activityArn,
              Catch: [{ ErrorEquals: ['Disk.Full'], ResultPath: '$.err', Next: 'Done' }],
              End: true,
            },
            Done: { Type: 'Pass', End: true },
          },
        },
        {},
      )
      const { taskToken } = await take(activityArn)
      await service.sendTaskFailure(ctx, { taskToken, error: 'Disk.Full', cause: 'no space' })
      const r = await h.result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
      expect(r.output).toEqual({ err: { Error: 'Disk.Full', Cause: 'no space' } })
      expect(r.types).toContain('ActivityFailed')
    })

    it('refuses forged, repeated and late tokens, changing nothing', async () => {
      await expectCode(
        service.sendTaskSuccess(ctx, { taskToken: 'forged', output: '{}' }),
        'InvalidToken',
      )
      await expectCode(
        service.sendTaskSuccess(ctx, {
          taskToken: randomBytes(32).toString('base64url'),
          output: '{}',
        }),
        'TaskDoesNotExist',
      )
      await expectCode(
        service.sendTaskHeartbeat(ctx, { taskToken: randomBytes(32).toString('base64url') }),
        'TaskDoesNotExist',
      )
      const activityArn = await newActivity()
      const executionArn = await h.start(oneTask(activityArn), { v: 1 })
      const { taskToken } = await take(activityArn)
      await expectCode(service.sendTaskSuccess(ctx, { taskToken, output: '{x' }), 'InvalidOutput')
      await service.sendTaskSuccess(ctx, { taskToken, output: '"first"' })
      const first = await h.result(executionArn)
      await expectCode(
        service.sendTaskSuccess(ctx, { taskToken, output: '"again"' }),
        'TaskTimedOut',
      )
      await expectCode(service.sendTaskFailure(ctx, { taskToken, error: 'Late' }), 'TaskTimedOut')
      await expectCode(service.sendTaskHeartbeat(ctx, { taskToken }), 'TaskTimedOut')
      const after = await h.result(executionArn)
      expect(after.output).toBe('first')
      expect(after.types).toEqual(first.types)
    })

    it('of 15 concurrent SendTaskSuccess calls on one token, exactly one wins', async () => {
      const activityArn = await newActivity()
      const executionArn = await h.start(oneTask(activityArn), {})
      const { taskToken } = await take(activityArn)
      const answers = await Promise.allSettled(
        Array.from({ length: 15 }, (_, i) =>
          service.sendTaskSuccess(ctx, { taskToken, output: JSON.stringify({ winner: i }) }),
        ),
      )
      const won = answers.filter((a) => a.status === 'fulfilled')
      const lost = answers.filter((a) => a.status === 'rejected')
      expect(won).toHaveLength(1)
      for (const l of lost) expect((l.reason as { code: string }).code).toBe('TaskTimedOut')
      const r = await h.result(executionArn)
      expect(r.types.filter((t) => t === 'ActivitySucceeded')).toHaveLength(1)
      const winner = answers.findIndex((a) => a.status === 'fulfilled')
      expect(r.output).toEqual({ winner })
    })

    it('a stopped execution refuses its task token', async () => {
      const activityArn = await newActivity()
      const executionArn = await h.start(oneTask(activityArn), {})
      const { taskToken } = await take(activityArn)
      await service.stopExecution(ctx, { executionArn })
      await expectCode(service.sendTaskHeartbeat(ctx, { taskToken }), 'TaskTimedOut')
      await expectCode(service.sendTaskSuccess(ctx, { taskToken, output: '{}' }), 'TaskTimedOut')
    })
  })

  describe('heartbeats and timeouts (durable timers, real time)', () => {
    it('a heartbeat keeps a task alive past its HeartbeatSeconds', async () => {
      const activityArn = await newActivity()
      const executionArn = await h.start(
        oneTask(activityArn, { HeartbeatSeconds: 1, TimeoutSeconds: 30 }),
        { beat: true },
      )
      const { taskToken, input } = await take(activityArn, 'beater')
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 400))
        await service.sendTaskHeartbeat(ctx, { taskToken })
      }
      await service.sendTaskSuccess(ctx, { taskToken, output: input })
      const r = await h.result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
    })

    it('without heartbeats the task fails with States.HeartbeatTimeout', async () => {
      const activityArn = await newActivity()
      const executionArn = await h.start(oneTask(activityArn, { HeartbeatSeconds: 1 }), {})
      const { taskToken } = await take(activityArn)
      const r = await h.result(executionArn)
      expect(r.error).toBe('States.HeartbeatTimeout')
      expect(r.types).toContain('ActivityTimedOut')
      await expectCode(service.sendTaskSuccess(ctx, { taskToken, output: '{}' }), 'TaskTimedOut')
    })

    it('TimeoutSeconds holds however many heartbeats arrive', async () => {
      const activityArn = await newActivity()
      const executionArn = await h.start(
        oneTask(activityArn, { HeartbeatSeconds: 1, TimeoutSeconds: 2 }),
        {},
      )
      const { taskToken } = await take(activityArn)
      let refused = false
      while (!refused) {
        await new Promise((r) => setTimeout(r, 200))
        try {
          await service.sendTaskHeartbeat(ctx, { taskToken })
        } catch (err) {
          expect((err as { code: string }).code).toBe('TaskTimedOut')
          refused = true
        }
      }
      const r = await h.result(executionArn)
      expect(r.error).toBe('States.Timeout')
      expect(r.types.slice(-2)).toEqual(['ActivityTimedOut', 'ExecutionFailed'])
    })

    it('a task of a worker that died is retried by another worker; the late answer is refused', async () => {
      const activityArn = await newActivity()
      const executionArn = await h.start(
        oneTask(activityArn, {
          HeartbeatSeconds: 1,
          Retry: [{ ErrorEquals: ['States.HeartbeatTimeout'], IntervalSeconds: 1, MaxAttempts: 2 }],
        }),
        { job: 'x' },
      )
      const dead = await take(activityArn, 'dies')
      // The dead worker never answers; its heartbeat times out and the Retry queues it again.
      const second = await take(activityArn, 'lives')
      expect(second.taskToken).not.toBe(dead.taskToken)
      await service.sendTaskSuccess(ctx, { taskToken: second.taskToken, output: second.input })
      await expectCode(
        service.sendTaskSuccess(ctx, { taskToken: dead.taskToken, output: '{"late":true}' }),
        'TaskTimedOut',
      )
      const r = await h.result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
      expect(r.output).toEqual({ job: 'x' })
      const workers = r.history
        .filter((e) => e.type === 'ActivityStarted')
        .map((e) => (e['activityStartedEventDetails'] as { workerName?: string }).workerName)
      expect(workers).toEqual(['dies', 'lives'])
    })
  })

  it('a Task on a deleted activity fails with States.Runtime before it is scheduled', async () => {
    const activityArn = await newActivity('deleted')
    await service.deleteActivity(ctx, { activityArn })
    const r = await h.run(oneTask(activityArn), {})
    expect(r.status).toBe('FAILED')
    expect(r.error).toBe('States.Runtime')
    expect(r.cause).toBe(
      `An error occurred while executing the state 'Call' (entered at the event id #2). The activity ${activityArn} does not exist.`,
    )
    expect(r.types).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'])
  })
})
