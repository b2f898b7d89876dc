import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import {
  createStateMachine,
  getExecutionHistory,
  startExecution,
  stopExecution,
  type HistoryEvent,
} from '../../../engine/service/index.js'
import { describeEachBackend } from '../../helpers/database.js'
import {
  ACCOUNT,
  def,
  expectCode,
  openServiceHarness,
  PARKED,
  REGION,
  ROLE,
  uniqueName,
  waitForEnd,
  type ServiceHarness,
} from '../../helpers/service.js'

const LAMBDA = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`

/** Pass, Lambda task (echo) and Wait: every kind of payload-carrying event. */
const CHAIN = def({
  StartAt: 'Shape',
  States: {
    Shape: { Type: 'Pass', Parameters: { 'n.$': '$.n', tag: 'shaped' }, Next: 'Echo' },
    Echo: { Type: 'Task', Resource: LAMBDA, ResultPath: '$.echo', Next: 'Pause' },
    Pause: { Type: 'Wait', Seconds: 2, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
})

const EXPECTED_TYPES = [
  'ExecutionStarted',
  'PassStateEntered',
  'PassStateExited',
  'TaskStateEntered',
  'LambdaFunctionScheduled',
  'LambdaFunctionStarted',
  'LambdaFunctionSucceeded',
  'TaskStateExited',
  'WaitStateEntered',
  'WaitStateExited',
  'SucceedStateEntered',
  'SucceedStateExited',
  'ExecutionSucceeded',
]

describeEachBackend('service: execution history', (backend) => {
  let h: ServiceHarness
  let executionArn: string

  beforeAll(async () => {
    h = await openServiceHarness(backend)
    await h.engine.start()
    try {
      const { stateMachineArn } = await createStateMachine(h.ctx, {
        name: uniqueName('history'),
        definition: CHAIN,
        roleArn: ROLE,
      })
      ;({ executionArn } = await startExecution(h.ctx, { stateMachineArn, input: '{"n":7}' }))
      await waitForEnd(h.ctx, executionArn)
    } finally {
      await h.engine.stop({ graceMs: 1000 })
    }
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

  async function walk(
    request: { reverseOrder?: boolean; includeExecutionData?: boolean },
    maxResults: number,
  ) {
    const events: HistoryEvent[] = []
    let nextToken: string | undefined
    do {
      const page = await getExecutionHistory(h.ctx, {
        executionArn,
        ...request,
        maxResults,
        nextToken,
      })
      expect(page.events.length).toBeLessThanOrEqual(maxResults)
      events.push(...page.events)
      nextToken = page.nextToken
    } while (nextToken)
    return events
  }

  it("answers AWS's HistoryEvent shape, with payloads as JSON text", async () => {
    const { events, nextToken } = await getExecutionHistory(h.ctx, { executionArn })
    expect(nextToken).toBeUndefined()
    expect(events.map((e) => e.type)).toEqual(EXPECTED_TYPES)
    expect(events.map((e) => e.id)).toEqual(EXPECTED_TYPES.map((_, i) => i + 1))
    for (const e of events) {
      expect(e.timestamp).toBeInstanceOf(Date)
      expect(e.previousEventId).toBeLessThan(e.id)
    }
    const byType = (type: string) => events.find((e) => e.type === type) as HistoryEvent
    expect(byType('ExecutionStarted')).toEqual({
      timestamp: expect.any(Date),
      type: 'ExecutionStarted',
      id: 1,
      previousEventId: 0,
      executionStartedEventDetails: {
        input: '{"n":7}',
        inputDetails: { truncated: false },
        roleArn: ROLE,
      },
    })
    expect(byType('PassStateExited')['stateExitedEventDetails']).toEqual({
      name: 'Shape',
      output: '{"n":7,"tag":"shaped"}',
      outputDetails: { truncated: false },
    })
    expect(byType('LambdaFunctionScheduled')['lambdaFunctionScheduledEventDetails']).toMatchObject({
      resource: LAMBDA,
      input: '{"n":7,"tag":"shaped"}',
    })
    expect(byType('LambdaFunctionStarted')).not.toHaveProperty('lambdaFunctionStartedEventDetails')
    const output = (
      byType('ExecutionSucceeded')['executionSucceededEventDetails'] as { output: string }
    ).output
    expect(JSON.parse(output)).toEqual({
      n: 7,
      tag: 'shaped',
      echo: { n: 7, tag: 'shaped', echoed: true },
    })
  })

  it('walks every page once, in order and in reverse order', async () => {
    const all = (await getExecutionHistory(h.ctx, { executionArn, maxResults: 1000 })).events
    expect(await walk({}, 3)).toEqual(all)
    expect(await walk({}, 1)).toEqual(all)
    const reversed = await walk({ reverseOrder: true }, 4)
    expect(reversed).toEqual([...all].reverse())
    const newest = await getExecutionHistory(h.ctx, {
      executionArn,
      reverseOrder: true,
      maxResults: 1,
    })
    expect(newest.events.map((e) => e.type)).toEqual(['ExecutionSucceeded'])
    expect(newest.nextToken).toBeDefined()
  })

  it('leaves out input, output and parameters when includeExecutionData is false', async () => {
    const events = await walk({ includeExecutionData: false }, 5)
    expect(events.map((e) => e.type)).toEqual(EXPECTED_TYPES)
    for (const e of events) {
      for (const [key, details] of Object.entries(e)) {
        if (!key.endsWith('EventDetails')) continue
        expect(details).not.toHaveProperty('input')
        expect(details).not.toHaveProperty('output')
        expect(details).not.toHaveProperty('parameters')
      }
    }
    expect(events[0]).toMatchObject({ executionStartedEventDetails: { roleArn: ROLE } })
    expect(events[2]).toMatchObject({ stateExitedEventDetails: { name: 'Shape' } })
  })

  it('shows the history of a running execution so far, and its end once stopped', async () => {
    const { stateMachineArn } = await createStateMachine(h.ctx, {
      name: uniqueName('parked'),
      definition: PARKED,
    })
    const started = await startExecution(h.ctx, { stateMachineArn })
    const before = await getExecutionHistory(h.ctx, { executionArn: started.executionArn })
    expect(before.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
    ])
    await stopExecution(h.ctx, { ...started, error: 'E', cause: 'C' })
    const after = await getExecutionHistory(h.ctx, { executionArn: started.executionArn })
    expect(after.events.slice(0, 3)).toEqual(before.events)
    expect(after.events[after.events.length - 1]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'E', cause: 'C' },
    })
  })

  it('refuses a token used with other arguments, and bad arguments', async () => {
    const page = await getExecutionHistory(h.ctx, { executionArn, maxResults: 2 })
    const nextToken = page.nextToken as string
    await expectCode(
      getExecutionHistory(h.ctx, { executionArn, nextToken, reverseOrder: true }),
      'InvalidToken',
    )
    const { stateMachineArn } = await createStateMachine(h.ctx, {
      name: uniqueName('other'),
      definition: PARKED,
    })
    const other = await startExecution(h.ctx, { stateMachineArn })
    await expectCode(
      getExecutionHistory(h.ctx, { executionArn: other.executionArn, nextToken }),
      'InvalidToken',
    )
    await stopExecution(h.ctx, other)
    await expectCode(getExecutionHistory(h.ctx, { executionArn, nextToken: '%%%' }), 'InvalidToken')
    await expectCode(
      getExecutionHistory(h.ctx, { executionArn, maxResults: 5000 }),
      'ValidationException',
    )
    await expectCode(
      getExecutionHistory(h.ctx, { executionArn, reverseOrder: 'yes' as unknown as boolean }),
      'ValidationException',
    )
    await expectCode(
      getExecutionHistory(h.ctx, { executionArn: `${executionArn}-nope` }),
      'ExecutionDoesNotExist',
    )
    await expectCode(getExecutionHistory(h.ctx, { executionArn: 'nope' }), 'InvalidArn')
  })
})
