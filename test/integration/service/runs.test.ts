// Real executions through the service layer: every suspension kind (timers, push tasks, activity
// tasks, children) on the durable engine, started with startExecution and read back with
// describeExecution, listExecutions and getExecutionHistory.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import {
  createStateMachine,
  describeExecution,
  getExecutionHistory,
  listExecutions,
  requireExecution,
  startExecution,
  updateStateMachine,
} from '../../../engine/service/index.js'
import { describeEachBackend } from '../../helpers/database.js'
import {
  ACCOUNT,
  def,
  openServiceHarness,
  REGION,
  uniqueName,
  waitForEnd,
  type ServiceHarness,
} from '../../helpers/service.js'

const LAMBDA = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`
const ACTIVITY = `arn:aws:states:${REGION}:${ACCOUNT}:activity:nobody-polls-this`

describeEachBackend('service: running executions', (backend) => {
  let h: ServiceHarness

  beforeAll(async () => {
    h = await openServiceHarness(backend)
  })
  afterAll(async () => {
    await h.test.dispose()
  })
  beforeEach(async () => {
    await h.engine.start()
  })
  afterEach(async () => {
    await h.engine.stop({ graceMs: 1000 })
  })

  async function run(definition: unknown, input: unknown = {}) {
    const { stateMachineArn } = await createStateMachine(h.ctx, {
      name: uniqueName('run'),
      definition: def(definition),
    })
    const { executionArn } = await startExecution(h.ctx, {
      stateMachineArn,
      input: JSON.stringify(input),
    })
    const described = await waitForEnd(h.ctx, executionArn)
    const { events } = await getExecutionHistory(h.ctx, { executionArn, maxResults: 1000 })
    return {
      stateMachineArn,
      executionArn,
      described,
      output:
        described.output === undefined ? undefined : (JSON.parse(described.output) as unknown),
      types: events.map((e) => e.type),
    }
  }

  /** Answers the open activity task of a running execution, as a worker would. */
  async function completeActivity(executionArn: string, output: unknown) {
    const execution = await requireExecution(h.ctx, executionArn)
    const task = await h.test.database.db
      .selectFrom('tasks')
      .select('id')
      .where('execution_id', '=', execution.id)
      .where('status', '=', 'SCHEDULED')
      .executeTakeFirstOrThrow()
    const applied = await h.engine.completeTask(execution.id, task.id, {
      kind: 'succeeded',
      output: output as never,
    })
    expect(applied).toBe('applied')
  }

  it('runs Wait states on the database clock', async () => {
    const r = await run(
      {
        StartAt: 'W1',
        States: {
          W1: { Type: 'Wait', Seconds: 3, Next: 'W2' },
          W2: { Type: 'Wait', SecondsPath: '$.wait', Next: 'P' },
          P: { Type: 'Pass', Result: 'waited', ResultPath: '$.result', End: true },
        },
      },
      { wait: 2 },
    )
    expect(r.described.status).toBe('SUCCEEDED')
    expect(r.output).toEqual({ wait: 2, result: 'waited' })
    expect(r.types).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ])
  })

  it('runs push tasks inside a Map with MaxConcurrency', async () => {
    const r = await run(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            MaxConcurrency: 2,
            ItemProcessor: {
              StartAt: 'Echo',
              States: { Echo: { Type: 'Task', Resource: LAMBDA, End: true } },
            },
            End: true,
          },
        },
      },
      { items: [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }] },
    )
    expect(r.described.status).toBe('SUCCEEDED')
    expect(r.output).toEqual([1, 2, 3, 4, 5].map((i) => ({ i, echoed: true })))
    expect(r.types.filter((t) => t === 'LambdaFunctionSucceeded')).toHaveLength(5)
    expect(r.types.at(-1)).toBe('ExecutionSucceeded')
  })

  it('runs Parallel branches, and catches a failed branch', async () => {
    const ok = await run({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            {
              StartAt: 'Slow',
              States: {
                Slow: { Type: 'Wait', Seconds: 1, Next: 'A' },
                A: { Type: 'Pass', Result: 'a', End: true },
              },
            },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'b', End: true } } },
          ],
        },
      },
    })
    expect(ok.output).toEqual(['a', 'b'])

    const caught = await run({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Boom',
              States: { Boom: { Type: 'Fail', Error: 'Branch.Failed', Cause: 'b' } },
            },
            { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } },
          ],
          Catch: [{ ErrorEquals: ['Branch.Failed'], ResultPath: '$.caught', Next: 'Recovered' }],
          Next: 'Unreached',
        },
        Unreached: { Type: 'Fail', Error: 'Unreached' },
        Recovered: { Type: 'Pass', End: true },
      },
    })
    expect(caught.described.status).toBe('SUCCEEDED')
    expect(caught.output).toEqual({ caught: { Error: 'Branch.Failed', Cause: 'b' } })
  })

  it('ends FAILED with the error and cause of a Fail state', async () => {
    const r = await run({
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'Order.Invalid', Cause: 'no items' } },
    })
    expect(r.described).toMatchObject({
      status: 'FAILED',
      error: 'Order.Invalid',
      cause: 'no items',
    })
    expect(r.types.at(-1)).toBe('ExecutionFailed')
  })

  it('ends TIMED_OUT when the execution-level TimeoutSeconds passes', async () => {
    const r = await run({
      TimeoutSeconds: 1,
      StartAt: 'Park',
      States: { Park: { Type: 'Task', Resource: ACTIVITY, End: true } },
    })
    expect(r.described.status).toBe('TIMED_OUT')
    expect(r.types.at(-1)).toBe('ExecutionTimedOut')
  })

  it('keeps a running execution on its revision after an update', async () => {
    const v = (tag: string, park: boolean) =>
      def({
        StartAt: park ? 'Park' : 'Tag',
        States: {
          ...(park
            ? { Park: { Type: 'Task', Resource: ACTIVITY, ResultPath: null, Next: 'Tag' } }
            : {}),
          Tag: { Type: 'Pass', Result: tag, ResultPath: '$.version', End: true },
        },
      })
    const { stateMachineArn } = await createStateMachine(h.ctx, {
      name: uniqueName('pinned'),
      definition: v('v1', true),
    })
    const first = await startExecution(h.ctx, { stateMachineArn, input: '{}' })
    await updateStateMachine(h.ctx, { stateMachineArn, definition: v('v2', false) })

    const second = await startExecution(h.ctx, { stateMachineArn, input: '{}' })
    expect(JSON.parse((await waitForEnd(h.ctx, second.executionArn)).output ?? '')).toEqual({
      version: 'v2',
    })

    expect((await describeExecution(h.ctx, first)).status).toBe('RUNNING')
    await completeActivity(first.executionArn, { ignored: true })
    expect(JSON.parse((await waitForEnd(h.ctx, first.executionArn)).output ?? '')).toEqual({
      version: 'v1',
    })
  })

  it('runs many executions started at once, each exactly once', async () => {
    const { stateMachineArn } = await createStateMachine(h.ctx, {
      name: uniqueName('many'),
      definition: def({
        StartAt: 'W',
        States: {
          W: { Type: 'Wait', Seconds: 1, Next: 'E' },
          E: { Type: 'Task', Resource: LAMBDA, End: true },
        },
      }),
    })
    const started = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        startExecution(h.ctx, { stateMachineArn, name: `n${i}`, input: JSON.stringify({ i }) }),
      ),
    )
    for (const [i, s] of started.entries()) {
      const d = await waitForEnd(h.ctx, s.executionArn)
      expect(d.status).toBe('SUCCEEDED')
      expect(JSON.parse(d.output ?? '')).toEqual({ i, echoed: true })
      const { events } = await getExecutionHistory(h.ctx, { executionArn: s.executionArn })
      expect(events.map((e) => e.id)).toEqual(events.map((_, k) => k + 1))
      expect(events.filter((e) => e.type === 'ExecutionSucceeded')).toHaveLength(1)
    }
    const listed = await listExecutions(h.ctx, { stateMachineArn, statusFilter: 'SUCCEEDED' })
    expect(listed.executions).toHaveLength(20)
  })
})
