import { describe, expect, it } from 'vitest'
import {
  compileMachine,
  errorMatches,
  judgeChildren,
  type AslFailure,
  type ChildrenPolicy,
  type ChildrenVerdict,
  type JsonObject,
  type JsonValue,
} from '../../../engine/asl/index.js'
import { compileRetrier, decideRetry, type RetryDecision } from '../../../engine/asl/retry.js'
import { runInMemory, type TaskHandler } from '../../../engine/runtime/run-in-memory.js'
import {
  chain,
  details,
  Harness,
  LAMBDA_ARN,
  machineOf,
  scheduleOf,
  single,
  T0,
  timerOf,
  types,
} from '../../helpers/asl.js'

/**
 * Error names, Retry and Catch. AWS: "Handling errors in Step Functions workflows" (error names,
 * Retry, Catch) and the recorded error-handling cases under ../shared/conformance.
 */

// ---- errorMatches ------------------------------------------------------------------------------

describe('errorMatches', () => {
  const tables: readonly {
    readonly errorEquals: readonly string[]
    readonly cases: readonly {
      readonly error: string
      readonly expected: boolean
      readonly why: string
    }[]
  }[] = [
    {
      errorEquals: ['States.ALL'],
      cases: [
        {
          error: 'States.Runtime',
          expected: false,
          why: 'runtime errors are never retried or caught',
        },
        { error: 'States.Timeout', expected: true, why: 'a timeout is a known error' },
        {
          error: 'States.HeartbeatTimeout',
          expected: true,
          why: 'a heartbeat timeout is a known error',
        },
        {
          error: 'States.TaskFailed',
          expected: true,
          why: 'the wildcard matches the other wildcard by name',
        },
        { error: 'Lambda.Unknown', expected: true, why: 'a task-defined error' },
        { error: 'CustomError', expected: true, why: 'a Fail state error' },
        {
          error: 'States.DataLimitExceeded',
          expected: true,
          why: 'caught by States.ALL on AWS (recorded: catch_state_all_data_limit_exceeded)',
        },
        {
          error: 'States.NoChoiceMatched',
          expected: true,
          why: 'a Choice failure inside a branch',
        },
        { error: '', expected: true, why: 'a failure without an error name' },
      ],
    },
    {
      errorEquals: ['States.TaskFailed'],
      cases: [
        {
          error: 'States.Timeout',
          expected: false,
          why: 'TaskFailed matches anything but States.Timeout',
        },
        { error: 'States.Runtime', expected: false, why: 'runtime errors are never matched' },
        { error: 'States.TaskFailed', expected: true, why: 'its own name' },
        { error: 'Lambda.ServiceException', expected: true, why: 'a task-defined error' },
        { error: 'MyError', expected: true, why: 'a custom error' },
      ],
    },
    {
      errorEquals: ['MyError'],
      cases: [
        { error: 'MyError', expected: true, why: 'the exact name' },
        { error: 'myerror', expected: false, why: 'names are case-sensitive' },
        { error: 'MyError2', expected: false, why: 'no prefix matching' },
        { error: 'My', expected: false, why: 'no substring matching' },
        {
          error: 'States.ALL',
          expected: false,
          why: 'a literal States.ALL error is not a wildcard here',
        },
      ],
    },
    {
      errorEquals: ['State.ALL'],
      cases: [
        {
          error: 'HandleItemFailError',
          expected: false,
          why: 'a misspelt wildcard is a plain name (recorded)',
        },
      ],
    },
    {
      errorEquals: ['A', 'States.Timeout'],
      cases: [
        { error: 'A', expected: true, why: 'any name in the list' },
        { error: 'States.Timeout', expected: true, why: 'a States.* name listed exactly' },
        { error: 'B', expected: false, why: 'not listed' },
      ],
    },
    {
      errorEquals: [],
      cases: [{ error: 'A', expected: false, why: 'an empty list matches nothing' }],
    },
  ]

  for (const { errorEquals, cases } of tables) {
    describe(JSON.stringify(errorEquals), () => {
      for (const c of cases) {
        it(`${JSON.stringify(errorEquals)} vs '${c.error}' → ${c.expected}: ${c.why}`, () => {
          expect(errorMatches(errorEquals, c.error)).toBe(c.expected)
        })
      }
    })
  }
})

