import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import type { Backend } from '../../engine/store/index.js'
import { describeEachBackend } from '../helpers/database.js'
import { until } from '../helpers/runtime.js'
import { useWorkerProcesses } from '../helpers/worker-process.js'

/**
 * Task tokens and worker-sdk's lifecycle over real HTTP: answers racing on one token, tokens
 * that name nothing, a worker process told to stop (SIGTERM, inside and past its grace), and a
 * worker whose execution is stopped under it. The heavier faults (SIGKILL, network cuts, 2,000
 * tasks) are in activity-workers.test.ts.
 */
describeEachBackend('activity tokens and worker lifecycle', (backend: Backend) => {
  const fixture = useWorkerProcesses(backend)
  const spawnWorker = fixture.spawn

  async function startOne(task: Record<string, unknown>, input: unknown = {}) {
    const { activityArn } = await fixture.api.aws<{ activityArn: string }>('CreateActivity', {
      name: `act-${randomBytes(4).toString('hex')}`,
    })
    const { stateMachineArn } = await fixture.api.aws<{ stateMachineArn: string }>(
      'CreateStateMachine',
      {
        name: `m-${randomBytes(4).toString('hex')}`,
        definition: JSON.stringify({
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: activityArn, End: true, ...task } },
        }),
      },
    )
    const { executionArn } = await fixture.api.aws<{ executionArn: string }>('StartExecution', {
      stateMachineArn,
      input: JSON.stringify(input),
    })
    return { activityArn, executionArn }
  }

  async function ended(executionArn: string) {
    await fixture.api.engine.waitForEnd(executionArn, 60_000)
    const d = await fixture.api.aws<{ status: string; output?: string; error?: string }>(
      'DescribeExecution',
      { executionArn },
    )
    const { events } = await fixture.api.aws<{ events: Record<string, unknown>[] }>(
      'GetExecutionHistory',
      {
        executionArn,
        maxResults: 1000,
      },
    )
    return { ...d, events, types: events.map((e) => e['type'] as string) }
  }

  /** Rejects with the AWS error name, or resolves with 'ok'. */
  const answer = (action: string, body: Record<string, unknown>) =>
    fixture.api.aws(action, body).then(
      () => 'ok',
      (err: Error) => err.name,
    )

  it('of 15 concurrent SendTaskSuccess calls over HTTP on one token, exactly one wins', async () => {
    const { activityArn, executionArn } = await startOne({ HeartbeatSeconds: 30 }, { n: 1 })
    const task = await fixture.api.aws<{ taskToken: string }>('GetActivityTask', {
      activityArn,
      workerName: 'racer',
    })
    const outcomes = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        answer('SendTaskSuccess', { taskToken: task.taskToken, output: JSON.stringify({ i }) }),
      ),
    )
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1)
    expect(outcomes.filter((o) => o !== 'ok')).toEqual(Array(14).fill('TaskTimedOut'))
    const r = await ended(executionArn)
    expect(r.status).toBe('SUCCEEDED')
    expect(JSON.parse(r.output ?? '')).toEqual({ i: outcomes.indexOf('ok') })
    expect(r.types.filter((t) => t === 'ActivitySucceeded')).toHaveLength(1)
    // The losers changed nothing, and neither does a 16th answer or a heartbeat now.
    expect(await answer('SendTaskFailure', { taskToken: task.taskToken, error: 'Late' })).toBe(
      'TaskTimedOut',
    )
    expect(await answer('SendTaskHeartbeat', { taskToken: task.taskToken })).toBe('TaskTimedOut')
    expect((await ended(executionArn)).types).toEqual(r.types)
  })

  it('a forged token is InvalidToken and an unknown one TaskDoesNotExist, for every answer', async () => {
    const unknown = randomBytes(32).toString('base64url')
    for (const [action, extra] of [
      ['SendTaskSuccess', { output: '{}' }],
      ['SendTaskFailure', { error: 'E' }],
      ['SendTaskHeartbeat', {}],
    ] as const) {
      expect(await answer(action, { taskToken: 'not-a-token', ...extra })).toBe('InvalidToken')
      expect(await answer(action, { taskToken: unknown, ...extra })).toBe('TaskDoesNotExist')
    }
  })

  it('stopping the execution aborts ctx.signal in the worker process, which answers nothing', async () => {
    const { activityArn, executionArn } = await startOne({ HeartbeatSeconds: 30 })
    const hang = spawnWorker({ ACTIVITY_ARN: activityArn, MODE: 'hang', HEARTBEAT_SECONDS: '0.2' })
    await until('the worker took the task', () => hang.took.length === 1)
    await fixture.api.aws('StopExecution', { executionArn, error: 'Operator.Stop' })
    await until('ctx.signal aborted', () => hang.aborted.length === 1)
    expect(hang.aborted[0]?.reason).toBe('TaskTimedOut')
    const r = await ended(executionArn)
    expect(r.status).toBe('ABORTED')
    expect(r.types).not.toContain('ActivitySucceeded')
    expect(r.types).not.toContain('ActivityFailed')
  })

  it('a task that times out aborts ctx.signal in the worker process at its next heartbeat', async () => {
    const { activityArn, executionArn } = await startOne({ TimeoutSeconds: 1 })
    const hang = spawnWorker({ ACTIVITY_ARN: activityArn, MODE: 'hang', HEARTBEAT_SECONDS: '0.2' })
    await until('the worker took the task', () => hang.took.length === 1)
    const r = await ended(executionArn)
    expect(r.error).toBe('States.Timeout')
    await until('ctx.signal aborted', () => hang.aborted.length === 1)
    expect(hang.aborted[0]?.reason).toBe('TaskTimedOut')
    expect((await ended(executionArn)).types).toEqual(r.types)
  })

  it('a poller that hung up takes no task: the next task goes to a poller that is still there', async () => {
    const { activityArn } = await fixture.api.aws<{ activityArn: string }>('CreateActivity', {
      name: `act-${randomBytes(4).toString('hex')}`,
    })
    const gone = new AbortController()
    const hungUp = fetch(`${fixture.api.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.GetActivityTask',
      },
      body: JSON.stringify({ activityArn, workerName: 'gone' }),
      signal: gone.signal,
    }).catch(() => 'hung up')
    await new Promise((resolve) => setTimeout(resolve, 200))
    gone.abort()
    expect(await hungUp).toBe('hung up')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const { stateMachineArn } = await fixture.api.aws<{ stateMachineArn: string }>(
      'CreateStateMachine',
      {
        name: `m-${randomBytes(4).toString('hex')}`,
        definition: JSON.stringify({
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: activityArn, End: true } },
        }),
      },
    )
    const { executionArn } = await fixture.api.aws<{ executionArn: string }>('StartExecution', {
      stateMachineArn,
      input: '{"for":"the living"}',
    })
    const task = await fixture.api.aws<{ taskToken?: string; input?: string }>('GetActivityTask', {
      activityArn,
      workerName: 'here',
    })
    expect(JSON.parse(task.input ?? '')).toEqual({ for: 'the living' })
    await fixture.api.aws('SendTaskSuccess', { taskToken: task.taskToken, output: '{"ok":true}' })
    const r = await ended(executionArn)
    expect(r.status).toBe('SUCCEEDED')
    const started = r.events.find((e) => e['type'] === 'ActivityStarted')
    expect(started?.['activityStartedEventDetails']).toEqual({ workerName: 'here' })
  })

  it('SIGTERM lets a running task finish and answer, then the worker process exits 0', async () => {
    const { activityArn, executionArn } = await startOne({ HeartbeatSeconds: 30 }, { counter: 1 })
    const worker = spawnWorker({ ACTIVITY_ARN: activityArn, MODE: 'slow', SLOW_MS: '1500' })
    await until('the worker took the task', () => worker.took.length === 1)
    worker.signal('SIGTERM')
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    expect(worker.lines.at(-1)?.event).toBe('stopped')
    expect(worker.aborted).toEqual([])
    const r = await ended(executionArn)
    expect(r.status).toBe('SUCCEEDED')
    expect(JSON.parse(r.output ?? '')).toEqual({ counter: 2 })
  })

  it('SIGTERM past the grace fails the task with Worker.Stopped, and Retry sends it to another worker', async () => {
    const { activityArn, executionArn } = await startOne(
      {
        HeartbeatSeconds: 30,
        Retry: [{ ErrorEquals: ['Worker.Stopped'], IntervalSeconds: 1, MaxAttempts: 1 }],
      },
      { counter: 0 },
    )
    const leaving = spawnWorker({
      ACTIVITY_ARN: activityArn,
      WORKER_NAME: 'leaving',
      MODE: 'hang',
      GRACE_MS: '200',
    })
    await until('the leaving worker took the task', () => leaving.took.length === 1)
    leaving.signal('SIGTERM')
    expect(await leaving.exited).toEqual({ code: 0, signal: null })
    expect(leaving.aborted.map((a) => a.reason)).toEqual(['WorkerStopped'])
    spawnWorker({ ACTIVITY_ARN: activityArn, WORKER_NAME: 'staying' })
    const r = await ended(executionArn)
    expect(r.status).toBe('SUCCEEDED')
    expect(JSON.parse(r.output ?? '')).toEqual({ counter: 1 })
    const failed = r.events.find((e) => e['type'] === 'ActivityFailed')
    expect(failed?.['activityFailedEventDetails']).toMatchObject({ error: 'Worker.Stopped' })
    const names = r.events
      .filter((e) => e['type'] === 'ActivityStarted')
      .map((e) => (e['activityStartedEventDetails'] as { workerName: string }).workerName)
    expect(names).toEqual(['leaving', 'staying'])
  })
})
