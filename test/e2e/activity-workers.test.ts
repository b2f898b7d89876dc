import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import * as service from '../../engine/service/index.js'
import type { Backend } from '../../engine/store/index.js'
import { describeEachBackend } from '../helpers/database.js'
import { until } from '../helpers/runtime.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { useWorkerProcesses } from '../helpers/worker-process.js'

/**
 * Activities end to end: millrace listening on 127.0.0.1, worker-sdk workers in their own
 * processes speaking the AWS JSON protocol to it, and faults a real deployment meets: a worker
 * killed mid-task, a network cut between worker and engine, answers that come too late.
 */
const TASKS = Number(process.env['MILLRACE_E2E_TASKS'] ?? 2000)

describeEachBackend('activity workers in their own processes', (backend: Backend) => {
  const fixture = useWorkerProcesses(backend)
  const spawnWorker = fixture.spawn

  async function newActivity(): Promise<string> {
    const { activityArn } = await fixture.api.aws<{ activityArn: string }>('CreateActivity', {
      name: `act-${randomBytes(4).toString('hex')}`,
    })
    return activityArn
  }

  async function machine(definition: unknown): Promise<string> {
    const { stateMachineArn } = await fixture.api.aws<{ stateMachineArn: string }>(
      'CreateStateMachine',
      {
        name: `m-${randomBytes(4).toString('hex')}`,
        definition: JSON.stringify(definition),
      },
    )
    return stateMachineArn
  }

  async function result(executionArn: string) {
    await fixture.api.engine.waitForEnd(executionArn, 120_000)
    const d = await service.describeExecution(fixture.api.ctx, { executionArn })
    const { events } = await service.getExecutionHistory(fixture.api.ctx, {
      executionArn,
      maxResults: 1000,
    })
    return { ...d, events }
  }

  it(
    `4 worker processes complete ${TASKS} tasks, each exactly once`,
    { timeout: 300_000 },
    async () => {
      const activityArn = await newActivity()
      const pool = Array.from({ length: 4 }, (_, i) =>
        spawnWorker({ ACTIVITY_ARN: activityArn, WORKER_NAME: `w${i}`, CONCURRENCY: '4' }),
      )
      const stateMachineArn = await machine({
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: activityArn, End: true } },
      })
      const arns: string[] = []
      let next = 0
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < TASKS) {
            const i = next++
            const { executionArn } = await service.startExecution(fixture.api.ctx, {
              stateMachineArn,
              name: `e-${i}`,
              input: JSON.stringify({ i, counter: 0 }),
            })
            arns[i] = executionArn
          }
        }),
      )
      const db = fixture.api.test.database.db
      await until(
        'every execution to end',
        async () => {
          const row = await db
            .selectFrom('executions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '=', 'RUNNING')
            .executeTakeFirstOrThrow()
          return Number(row.n) === 0
        },
        300_000,
        200,
      )
      // Every task handed to exactly one worker, once.
      const took = pool.flatMap((w) => w.took.map((t) => t.input?.['i'] as number))
      expect(took).toHaveLength(TASKS)
      expect(new Set(took).size).toBe(TASKS)
      // Every execution succeeded with one answer.
      const rows = await db
        .selectFrom('executions')
        .innerJoin('state_machines', 'state_machines.id', 'executions.state_machine_id')
        .select(['executions.id', 'executions.status', 'executions.output'])
        .where('state_machines.name', '=', stateMachineArn.split(':')[6] ?? '')
        .execute()
      expect(rows).toHaveLength(TASKS)
      for (const r of rows) {
        expect(r.status).toBe('SUCCEEDED')
        expect((r.output as { counter: number }).counter).toBe(1)
      }
      const counts = await db
        .selectFrom('history_events')
        .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
        .where(
          'execution_id',
          'in',
          rows.map((r) => r.id),
        )
        .where('type', 'in', ['ActivityStarted', 'ActivitySucceeded', 'ActivityTimedOut'])
        .groupBy('type')
        .execute()
      expect(Object.fromEntries(counts.map((c) => [c.type, Number(c.n)]))).toEqual({
        ActivityStarted: TASKS,
        ActivitySucceeded: TASKS,
      })
    },
  )

  it('a worker killed mid-task is detected by its heartbeat timeout; Retry sends the task to another worker; the late answer is refused', async () => {
    const activityArn = await newActivity()
    const doomed = spawnWorker({
      ACTIVITY_ARN: activityArn,
      WORKER_NAME: 'dies',
      MODE: 'hang',
      HEARTBEAT_SECONDS: '0.2',
    })
    const stateMachineArn = await machine({
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: activityArn,
          HeartbeatSeconds: 1,
          Retry: [{ ErrorEquals: ['States.HeartbeatTimeout'], IntervalSeconds: 1, MaxAttempts: 2 }],
          End: true,
        },
      },
    })
    const { executionArn } = await service.startExecution(fixture.api.ctx, {
      stateMachineArn,
      input: '{"job":"resize","counter":0}',
    })
    await until('the doomed worker took the task', () => doomed.took.length === 1)
    doomed.signal('SIGKILL')
    expect((await doomed.exited).signal).toBe('SIGKILL')
    const survivor = spawnWorker({ ACTIVITY_ARN: activityArn, WORKER_NAME: 'lives' })
    const r = await result(executionArn)
    expect(r.status).toBe('SUCCEEDED')
    expect(JSON.parse(r.output ?? '')).toEqual({ job: 'resize', counter: 1 })
    expect(survivor.took).toHaveLength(1)
    const types = r.events.map((e) => e.type)
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivityTimedOut',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ])
    const names = r.events
      .filter((e) => e.type === 'ActivityStarted')
      .map((e) => (e['activityStartedEventDetails'] as { workerName: string }).workerName)
    expect(names).toEqual(['dies', 'lives'])
    // What the dead worker would have answered, had it lived.
    await expect(
      fixture.api.aws('SendTaskSuccess', {
        taskToken: doomed.took[0]?.token,
        output: '{"late":1}',
      }),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' })
    expect(
      JSON.parse((await service.describeExecution(fixture.api.ctx, { executionArn })).output ?? ''),
    ).toEqual({ job: 'resize', counter: 1 })
  })

  it('a network cut between worker and engine: the answer is sent again and lands once it is back', async () => {
    const port = Number(new URL(fixture.api.url).port)
    const proxy = await startTcpProxy('127.0.0.1', port)
    try {
      const activityArn = await newActivity()
      const worker = spawnWorker({
        MILLRACE_URL: `http://127.0.0.1:${proxy.port}`,
        ACTIVITY_ARN: activityArn,
        MODE: 'slow',
        SLOW_MS: '500',
      })
      const stateMachineArn = await machine({
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 60, End: true } },
      })
      const { executionArn } = await service.startExecution(fixture.api.ctx, {
        stateMachineArn,
        input: '{"counter":41}',
      })
      await until('the worker took the task', () => worker.took.length === 1)
      proxy.down()
      await until('the answer failed at least twice', () => worker.errors.length >= 2)
      proxy.up()
      const r = await result(executionArn)
      expect(r.status).toBe('SUCCEEDED')
      expect(JSON.parse(r.output ?? '')).toEqual({ counter: 42 })
    } finally {
      await proxy.close()
    }
  })

  it('a network cut that outlasts the task timeout: the late success is refused', async () => {
    const port = Number(new URL(fixture.api.url).port)
    const proxy = await startTcpProxy('127.0.0.1', port)
    try {
      const activityArn = await newActivity()
      const worker = spawnWorker({
        MILLRACE_URL: `http://127.0.0.1:${proxy.port}`,
        ACTIVITY_ARN: activityArn,
        MODE: 'slow',
        SLOW_MS: '300',
      })
      const stateMachineArn = await machine({
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 2, End: true } },
      })
      const { executionArn } = await service.startExecution(fixture.api.ctx, {
        stateMachineArn,
        input: '{}',
      })
      await until('the worker took the task', () => worker.took.length === 1)
      proxy.down()
      const r = await result(executionArn)
      expect(r.status).toBe('FAILED')
      expect(r.error).toBe('States.Timeout')
      proxy.up()
      await until('the late answer was refused', () =>
        worker.errors.some((e) => e.name === 'TaskTimedOut'),
      )
      const after = await result(executionArn)
      expect(after.events.map((e) => e.type)).toEqual(r.events.map((e) => e.type))
    } finally {
      await proxy.close()
    }
  })
})