// ---- decideRetry -------------------------------------------------------------------------------

describe('decideRetry', () => {
  const never = (): number => {
    throw new Error('random() is only for JitterStrategy FULL')
  }

  it('compileRetrier applies AWS defaults: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2, no jitter', () => {
    expect(compileRetrier({ ErrorEquals: ['E'] })).toEqual({
      errorEquals: ['E'],
      intervalSeconds: 1,
      maxAttempts: 3,
      backoffRate: 2,
      jitter: 'NONE',
    })
  })

  const cases: readonly {
    readonly why: string
    readonly retrier: JsonObject
    readonly attempts: readonly number[]
    readonly random?: number
    readonly expected: RetryDecision
  }[] = [
    {
      why: 'defaults, first retry: 1 s',
      retrier: {},
      attempts: [],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 1000 },
    },
    {
      why: 'defaults, second retry: 2 s',
      retrier: {},
      attempts: [1],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 2000 },
    },
    {
      why: 'defaults, third retry: 4 s',
      retrier: {},
      attempts: [2],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 4000 },
    },
    {
      why: 'defaults, after 3 retries: exhausted',
      retrier: {},
      attempts: [3],
      expected: { kind: 'exhausted' },
    },
    {
      why: 'IntervalSeconds × BackoffRate^retries',
      retrier: { IntervalSeconds: 3, BackoffRate: 1.5, MaxAttempts: 5 },
      attempts: [2],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 6750 },
    },
    {
      why: 'BackoffRate 1 keeps the interval constant',
      retrier: { IntervalSeconds: 7, BackoffRate: 1, MaxAttempts: 10 },
      attempts: [6],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 7000 },
    },
    {
      why: 'MaxAttempts 0: never retried',
      retrier: { MaxAttempts: 0 },
      attempts: [],
      expected: { kind: 'exhausted' },
    },
    {
      why: 'MaxAttempts 1: one retry, then exhausted',
      retrier: { MaxAttempts: 1 },
      attempts: [1],
      expected: { kind: 'exhausted' },
    },
    {
      why: 'MaxDelaySeconds does not touch a shorter delay',
      retrier: { IntervalSeconds: 3, MaxDelaySeconds: 5 },
      attempts: [0],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 3000 },
    },
    {
      why: 'MaxDelaySeconds caps the backoff',
      retrier: { IntervalSeconds: 3, MaxDelaySeconds: 5 },
      attempts: [1],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 5000 },
    },
    {
      why: 'MaxDelaySeconds keeps capping later retries',
      retrier: { IntervalSeconds: 3, MaxDelaySeconds: 5, MaxAttempts: 10 },
      attempts: [7],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 5000 },
    },
    {
      why: 'JitterStrategy FULL: a random part of the computed delay',
      retrier: { IntervalSeconds: 4, JitterStrategy: 'FULL' },
      attempts: [1],
      random: 0.25,
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 2000 },
    },
    {
      why: 'JitterStrategy FULL applies to the capped delay',
      retrier: { IntervalSeconds: 4, MaxDelaySeconds: 5, JitterStrategy: 'FULL' },
      attempts: [1],
      random: 0.25,
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 1250 },
    },
    {
      why: 'JitterStrategy FULL with random 0: no delay at all',
      retrier: { IntervalSeconds: 4, JitterStrategy: 'FULL' },
      attempts: [],
      random: 0,
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 0 },
    },
    {
      why: 'JitterStrategy NONE (explicit) uses no randomness',
      retrier: { IntervalSeconds: 2, JitterStrategy: 'NONE' },
      attempts: [1],
      expected: { kind: 'retry', retrierIndex: 0, delayMs: 4000 },
    },
    {
      why: 'JitterStrategy FULL still respects MaxAttempts',
      retrier: { MaxAttempts: 2, JitterStrategy: 'FULL' },
      attempts: [2],
      random: 0.5,
      expected: { kind: 'exhausted' },
    },
  ]
  for (const c of cases) {
    it(`decideRetry: ${c.why}`, () => {
      const retrier = compileRetrier({ ErrorEquals: ['E'], ...c.retrier })
      const random = c.random === undefined ? never : () => c.random as number
      expect(decideRetry([retrier], c.attempts, 'E', random)).toEqual(c.expected)
    })
  }

  it('decideRetry: an error no retrier names is not retried', () => {
    const retriers = [
      compileRetrier({ ErrorEquals: ['A'] }),
      compileRetrier({ ErrorEquals: ['B'] }),
    ]
    expect(decideRetry(retriers, [], 'C', never)).toEqual({ kind: 'exhausted' })
  })

  it('decideRetry: States.ALL does not retry States.Runtime', () => {
    expect(
      decideRetry([compileRetrier({ ErrorEquals: ['States.ALL'] })], [], 'States.Runtime', never),
    ).toEqual({
      kind: 'exhausted',
    })
  })

  it('decideRetry: the first matching retrier decides, even when its attempts are used up', () => {
    const retriers = [
      compileRetrier({ ErrorEquals: ['A'], MaxAttempts: 1 }),
      compileRetrier({ ErrorEquals: ['States.ALL'], MaxAttempts: 5 }),
    ]
    expect(decideRetry(retriers, [1, 0], 'A', never)).toEqual({ kind: 'exhausted' })
    expect(decideRetry(retriers, [1, 0], 'B', never)).toEqual({
      kind: 'retry',
      retrierIndex: 1,
      delayMs: 1000,
    })
  })

  it('decideRetry: MaxAttempts 0 before a catch-all retrier keeps that error from being retried', () => {
    const retriers = [
      compileRetrier({ ErrorEquals: ['Fatal'], MaxAttempts: 0 }),
      compileRetrier({ ErrorEquals: ['States.ALL'] }),
    ]
    expect(decideRetry(retriers, [], 'Fatal', never)).toEqual({ kind: 'exhausted' })
    expect(decideRetry(retriers, [], 'Other', never)).toEqual({
      kind: 'retry',
      retrierIndex: 1,
      delayMs: 1000,
    })
  })

  it('decideRetry: each retrier counts its own retries and backs off from its own count', () => {
    const retriers = [
      compileRetrier({ ErrorEquals: ['A'] }),
      compileRetrier({ ErrorEquals: ['B'], IntervalSeconds: 10 }),
    ]
    expect(decideRetry(retriers, [2, 0], 'B', never)).toEqual({
      kind: 'retry',
      retrierIndex: 1,
      delayMs: 10_000,
    })
    expect(decideRetry(retriers, [0, 2], 'A', never)).toEqual({
      kind: 'retry',
      retrierIndex: 0,
      delayMs: 1000,
    })
  })

  it("decideRetry: the AWS guide's example (ErrorA, ErrorB, ErrorC, ErrorB) waits 1 s, 2 s, 5 s, then gives up", () => {
    const retriers = [
      compileRetrier({
        ErrorEquals: ['ErrorA', 'ErrorB'],
        IntervalSeconds: 1,
        BackoffRate: 2,
        MaxAttempts: 2,
      }),
      compileRetrier({ ErrorEquals: ['ErrorC'], IntervalSeconds: 5 }),
    ]
    const attempts = [0, 0]
    const delays: (number | 'exhausted')[] = []
    for (const error of ['ErrorA', 'ErrorB', 'ErrorC', 'ErrorB']) {
      const decision = decideRetry(retriers, attempts, error, never)
      if (decision.kind === 'exhausted') {
        delays.push('exhausted')
        continue
      }
      attempts[decision.retrierIndex] = (attempts[decision.retrierIndex] ?? 0) + 1
      delays.push(decision.delayMs)
    }
    expect(delays).toEqual([1000, 2000, 5000, 'exhausted'])
  })
})

// ---- Retry and Catch through the interpreter ---------------------------------------------------

describe('Retry and Catch through the interpreter', () => {
  const retryThenCatch = (catchResultPath: JsonValue | undefined) =>
    machineOf({
      Work: {
        Type: 'Task',
        Resource: LAMBDA_ARN,
        Parameters: { 'try.$': '$$.State.RetryCount', 'job.$': '$.job' },
        Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 2 }],
        Catch: [
          {
            ErrorEquals: ['States.ALL'],
            Next: 'Recovered',
            ...(catchResultPath !== undefined ? { ResultPath: catchResultPath } : {}),
          },
        ],
        Next: 'Done',
      },
      Recovered: { Type: 'Pass', End: true },
      Done: { Type: 'Succeed' },
    })

  it('Retry: each retry arms a timer with the backoff and schedules the task again, then Catch', () => {
    const h = new Harness(retryThenCatch('$.error'))
    const first = h.start({ job: 7 })
    expect(scheduleOf(first)).toMatchObject({
      taskId: 'uuid-1',
      attempt: 1,
      input: { try: 0, job: 7 },
    })

    const failed1 = h.send({ kind: 'TaskFailed', taskId: 'uuid-1', error: 'Boom', cause: 'first' })
    expect(failed1.commands).toEqual([
      { kind: 'ArmTimer', timerId: 'uuid-2', at: T0 + 2000, reason: 'Retry' },
    ])
    expect(failed1.frame).toMatchObject({
      status: 'RUNNING',
      waiting: { kind: 'timer', timerId: 'uuid-2', reason: 'Retry' },
      retries: [1],
      retryCount: 1,
    })

    h.advance(2000)
    const again1 = h.send({ kind: 'TimerFired', timerId: 'uuid-2' })
    expect(again1.commands).toEqual([
      expect.objectContaining({
        kind: 'ScheduleTask',
        taskId: 'uuid-3',
        attempt: 2,
        input: { try: 1, job: 7 },
      }),
    ])

    const failed2 = h.send({ kind: 'TaskFailed', taskId: 'uuid-3', error: 'Boom', cause: 'second' })
    expect(timerOf(failed2)).toEqual({
      kind: 'ArmTimer',
      timerId: 'uuid-4',
      at: T0 + 2000 + 6000,
      reason: 'Retry',
    })

    h.advance(6000)
    const again2 = h.send({ kind: 'TimerFired', timerId: 'uuid-4' })
    expect(scheduleOf(again2)).toMatchObject({
      taskId: 'uuid-5',
      attempt: 3,
      input: { try: 2, job: 7 },
    })

    const failed3 = h.send({ kind: 'TaskFailed', taskId: 'uuid-5', error: 'Boom', cause: 'third' })
    expect(failed3.frame).toMatchObject({
      status: 'SUCCEEDED',
      output: { job: 7, error: { Error: 'Boom', Cause: 'third' } },
    })

    // One TaskStateEntered for all attempts; each attempt chains to the previous event.
    expect(chain(h.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'TaskStateEntered'],
      [3, 2, 'LambdaFunctionScheduled'],
      [4, 3, 'LambdaFunctionStarted'],
      [5, 4, 'LambdaFunctionFailed'],
      [6, 5, 'LambdaFunctionScheduled'],
      [7, 6, 'LambdaFunctionStarted'],
      [8, 7, 'LambdaFunctionFailed'],
      [9, 8, 'LambdaFunctionScheduled'],
      [10, 9, 'LambdaFunctionStarted'],
      [11, 10, 'LambdaFunctionFailed'],
      [12, 11, 'TaskStateExited'],
      [13, 12, 'PassStateEntered'],
      [14, 13, 'PassStateExited'],
      [15, 14, 'ExecutionSucceeded'],
    ])
    expect(details(h.history[11])).toMatchObject({ name: 'Work' })
  })

  it('Retry: a retried task that then succeeds goes on to Next, and the next state starts with RetryCount 0', () => {
    const h = new Harness(
      machineOf({
        Work: {
          Type: 'Task',
          Resource: LAMBDA_ARN,
          Retry: [{ ErrorEquals: ['Boom'] }],
          ResultPath: '$.work',
          Next: 'Again',
        },
        Again: {
          Type: 'Task',
          Resource: LAMBDA_ARN,
          Parameters: { 'try.$': '$$.State.RetryCount' },
          End: true,
        },
      }),
    )
    h.start({})
    h.send({ kind: 'TaskFailed', taskId: 'uuid-1', error: 'Boom' })
    h.advance(1000)
    h.send({ kind: 'TimerFired', timerId: 'uuid-2' })
    const next = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-3', output: 'ok' })
    expect(scheduleOf(next)).toMatchObject({ stateName: 'Again', attempt: 1, input: { try: 0 } })
    expect(next.frame).toMatchObject({ retries: [], retryCount: 0 })
  })

  const catchOutputs: readonly {
    readonly resultPath: JsonValue | undefined
    readonly output: JsonValue
    readonly why: string
  }[] = [
    {
      resultPath: undefined,
      output: { Error: 'Boom', Cause: 'third' },
      why: 'default ResultPath: the error output alone',
    },
    {
      resultPath: '$',
      output: { Error: 'Boom', Cause: 'third' },
      why: 'ResultPath $: the error output alone',
    },
    { resultPath: null, output: { job: 7 }, why: 'ResultPath null: the raw state input' },
    {
      resultPath: '$.errors.last',
      output: { job: 7, errors: { last: { Error: 'Boom', Cause: 'third' } } },
      why: 'a nested ResultPath creates its objects',
    },
  ]
  for (const c of catchOutputs) {
    it(`Catch ResultPath (${c.why})`, async () => {
      let calls = 0
      const handler: TaskHandler = () => {
        calls++
        return {
          kind: 'failed',
          error: 'Boom',
          cause: ['first', 'second', 'third'][calls - 1] as string,
        }
      }
      const result = await runInMemory(retryThenCatch(c.resultPath), { job: 7 }, { handler })
      expect(calls).toBe(3)
      expect(result).toMatchObject({ status: 'SUCCEEDED', output: c.output })
    })
  }

  it('Catch: after retries are exhausted without a Catch, the execution fails with the last error', async () => {
    let calls = 0
    const machine = single({
      Type: 'Task',
      Resource: LAMBDA_ARN,
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 1 }],
      End: true,
    })
    const handler: TaskHandler = () => ({
      kind: 'failed',
      error: 'Flaky',
      cause: `call ${++calls}`,
    })
    const result = await runInMemory(machine, {}, { handler })
    expect(calls).toBe(3)
    expect(result).toMatchObject({ status: 'FAILED', error: 'Flaky', cause: 'call 3' })
    expect(types(result.history).at(-1)).toBe('ExecutionFailed')
  })

  it('Catch: an error no retrier names goes straight to the first matching catcher', () => {
    const h = new Harness(
      machineOf({
        Work: {
          Type: 'Task',
          Resource: LAMBDA_ARN,
          Retry: [{ ErrorEquals: ['Transient'] }],
          Catch: [
            { ErrorEquals: ['Other'], Next: 'Wrong' },
            { ErrorEquals: ['Fatal', 'Broken'], Next: 'Right' },
            { ErrorEquals: ['States.ALL'], Next: 'Wrong' },
          ],
          End: true,
        },
        Wrong: { Type: 'Fail', Error: 'WrongCatcher' },
        Right: { Type: 'Pass', End: true },
      }),
    )
    h.start({})
    const step = h.send({ kind: 'TaskFailed', taskId: 'uuid-1', error: 'Broken', cause: 'c' })
    expect(step.commands).toEqual([
      { kind: 'Finish', status: 'SUCCEEDED', output: { Error: 'Broken', Cause: 'c' } },
    ])
    expect(types(step.history)).toEqual([
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ])
  })

  it('Retry: a Task timeout is not retried by a States.TaskFailed retrier', () => {
    const h = new Harness(
      single({
        Type: 'Task',
        Resource: LAMBDA_ARN,
        TimeoutSeconds: 5,
        Retry: [{ ErrorEquals: ['States.TaskFailed'] }],
        End: true,
      }),
    )
    h.start({})
    const step = h.send({ kind: 'TaskTimedOut', taskId: 'uuid-1', heartbeat: false })
    expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.Timeout' })
    expect(step.commands.map((c) => c.kind)).toEqual(['Finish'])
  })

  it('Retry: a Task timeout is retried by a States.Timeout retrier', () => {
    const h = new Harness(
      single({
        Type: 'Task',
        Resource: LAMBDA_ARN,
        TimeoutSeconds: 5,
        Retry: [{ ErrorEquals: ['States.Timeout'] }],
        End: true,
      }),
    )
    h.start({})
    const step = h.send({ kind: 'TaskTimedOut', taskId: 'uuid-1', heartbeat: false })
    expect(timerOf(step)).toMatchObject({ reason: 'Retry', at: T0 + 1000 })
  })

  it('Catch: States.ALL catches States.DataLimitExceeded from a task result (recorded on AWS)', async () => {
    const machine = machineOf({
      InvokeLambda: {
        Type: 'Task',
        Resource: LAMBDA_ARN,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'HandleGeneralError' }],
        Next: 'ProcessResult',
      },
      ProcessResult: { Type: 'Pass', End: true },
      HandleGeneralError: { Type: 'Pass', End: true },
    })
    const handler: TaskHandler = () => ({ kind: 'succeeded', output: 'a'.repeat(263_168) })
    const result = await runInMemory(machine, {}, { handler })
    expect(result.status).toBe('SUCCEEDED')
    expect(result.output).toEqual({
      Error: 'States.DataLimitExceeded',
      Cause: `The state/task '${LAMBDA_ARN}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    })
    expect(types(result.history)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ])
  })

  const runtime: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly scheduled: boolean
  }[] = [
    {
      why: 'a Parameters path that selects nothing',
      fields: { Parameters: { 'x.$': '$.missing' } },
      scheduled: false,
    },
    {
      why: 'an InputPath that selects nothing',
      fields: { InputPath: '$.missing' },
      scheduled: false,
    },
    {
      why: 'a ResultSelector path that selects nothing',
      fields: { ResultSelector: { 'x.$': '$.missing' } },
      scheduled: true,
    },
    {
      why: 'an OutputPath that selects nothing',
      fields: { OutputPath: '$.missing' },
      scheduled: true,
    },
  ]
  for (const c of runtime) {
    it(`States.Runtime from ${c.why} is neither retried nor caught by States.ALL`, async () => {
      let calls = 0
      const machine = machineOf({
        Work: {
          Type: 'Task',
          Resource: LAMBDA_ARN,
          ...c.fields,
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 5 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      })
      const handler: TaskHandler = () => {
        calls++
        return { kind: 'succeeded', output: { r: 1 } }
      }
      const result = await runInMemory(machine, { a: 1 }, { handler })
      expect(result.status).toBe('FAILED')
      expect(result.error).toBe('States.Runtime')
      expect(result.cause).toMatch(
        /^An error occurred while executing the state 'Work' \(entered at the event id #2\)\. /,
      )
      expect(calls).toBe(c.scheduled ? 1 : 0)
      expect(types(result.history)).toEqual(
        c.scheduled
          ? [
              'ExecutionStarted',
              'TaskStateEntered',
              'LambdaFunctionScheduled',
              'LambdaFunctionStarted',
              'LambdaFunctionSucceeded',
              'ExecutionFailed',
            ]
          : ['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'],
      )
    })
  }

  it('States.Runtime is not retried or caught even when ErrorEquals names it', () => {
    const h = new Harness(
      machineOf({
        Work: {
          Type: 'Task',
          Resource: LAMBDA_ARN,
          Parameters: { 'x.$': '$.missing' },
          Retry: [{ ErrorEquals: ['States.Runtime'] }],
          Catch: [{ ErrorEquals: ['States.Runtime'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      }),
    )
    const step = h.start({})
    expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.Runtime' })
    expect(step.commands.map((c) => c.kind)).toEqual(['Finish'])
  })

  it('Retry on Map: the whole Map runs again, MapStateStarted is written again (recorded)', async () => {
    const machine = compileMachine({
      StartAt: 'StartState',
      States: {
        StartState: { Type: 'Pass', Result: [1], ResultPath: '$.arr', Next: 'MapState' },
        MapState: {
          Type: 'Map',
          ResultPath: null,
          InputPath: '$.arr',
          MaxConcurrency: 1,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'HandleItemFail',
            States: {
              HandleItemFail: {
                Type: 'Fail',
                Error: 'HandleItemFailError',
                Cause: 'HandleItemFailCause',
              },
            },
          },
          Retry: [
            { ErrorEquals: ['NoSuchError'], MaxAttempts: 1 },
            { ErrorEquals: ['State.ALL'], MaxAttempts: 2 },
            { ErrorEquals: ['HandleItemFailError'], MaxAttempts: 3 },
          ],
          Next: 'Final',
        },
        Final: { Type: 'Pass', End: true },
      },
    })
    const result = await runInMemory(machine, {})
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'HandleItemFailError',
      cause: 'HandleItemFailCause',
    })
    const iteration = [
      'MapStateStarted',
      'MapIterationStarted',
      'FailStateEntered',
      'MapIterationFailed',
    ]
    expect(types(result.history)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapStateEntered',
      ...iteration,
      ...iteration,
      ...iteration,
      ...iteration,
      'MapStateFailed',
      'ExecutionFailed',
    ])
  })

  it('Retry on Parallel: $$.State.RetryCount counts the attempts of the Parallel state', async () => {
    const machine = compileMachine({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Parameters: { 'try.$': '$$.State.RetryCount' },
          Branches: [
            { StartAt: 'T', States: { T: { Type: 'Task', Resource: LAMBDA_ARN, End: true } } },
          ],
          Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 3 }],
          End: true,
        },
      },
    })
    const seen: JsonValue[] = []
    const handler: TaskHandler = (task) => {
      seen.push(task.input)
      return seen.length < 3
        ? { kind: 'failed', error: 'Flaky', cause: 'again' }
        : { kind: 'succeeded', output: 'ok' }
    }
    const result = await runInMemory(machine, {}, { handler })
    expect(seen).toEqual([{ try: 0 }, { try: 1 }, { try: 2 }])
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: ['ok'] })
    expect(types(result.history).filter((t) => t === 'ParallelStateStarted')).toHaveLength(3)
    expect(types(result.history).filter((t) => t === 'ParallelStateEntered')).toHaveLength(1)
  })

  it('Catch on Parallel: the branch error goes to the catcher, with no ParallelStateFailed', async () => {
    const machine = compileMachine({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'BranchBroke', Cause: 'why' } } },
          ],
          Catch: [{ ErrorEquals: ['BranchBroke'], ResultPath: '$.err', Next: 'After' }],
          End: true,
        },
        After: { Type: 'Pass', End: true },
      },
    })
    const result = await runInMemory(machine, { x: 1 })
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { x: 1, err: { Error: 'BranchBroke', Cause: 'why' } },
    })
    expect(types(result.history)).toEqual([
      'ExecutionStarted',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'FailStateEntered',
      'ParallelStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ])
  })
})

// ---- judgeChildren -----------------------------------------------------------------------------

describe('judgeChildren', () => {
  const itemFailure: AslFailure = { error: 'ItemBroke', cause: 'item cause' }
  const threshold = (verdict: ChildrenVerdict): string | undefined =>
    verdict.kind === 'failed' ? verdict.failure.error : undefined

  const cases: readonly {
    readonly why: string
    readonly policy: ChildrenPolicy
    readonly succeeded: number
    readonly failed: number
    readonly expected: ChildrenVerdict['kind']
    readonly error?: string
  }[] = [
    {
      why: 'Parallel: none finished',
      policy: { stateType: 'Parallel', total: 3 },
      succeeded: 0,
      failed: 0,
      expected: 'running',
    },
    {
      why: 'Parallel: some finished',
      policy: { stateType: 'Parallel', total: 3 },
      succeeded: 2,
      failed: 0,
      expected: 'running',
    },
    {
      why: 'Parallel: all succeeded',
      policy: { stateType: 'Parallel', total: 3 },
      succeeded: 3,
      failed: 0,
      expected: 'succeeded',
    },
    {
      why: 'Parallel: the first failure fails it at once, with that failure',
      policy: { stateType: 'Parallel', total: 3 },
      succeeded: 0,
      failed: 1,
      expected: 'failed',
      error: 'ItemBroke',
    },
    {
      why: 'Parallel: tolerance fields do not apply',
      policy: { stateType: 'Parallel', total: 3, toleratedFailureCount: 5 },
      succeeded: 2,
      failed: 1,
      expected: 'failed',
      error: 'ItemBroke',
    },
    {
      why: 'Map: no items',
      policy: { stateType: 'Map', total: 0 },
      succeeded: 0,
      failed: 0,
      expected: 'succeeded',
    },
    {
      why: 'Map without a threshold: the first failure, with its error',
      policy: { stateType: 'Map', total: 4 },
      succeeded: 1,
      failed: 1,
      expected: 'failed',
      error: 'ItemBroke',
    },
    {
      why: 'Map count 1: one failure tolerated while others run',
      policy: { stateType: 'Map', total: 4, toleratedFailureCount: 1 },
      succeeded: 2,
      failed: 1,
      expected: 'running',
    },
    {
      why: 'Map count 1: one failure tolerated at the end',
      policy: { stateType: 'Map', total: 4, toleratedFailureCount: 1 },
      succeeded: 3,
      failed: 1,
      expected: 'succeeded',
    },
    {
      why: 'Map count 1: a second failure exceeds it before the rest finish',
      policy: { stateType: 'Map', total: 4, toleratedFailureCount: 1 },
      succeeded: 0,
      failed: 2,
      expected: 'failed',
      error: 'States.ExceedToleratedFailureThreshold',
    },
    {
      why: 'Map 25 %: 1 of 4 is not more than 25 %',
      policy: { stateType: 'Map', total: 4, toleratedFailurePercentage: 25 },
      succeeded: 3,
      failed: 1,
      expected: 'succeeded',
    },
    {
      why: 'Map 25 %: 2 of 4 exceed it',
      policy: { stateType: 'Map', total: 4, toleratedFailurePercentage: 25 },
      succeeded: 1,
      failed: 2,
      expected: 'failed',
      error: 'States.ExceedToleratedFailureThreshold',
    },
    {
      why: 'Map 100 %: every item may fail',
      policy: { stateType: 'Map', total: 4, toleratedFailurePercentage: 100 },
      succeeded: 0,
      failed: 4,
      expected: 'succeeded',
    },
    {
      why: 'Map with both: the percentage is crossed first',
      policy: {
        stateType: 'Map',
        total: 10,
        toleratedFailureCount: 5,
        toleratedFailurePercentage: 10,
      },
      succeeded: 0,
      failed: 2,
      expected: 'failed',
      error: 'States.ExceedToleratedFailureThreshold',
    },
    {
      why: 'Map with both: the count is crossed first',
      policy: {
        stateType: 'Map',
        total: 10,
        toleratedFailureCount: 1,
        toleratedFailurePercentage: 50,
      },
      succeeded: 0,
      failed: 2,
      expected: 'failed',
      error: 'States.ExceedToleratedFailureThreshold',
    },
    {
      why: 'Map with both: within both',
      policy: {
        stateType: 'Map',
        total: 10,
        toleratedFailureCount: 3,
        toleratedFailurePercentage: 30,
      },
      succeeded: 7,
      failed: 3,
      expected: 'succeeded',
    },
  ]
  for (const c of cases) {
    it(`judgeChildren: ${c.why}`, () => {
      const verdict = judgeChildren(
        c.policy,
        c.succeeded,
        c.failed,
        c.failed > 0 ? itemFailure : undefined,
      )
      expect(verdict.kind).toBe(c.expected)
      expect(threshold(verdict)).toBe(c.error)
      if (c.error === 'ItemBroke') expect(verdict).toEqual({ kind: 'failed', failure: itemFailure })
    })
  }
})
