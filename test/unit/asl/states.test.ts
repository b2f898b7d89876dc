import { describe, expect, it } from 'vitest'
import {
  compileMachine,
  interpret,
  parseResource,
  type Command,
  type Frame,
  type HistoryEvent,
  type InterpreterEvent,
  type JsonObject,
  type JsonValue,
  type Step,
} from '../../../engine/asl/index.js'
import { applyResultPath, type ResultPath } from '../../../engine/asl/paths/result-path.js'
import { AslError } from '../../../engine/asl/errors.js'
import { runInMemory, type TaskHandler } from '../../../engine/runtime/run-in-memory.js'
import {
  ACTIVITY_ARN,
  CALLBACK_ARN,
  chain,
  details,
  ev,
  EXECUTION,
  Harness,
  INVOKE_ARN,
  LAMBDA_ARN,
  machineOf,
  NOT_TRUNCATED,
  scheduleOf,
  single,
  T0,
  text,
  timerOf,
  types,
  withoutTimestamps,
} from '../../helpers/asl.js'

/**
 * Every state type, one rule at a time, through the pure interpreter (and through the in-memory
 * driver for Parallel and Map, whose children the runtime runs). Expected values are AWS's: the
 * recordings under ../shared/conformance where one exists, else the AWS developer guide.
 */

function runtimeCause(state: string, enteredAt: number, message: string): string {
  return `An error occurred while executing the state '${state}' (entered at the event id #${enteredAt}). ${message}`
}

function finishOf(step: Step): Extract<Command, { kind: 'Finish' }> {
  const command = step.commands.find((c) => c.kind === 'Finish')
  if (!command) throw new Error(`no Finish in ${JSON.stringify(step.commands)}`)
  return command
}

function lastEvent(step: Step): HistoryEvent {
  return step.history[step.history.length - 1] as HistoryEvent
}

/** A handler that answers every task with a fixed function of its input. */
function answer(f: (input: JsonValue) => JsonValue): TaskHandler {
  return (task) => ({ kind: 'succeeded', output: f(task.input) })
}

function counter(prefix: string): () => string {
  let n = 0
  return () => `${prefix}-${++n}`
}

// ---- Pass ------------------------------------------------------------------------------------

describe('Pass', () => {
  const cases: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly input: JsonValue
    readonly output: JsonValue
  }[] = [
    { why: 'no fields: the input passes through', fields: {}, input: { a: 1 }, output: { a: 1 } },
    {
      why: 'Result replaces the input',
      fields: { Result: { x: 1 } },
      input: { a: 1 },
      output: { x: 1 },
    },
    {
      why: 'Result keys ending in .$ are taken literally, never evaluated',
      fields: { Result: { 'a.$': '$.b' } },
      input: { b: 2 },
      output: { 'a.$': '$.b' },
    },
    {
      why: 'Parameters: paths and constants',
      fields: { Parameters: { 'v.$': '$.a', constant: 1, nested: { 'w.$': '$.b[1]' } } },
      input: { a: 2, b: [5, 6] },
      output: { v: 2, constant: 1, nested: { w: 6 } },
    },
    {
      why: 'Parameters: an intrinsic call',
      fields: { Parameters: { 's.$': "States.Format('item {} of {}', $.a, $.b)" } },
      input: { a: 2, b: 3 },
      output: { s: 'item 2 of 3' },
    },
    {
      why: 'Result wins over Parameters',
      fields: { Parameters: { 'v.$': '$.a' }, Result: 'r' },
      input: { a: 1 },
      output: 'r',
    },
    {
      why: 'ResultPath puts the result into the input',
      fields: { Result: 1, ResultPath: '$.r' },
      input: { a: 1 },
      output: { a: 1, r: 1 },
    },
    {
      why: 'ResultPath null discards the result: the raw input passes through',
      fields: { Result: 'ignored', ResultPath: null },
      input: { a: 1 },
      output: { a: 1 },
    },
    {
      why: 'ResultPath creates the missing objects on its way',
      fields: { Result: 'deep', ResultPath: '$.a.b.c' },
      input: { x: 1 },
      output: { x: 1, a: { b: { c: 'deep' } } },
    },
    {
      why: 'ResultPath adds to an existing nested object and keeps its siblings',
      fields: { Result: 2, ResultPath: '$.a.b' },
      input: { a: { keep: 1 } },
      output: { a: { keep: 1, b: 2 } },
    },
    {
      why: 'ResultPath replaces a value already there',
      fields: { Result: 'new', ResultPath: '$.a' },
      input: { a: [1, 2] },
      output: { a: 'new' },
    },
    {
      why: 'ResultPath $ (explicit) is the result alone',
      fields: { Result: { only: true }, ResultPath: '$' },
      input: { a: 1 },
      output: { only: true },
    },
    {
      why: 'ResultPath merges into the raw input, not the InputPath selection',
      fields: { InputPath: '$.sub', ResultPath: '$.r' },
      input: { sub: { v: 1 }, other: 2 },
      output: { sub: { v: 1 }, other: 2, r: { v: 1 } },
    },
    {
      why: 'InputPath null makes the effective input {}',
      fields: { InputPath: null },
      input: { a: 1 },
      output: {},
    },
    {
      why: 'InputPath null with a ResultPath keeps the raw input around the {}',
      fields: { InputPath: null, ResultPath: '$.r' },
      input: { a: 1 },
      output: { a: 1, r: {} },
    },
    {
      why: 'InputPath selects part of the input',
      fields: { InputPath: '$.a.b' },
      input: { a: { b: [1, 2] } },
      output: [1, 2],
    },
    {
      why: 'OutputPath selects part of the output',
      fields: { OutputPath: '$.a' },
      input: { a: { b: 1 }, c: 2 },
      output: { b: 1 },
    },
    {
      why: 'OutputPath null makes the output {}',
      fields: { OutputPath: null },
      input: { a: 1 },
      output: {},
    },
    {
      why: 'InputPath, Parameters, ResultPath, OutputPath apply in that order',
      fields: {
        InputPath: '$.in',
        Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' },
        ResultPath: '$.res',
        OutputPath: '$.res',
      },
      input: { in: { n: 4 }, other: true },
      output: { doubled: 8 },
    },
  ]

  for (const c of cases) {
    it(`Pass: ${c.why}`, () => {
      const h = new Harness(single({ Type: 'Pass', End: true, ...c.fields }))
      const step = h.start(c.input)
      expect(step.frame.status).toBe('SUCCEEDED')
      expect(step.frame.output).toEqual(c.output)
      expect(step.commands).toEqual([{ kind: 'Finish', status: 'SUCCEEDED', output: c.output }])
      expect(chain(step.history)).toEqual([
        [1, 0, 'ExecutionStarted'],
        [2, 1, 'PassStateEntered'],
        [3, 2, 'PassStateExited'],
        [4, 3, 'ExecutionSucceeded'],
      ])
    })
  }

  it('Pass: history carries AWS details (input/output as JSON text, roleArn, not truncated)', () => {
    const h = new Harness(
      single({ Type: 'Pass', Result: { r: 1 }, ResultPath: '$.res', End: true }),
    )
    const step = h.start({ a: 'x' })
    const out = { a: 'x', res: { r: 1 } }
    expect(step.history.every((e) => e.timestamp === T0)).toBe(true)
    expect(withoutTimestamps(step.history)).toEqual([
      ev(1, 0, 'ExecutionStarted', {
        input: text({ a: 'x' }),
        inputDetails: NOT_TRUNCATED,
        roleArn: EXECUTION.roleArn,
      }),
      ev(2, 1, 'PassStateEntered', {
        name: 'S',
        input: text({ a: 'x' }),
        inputDetails: NOT_TRUNCATED,
      }),
      ev(3, 2, 'PassStateExited', { name: 'S', output: text(out), outputDetails: NOT_TRUNCATED }),
      ev(4, 3, 'ExecutionSucceeded', { output: text(out), outputDetails: NOT_TRUNCATED }),
    ])
  })

  it('Pass: states run one after another in a single step until the end', () => {
    const h = new Harness(
      machineOf({
        A: { Type: 'Pass', Result: 1, ResultPath: '$.a', Next: 'B' },
        B: { Type: 'Pass', Result: 2, ResultPath: '$.b', Next: 'C' },
        C: { Type: 'Pass', End: true },
      }),
    )
    const step = h.start({})
    expect(step.frame.output).toEqual({ a: 1, b: 2 })
    expect(chain(step.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'PassStateEntered'],
      [3, 2, 'PassStateExited'],
      [4, 3, 'PassStateEntered'],
      [5, 4, 'PassStateExited'],
      [6, 5, 'PassStateEntered'],
      [7, 6, 'PassStateExited'],
      [8, 7, 'ExecutionSucceeded'],
    ])
    expect(step.history.map((e) => (details(e) as JsonObject | undefined)?.['name'])).toEqual([
      undefined,
      'A',
      'A',
      'B',
      'B',
      'C',
      'C',
      undefined,
    ])
  })

  it('Pass: an InputPath that selects nothing fails with States.Runtime', () => {
    const h = new Harness(single({ Type: 'Pass', InputPath: '$.missing', End: true }))
    const step = h.start({ a: 1 })
    expect(step.frame.status).toBe('FAILED')
    expect(finishOf(step)).toEqual({
      kind: 'Finish',
      status: 'FAILED',
      error: 'States.Runtime',
      cause: runtimeCause('S', 2, "Invalid path '$.missing' : No results for path: $['missing']"),
    })
    expect(chain(step.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'PassStateEntered'],
      [3, 2, 'ExecutionFailed'],
    ])
  })

  it('Pass: a Parameters path that selects nothing names the field and the input', () => {
    const h = new Harness(single({ Type: 'Pass', Parameters: { 'v.$': '$.nope' }, End: true }))
    const step = h.start({ a: 1 })
    expect(finishOf(step)).toEqual({
      kind: 'Finish',
      status: 'FAILED',
      error: 'States.Runtime',
      cause: runtimeCause(
        'S',
        2,
        `The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{"a":1}'`,
      ),
    })
  })
})

describe('ResultPath (applyResultPath)', () => {
  const merge = (text: string, segments: (string | number)[]): ResultPath => ({
    kind: 'merge',
    text,
    segments,
  })

  it('ResultPath: never mutates the input it merges into', () => {
    const input = { a: { b: 1 }, c: [1] }
    const snapshot = structuredClone(input)
    const out = applyResultPath(merge('$.a.x', ['a', 'x']), input, 'r')
    expect(out).toEqual({ a: { b: 1, x: 'r' }, c: [1] })
    expect(input).toEqual(snapshot)
  })

  it('ResultPath: a path through a non-object fails with States.ResultPathMatchFailure', () => {
    let caught: unknown
    try {
      applyResultPath(merge('$.a.b', ['a', 'b']), { a: 'text' }, 1)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(AslError)
    expect((caught as AslError).error).toBe('States.ResultPathMatchFailure')
  })

  it('ResultPath: merging into a non-object input fails with States.ResultPathMatchFailure', () => {
    expect(() => applyResultPath(merge('$.r', ['r']), [1, 2], 1)).toThrow(AslError)
  })

  it('ResultPath: discard and replace ignore the input shape', () => {
    expect(applyResultPath({ kind: 'discard' }, 'raw', 'result')).toBe('raw')
    expect(applyResultPath({ kind: 'replace' }, 'raw', 'result')).toBe('result')
  })
})

// ---- Task ------------------------------------------------------------------------------------

interface ResourceKind {
  readonly name: string
  readonly fields: JsonObject
  readonly input: JsonValue
  /** The task's input after InputPath and Parameters. */
  readonly sent: JsonValue
  readonly prefix: 'LambdaFunction' | 'Activity' | 'Task'
  readonly scheduled: JsonObject
  /** Details of the …Started event (undefined: the event has none). */
  readonly started: JsonObject | undefined
  /** Extra details keys that AWS puts on every Task* event after Scheduled. */
  readonly common: JsonObject
  readonly workerName?: string
  readonly byToken: boolean
  readonly heartbeats: boolean
}

const KINDS: readonly ResourceKind[] = [
  {
    name: 'Lambda function ARN',
    fields: { Resource: LAMBDA_ARN, TimeoutSeconds: 30 },
    input: { a: 1 },
    sent: { a: 1 },
    prefix: 'LambdaFunction',
    scheduled: {
      resource: LAMBDA_ARN,
      input: text({ a: 1 }),
      inputDetails: NOT_TRUNCATED,
      timeoutInSeconds: 30,
    },
    started: undefined,
    common: {},
    byToken: false,
    heartbeats: false,
  },
  {
    name: 'activity',
    fields: { Resource: ACTIVITY_ARN, TimeoutSeconds: 30, HeartbeatSeconds: 10 },
    input: { a: 1 },
    sent: { a: 1 },
    prefix: 'Activity',
    scheduled: {
      resource: ACTIVITY_ARN,
      input: text({ a: 1 }),
      inputDetails: NOT_TRUNCATED,
      timeoutInSeconds: 30,
      heartbeatInSeconds: 10,
    },
    started: { workerName: 'worker-1' },
    common: {},
    workerName: 'worker-1',
    byToken: true,
    heartbeats: true,
  },
  {
    name: 'service integration (lambda:invoke)',
    fields: {
      Resource: INVOKE_ARN,
      Parameters: { FunctionName: 'work', 'Payload.$': '$' },
      TimeoutSeconds: 30,
    },
    input: { a: 1 },
    sent: { FunctionName: 'work', Payload: { a: 1 } },
    prefix: 'Task',
    scheduled: {
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
      parameters: text({ FunctionName: 'work', Payload: { a: 1 } }),
      timeoutInSeconds: 30,
    },
    started: { resourceType: 'lambda', resource: 'invoke' },
    common: { resourceType: 'lambda', resource: 'invoke' },
    byToken: false,
    heartbeats: false,
  },
  {
    name: 'service integration (.waitForTaskToken)',
    fields: {
      Resource: CALLBACK_ARN,
      Parameters: { QueueUrl: 'q', 'MessageBody.$': '$' },
      TimeoutSeconds: 30,
      HeartbeatSeconds: 10,
    },
    input: { a: 1 },
    sent: { QueueUrl: 'q', MessageBody: { a: 1 } },
    prefix: 'Task',
    scheduled: {
      resourceType: 'sqs',
      resource: 'sendMessage.waitForTaskToken',
      region: 'us-east-1',
      parameters: text({ QueueUrl: 'q', MessageBody: { a: 1 } }),
      timeoutInSeconds: 30,
      heartbeatInSeconds: 10,
    },
    started: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken' },
    common: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken' },
    byToken: true,
    heartbeats: true,
  },
]

function taskHarness(kind: ResourceKind): { h: Harness; first: Step } {
  const h = new Harness(single({ Type: 'Task', End: true, ...kind.fields }))
  const first = h.start(kind.input)
  return { h, first }
}

function head(kind: ResourceKind): JsonObject[] {
  return [
    ev(1, 0, 'ExecutionStarted', {
      input: text(kind.input),
      inputDetails: NOT_TRUNCATED,
      roleArn: EXECUTION.roleArn,
    }),
    ev(2, 1, 'TaskStateEntered', {
      name: 'S',
      input: text(kind.input),
      inputDetails: NOT_TRUNCATED,
    }),
    ev(3, 2, `${kind.prefix}Scheduled`, kind.scheduled),
  ]
}

describe('Task', () => {
  for (const kind of KINDS) {
    it(`Task (${kind.name}): schedules one task and waits for it`, () => {
      const { first } = taskHarness(kind)
      expect(first.commands).toEqual([
        {
          kind: 'ScheduleTask',
          taskId: 'uuid-1',
          stateName: 'S',
          resource: parseResource(kind.fields['Resource'] as string),
          input: kind.sent,
          attempt: 1,
          timeoutSeconds: 30,
          ...(kind.heartbeats ? { heartbeatSeconds: 10 } : {}),
          ...(kind.byToken ? { taskToken: 'token-1' } : {}),
        },
      ])
      expect(first.frame.status).toBe('RUNNING')
      expect(first.frame.waiting).toEqual({ kind: 'task', taskId: 'uuid-1', started: false })
      expect(withoutTimestamps(first.history)).toEqual(head(kind))
    })

    it(`Task (${kind.name}): started then succeeded, with AWS's events and details`, () => {
      const { h } = taskHarness(kind)
      const started = h.send({
        kind: 'TaskStarted',
        taskId: 'uuid-1',
        ...(kind.workerName !== undefined ? { workerName: kind.workerName } : {}),
      })
      expect(started.commands).toEqual([])
      expect(started.frame.waiting).toEqual({ kind: 'task', taskId: 'uuid-1', started: true })
      const done = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-1', output: { r: 2 } })
      expect(done.commands).toEqual([{ kind: 'Finish', status: 'SUCCEEDED', output: { r: 2 } }])
      expect(withoutTimestamps(h.history)).toEqual([
        ...head(kind),
        ev(4, 3, `${kind.prefix}Started`, kind.started),
        ev(5, 4, `${kind.prefix}Succeeded`, {
          ...kind.common,
          output: text({ r: 2 }),
          outputDetails: NOT_TRUNCATED,
        }),
        ev(6, 5, 'TaskStateExited', {
          name: 'S',
          output: text({ r: 2 }),
          outputDetails: NOT_TRUNCATED,
        }),
        ev(7, 6, 'ExecutionSucceeded', { output: text({ r: 2 }), outputDetails: NOT_TRUNCATED }),
      ])
    })

    it(`Task (${kind.name}): failed, the execution fails with the task's error and cause`, () => {
      const { h } = taskHarness(kind)
      h.send({ kind: 'TaskStarted', taskId: 'uuid-1' })
      const failed = h.send({
        kind: 'TaskFailed',
        taskId: 'uuid-1',
        error: 'Work.Broke',
        cause: 'it broke',
      })
      expect(failed.frame).toMatchObject({
        status: 'FAILED',
        error: 'Work.Broke',
        cause: 'it broke',
      })
      expect(failed.commands).toEqual([
        { kind: 'Finish', status: 'FAILED', error: 'Work.Broke', cause: 'it broke' },
      ])
      expect(withoutTimestamps(h.history).slice(3)).toEqual([
        ev(4, 3, `${kind.prefix}Started`, kind.prefix === 'Activity' ? {} : kind.started),
        ev(5, 4, `${kind.prefix}Failed`, {
          ...kind.common,
          error: 'Work.Broke',
          cause: 'it broke',
        }),
        ev(6, 5, 'ExecutionFailed', { error: 'Work.Broke', cause: 'it broke' }),
      ])
    })

    it(`Task (${kind.name}): timed out without a cause fails with States.Timeout and no cause`, () => {
      const { h } = taskHarness(kind)
      const step = h.send({ kind: 'TaskTimedOut', taskId: 'uuid-1', heartbeat: false })
      expect(step.commands).toEqual([{ kind: 'Finish', status: 'FAILED', error: 'States.Timeout' }])
      // The recordings (activity and lambda start-timeout cases): …Started is written before …TimedOut.
      expect(types(step.history)).toEqual([
        `${kind.prefix}Started`,
        `${kind.prefix}TimedOut`,
        'ExecutionFailed',
      ])
      expect(details(step.history[1])).toEqual({ ...kind.common, error: 'States.Timeout' })
      expect(details(step.history[2])).toEqual({ error: 'States.Timeout' })
    })

    if (kind.heartbeats) {
      it(`Task (${kind.name}): a missed heartbeat fails with States.HeartbeatTimeout`, () => {
        const { h } = taskHarness(kind)
        h.send({ kind: 'TaskStarted', taskId: 'uuid-1' })
        const step = h.send({ kind: 'TaskTimedOut', taskId: 'uuid-1', heartbeat: true })
        expect(types(step.history)).toEqual([`${kind.prefix}TimedOut`, 'ExecutionFailed'])
        expect(details(step.history[0])).toEqual({
          ...kind.common,
          error: 'States.HeartbeatTimeout',
        })
        expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' })
      })
    }
  }

  it('Task: a result that arrives without TaskStarted first still writes …Started before it', () => {
    const { h } = taskHarness(KINDS[0] as ResourceKind)
    const step = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-1', output: 1 })
    expect(chain(step.history)).toEqual([
      [4, 3, 'LambdaFunctionStarted'],
      [5, 4, 'LambdaFunctionSucceeded'],
      [6, 5, 'TaskStateExited'],
      [7, 6, 'ExecutionSucceeded'],
    ])
  })

  it('Task: ResultSelector, ResultPath and OutputPath shape the result against the raw input', () => {
    const h = new Harness(
      single({
        Type: 'Task',
        Resource: LAMBDA_ARN,
        InputPath: '$.job',
        ResultSelector: { 'code.$': '$.StatusCode', 'first.$': '$.rows[0]' },
        ResultPath: '$.result',
        OutputPath: '$.result',
        End: true,
      }),
    )
    const first = h.start({ job: { id: 7 }, keep: true })
    expect(scheduleOf(first).input).toEqual({ id: 7 })
    const step = h.send({
      kind: 'TaskSucceeded',
      taskId: 'uuid-1',
      output: { StatusCode: 200, rows: ['x', 'y'] },
    })
    expect(step.frame.output).toEqual({ code: 200, first: 'x' })
  })

  const timeouts: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly input: JsonValue
    readonly timeoutSeconds?: number
    readonly heartbeatSeconds?: number
  }[] = [
    {
      why: 'literals',
      fields: { TimeoutSeconds: 300, HeartbeatSeconds: 60 },
      input: {},
      timeoutSeconds: 300,
      heartbeatSeconds: 60,
    },
    {
      why: 'paths into the input',
      fields: { TimeoutSecondsPath: '$.limits.total', HeartbeatSecondsPath: '$.limits.beat' },
      input: { limits: { total: 120, beat: 20 } },
      timeoutSeconds: 120,
      heartbeatSeconds: 20,
    },
    { why: 'a timeout alone', fields: { TimeoutSeconds: 5 }, input: {}, timeoutSeconds: 5 },
    { why: 'neither: the runtime applies no timeout of its own choosing', fields: {}, input: {} },
  ]
  for (const c of timeouts) {
    it(`Task timeouts (${c.why}) reach the ScheduleTask command and ActivityScheduled`, () => {
      const h = new Harness(
        single({ Type: 'Task', Resource: ACTIVITY_ARN, End: true, ...c.fields }),
      )
      const step = h.start(c.input)
      const command = scheduleOf(step)
      expect(command.timeoutSeconds).toBe(c.timeoutSeconds)
      expect(command.heartbeatSeconds).toBe(c.heartbeatSeconds)
      const scheduled = details(step.history[2]) as JsonObject
      expect(scheduled['timeoutInSeconds']).toBe(c.timeoutSeconds)
      expect(scheduled['heartbeatInSeconds']).toBe(c.heartbeatSeconds)
    })
  }

  it('Task: a TimeoutSecondsPath to a non-integer fails with States.Runtime before scheduling', () => {
    const h = new Harness(
      single({ Type: 'Task', Resource: LAMBDA_ARN, TimeoutSecondsPath: '$.t', End: true }),
    )
    const step = h.start({ t: 'soon' })
    expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.Runtime' })
    expect(step.commands.map((c) => c.kind)).toEqual(['Finish'])
    expect(types(step.history)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'])
  })

  const stale: readonly InterpreterEvent[] = [
    { kind: 'TaskStarted', taskId: 'uuid-old' },
    { kind: 'TaskSucceeded', taskId: 'uuid-old', output: 1 },
    { kind: 'TaskFailed', taskId: 'uuid-old', error: 'E', cause: 'c' },
    { kind: 'TaskTimedOut', taskId: 'uuid-old', heartbeat: false },
    { kind: 'TimerFired', timerId: 'uuid-1' },
    { kind: 'ChildrenSucceeded', childrenId: 'uuid-1', outputs: [] },
    { kind: 'ChildrenFailed', childrenId: 'uuid-1', error: 'E' },
  ]
  for (const event of stale) {
    it(`Task: a stale ${event.kind} (not what the frame waits for) changes nothing`, () => {
      const { h, first } = taskHarness(KINDS[0] as ResourceKind)
      const step = h.send(event)
      expect(step.history).toEqual([])
      expect(step.commands).toEqual([])
      expect(step.frame).toEqual(first.frame)
    })
  }

  const twice: readonly { readonly why: string; readonly events: readonly InterpreterEvent[] }[] = [
    { why: 'TaskStarted', events: [{ kind: 'TaskStarted', taskId: 'uuid-1', workerName: 'w' }] },
    {
      why: 'TaskSucceeded',
      events: [{ kind: 'TaskSucceeded', taskId: 'uuid-1', output: { r: 1 } }],
    },
    {
      why: 'TaskFailed',
      events: [{ kind: 'TaskFailed', taskId: 'uuid-1', error: 'E', cause: 'c' }],
    },
    { why: 'TaskTimedOut', events: [{ kind: 'TaskTimedOut', taskId: 'uuid-1', heartbeat: true }] },
    {
      why: 'TaskFailed after TaskSucceeded',
      events: [
        { kind: 'TaskSucceeded', taskId: 'uuid-1', output: 1 },
        { kind: 'TaskFailed', taskId: 'uuid-1', error: 'Late' },
      ],
    },
  ]
  for (const c of twice) {
    it(`Task: ${c.why} delivered a second time changes nothing`, () => {
      const { h } = taskHarness(KINDS[1] as ResourceKind)
      const [firstEvent] = c.events
      const once = h.send(firstEvent as InterpreterEvent)
      const again = h.send((c.events[1] ?? firstEvent) as InterpreterEvent)
      expect(again.history).toEqual([])
      expect(again.commands).toEqual([])
      expect(again.frame).toEqual(once.frame)
    })
  }

  it('Task: a result of exactly 256 KiB is accepted', () => {
    const { h } = taskHarness(KINDS[0] as ResourceKind)
    const output = 'x'.repeat(262_144 - 2) // JSON text with its quotes: 262,144 bytes
    const step = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-1', output })
    expect(step.frame.status).toBe('SUCCEEDED')
  })

  for (const kind of [KINDS[0], KINDS[2]] as ResourceKind[]) {
    it(`Task (${kind.name}): a result over 256 KiB fails with States.DataLimitExceeded`, () => {
      const { h } = taskHarness(kind)
      const step = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-1', output: 'x'.repeat(262_143) })
      // AWS names the resource: the function ARN, or the service for an integration (recorded cases).
      const label = kind.prefix === 'Task' ? 'lambda' : LAMBDA_ARN
      const cause = `The state/task '${label}' returned a result with a size exceeding the maximum number of bytes service limit.`
      expect(types(step.history)).toEqual([
        `${kind.prefix}Started`,
        `${kind.prefix}Failed`,
        'ExecutionFailed',
      ])
      expect(details(step.history[1])).toEqual({
        ...kind.common,
        error: 'States.DataLimitExceeded',
        cause,
      })
      expect(step.commands).toEqual([
        { kind: 'Finish', status: 'FAILED', error: 'States.DataLimitExceeded', cause },
      ])
    })
  }

  it('Task: the payload limit counts UTF-8 bytes, not characters', () => {
    const { h } = taskHarness(KINDS[0] as ResourceKind)
    // 131,072 two-byte characters: under the limit in characters, over it in bytes.
    const step = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-1', output: 'é'.repeat(131_072) })
    expect(step.frame.error).toBe('States.DataLimitExceeded')
  })

  // AWS's quota: a state's input (after Parameters) and output are at most 256 KiB, else
  // States.DataLimitExceeded ("Handling errors in Step Functions workflows", States.DataLimitExceeded).
  // The interpreter checks only task results so far: see the report of the tests that added these.
  it('Pass: an output over 256 KiB fails with States.DataLimitExceeded', () => {
    const h = new Harness(
      single({ Type: 'Pass', Parameters: { 'a.$': '$.s', 'b.$': '$.s' }, End: true }),
    )
    const step = h.start({ s: 'x'.repeat(150_000) })
    expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' })
  })

  it('Task: Parameters over 256 KiB fail with States.DataLimitExceeded before scheduling', () => {
    const h = new Harness(
      single({
        Type: 'Task',
        Resource: LAMBDA_ARN,
        Parameters: { 'a.$': '$.s', 'b.$': '$.s' },
        End: true,
      }),
    )
    const step = h.start({ s: 'x'.repeat(150_000) })
    expect(step.commands.map((c) => c.kind)).toEqual(['Finish'])
    expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' })
  })

  it('Task: events after the execution ended change nothing', () => {
    const { h } = taskHarness(KINDS[0] as ResourceKind)
    const done = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-1', output: 1 })
    const late = h.send({ kind: 'Stop', error: 'late' })
    expect(late).toEqual({ frame: done.frame, history: [], commands: [] })
  })
})

// ---- Choice ----------------------------------------------------------------------------------

describe('Choice', () => {
  const choiceMachine = (withDefault: boolean) =>
    machineOf({
      C: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' },
          { Variable: '$.n', NumericLessThan: 0, Next: 'Negative' },
          { Variable: '$.n', NumericGreaterThan: 5, Next: 'Medium' },
        ],
        ...(withDefault ? { Default: 'Other' } : {}),
      },
      Big: { Type: 'Pass', Result: 'big', End: true },
      Negative: { Type: 'Pass', Result: 'negative', End: true },
      Medium: { Type: 'Pass', Result: 'medium', End: true },
      Other: { Type: 'Pass', Result: 'other', End: true },
    })

  const cases: readonly { readonly n: number; readonly output: string; readonly why: string }[] = [
    { n: 11, output: 'big', why: 'the first rule that holds' },
    { n: -1, output: 'negative', why: 'a later rule' },
    { n: 20, output: 'big', why: 'two rules hold: the first one in order wins' },
    { n: 3, output: 'other', why: 'no rule holds: Default' },
  ]
  for (const c of cases) {
    it(`Choice: n=${c.n} goes to ${c.output} (${c.why})`, () => {
      const h = new Harness(choiceMachine(true))
      const step = h.start({ n: c.n })
      expect(step.frame.output).toBe(c.output)
      expect(chain(step.history)).toEqual([
        [1, 0, 'ExecutionStarted'],
        [2, 1, 'ChoiceStateEntered'],
        [3, 2, 'ChoiceStateExited'],
        [4, 3, 'PassStateEntered'],
        [5, 4, 'PassStateExited'],
        [6, 5, 'ExecutionSucceeded'],
      ])
      expect(details(step.history[3])).toMatchObject({ input: text({ n: c.n }) })
    })
  }

  it('Choice: no rule holds and no Default: States.NoChoiceMatched', () => {
    const h = new Harness(choiceMachine(false))
    const step = h.start({ n: 3 })
    expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' })
    expect(finishOf(step).error).toBe('States.NoChoiceMatched')
    expect(chain(step.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'ChoiceStateEntered'],
      [3, 2, 'ExecutionFailed'],
    ])
  })

  it('Choice: InputPath and OutputPath shape what goes to the next state', () => {
    const h = new Harness(
      machineOf({
        C: {
          Type: 'Choice',
          InputPath: '$.order',
          OutputPath: '$.total',
          Choices: [{ Variable: '$.total', NumericGreaterThanEquals: 100, Next: 'Done' }],
        },
        Done: { Type: 'Succeed' },
      }),
    )
    const step = h.start({ order: { total: 100, id: 'o-1' }, ignored: 1 })
    expect(step.frame.output).toBe(100)
    expect(details(step.history[2])).toEqual({
      name: 'C',
      output: '100',
      outputDetails: NOT_TRUNCATED,
    })
  })
})

// ---- Wait ------------------------------------------------------------------------------------

describe('Wait', () => {
  const cases: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly input: JsonValue
    readonly at: number
  }[] = [
    { why: 'Seconds', fields: { Seconds: 10 }, input: {}, at: T0 + 10_000 },
    { why: 'SecondsPath', fields: { SecondsPath: '$.s' }, input: { s: 5 }, at: T0 + 5_000 },
    {
      why: 'Timestamp (UTC)',
      fields: { Timestamp: '2024-01-01T00:01:00Z' },
      input: {},
      at: Date.UTC(2024, 0, 1, 0, 1),
    },
    {
      why: 'Timestamp with an offset',
      fields: { Timestamp: '2024-01-01T01:02:00+01:00' },
      input: {},
      at: Date.UTC(2024, 0, 1, 0, 2),
    },
    {
      why: 'Timestamp with a fraction of a second',
      fields: { Timestamp: '2024-01-01T00:00:30.250Z' },
      input: {},
      at: T0 + 30_250,
    },
    {
      why: 'TimestampPath',
      fields: { TimestampPath: '$.when' },
      input: { when: '2024-01-02T00:00:00Z' },
      at: Date.UTC(2024, 0, 2),
    },
  ]

  for (const c of cases) {
    it(`Wait (${c.why}) arms a timer for the right time and TimerFired resumes`, () => {
      const h = new Harness(single({ Type: 'Wait', End: true, ...c.fields }))
      const first = h.start(c.input)
      expect(first.commands).toEqual([
        { kind: 'ArmTimer', timerId: 'uuid-1', at: c.at, reason: 'Wait' },
      ])
      expect(first.frame.waiting).toEqual({ kind: 'timer', timerId: 'uuid-1', reason: 'Wait' })
      expect(chain(first.history)).toEqual([
        [1, 0, 'ExecutionStarted'],
        [2, 1, 'WaitStateEntered'],
      ])
      h.now = c.at
      const fired = h.send({ kind: 'TimerFired', timerId: 'uuid-1' })
      expect(fired.frame.output).toEqual(c.input)
      expect(fired.commands).toEqual([{ kind: 'Finish', status: 'SUCCEEDED', output: c.input }])
      expect(chain(fired.history)).toEqual([
        [3, 2, 'WaitStateExited'],
        [4, 3, 'ExecutionSucceeded'],
      ])
      expect(fired.history.map((e) => e.timestamp)).toEqual([c.at, c.at])
    })
  }

  const immediate: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly input: JsonValue
  }[] = [
    { why: 'Seconds 0', fields: { Seconds: 0 }, input: {} },
    { why: 'SecondsPath to 0', fields: { SecondsPath: '$.s' }, input: { s: 0 } },
    { why: 'a Timestamp in the past', fields: { Timestamp: '2023-06-01T00:00:00Z' }, input: {} },
  ]
  for (const c of immediate) {
    it(`Wait (${c.why}) goes on at once without a timer`, () => {
      const h = new Harness(single({ Type: 'Wait', End: true, ...c.fields }))
      const step = h.start(c.input)
      expect(step.commands).toEqual([{ kind: 'Finish', status: 'SUCCEEDED', output: c.input }])
      expect(types(step.history)).toEqual([
        'ExecutionStarted',
        'WaitStateEntered',
        'WaitStateExited',
        'ExecutionSucceeded',
      ])
    })
  }

  it('Wait: a SecondsPath to a non-integer fails with States.Runtime (recorded cause)', () => {
    const h = new Harness(single({ Type: 'Wait', SecondsPath: '$.input.waitSeconds', End: true }))
    const step = h.start({ input: { waitSeconds: -1.5 } })
    expect(finishOf(step)).toEqual({
      kind: 'Finish',
      status: 'FAILED',
      error: 'States.Runtime',
      cause: runtimeCause(
        'S',
        2,
        'The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5',
      ),
    })
    expect(types(step.history)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionFailed'])
  })

  const bad: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly input: JsonValue
  }[] = [
    { why: 'SecondsPath to text', fields: { SecondsPath: '$.s' }, input: { s: 'ten' } },
    { why: 'SecondsPath to an object', fields: { SecondsPath: '$.s' }, input: { s: {} } },
    { why: 'SecondsPath that selects nothing', fields: { SecondsPath: '$.missing' }, input: {} },
    {
      why: 'TimestampPath to text that is no timestamp',
      fields: { TimestampPath: '$.t' },
      input: { t: 'tomorrow' },
    },
    {
      why: 'TimestampPath that selects nothing',
      fields: { TimestampPath: '$.missing' },
      input: {},
    },
  ]
  for (const c of bad) {
    it(`Wait: a ${c.why} fails with States.Runtime`, () => {
      const h = new Harness(single({ Type: 'Wait', End: true, ...c.fields }))
      const step = h.start(c.input)
      expect(step.frame).toMatchObject({ status: 'FAILED', error: 'States.Runtime' })
      expect(step.commands.map((x) => x.kind)).toEqual(['Finish'])
    })
  }

  it('Wait: TimerFired delivered a second time changes nothing', () => {
    const h = new Harness(
      machineOf({
        W: { Type: 'Wait', Seconds: 1, Next: 'T' },
        T: { Type: 'Task', Resource: LAMBDA_ARN, End: true },
      }),
    )
    h.start({})
    h.advance(1000)
    const once = h.send({ kind: 'TimerFired', timerId: 'uuid-1' })
    expect(scheduleOf(once).stateName).toBe('T')
    const again = h.send({ kind: 'TimerFired', timerId: 'uuid-1' })
    expect(again).toEqual({ frame: once.frame, history: [], commands: [] })
  })

  it('Wait: InputPath and OutputPath apply to the waited input', () => {
    const h = new Harness(
      single({ Type: 'Wait', Seconds: 1, InputPath: '$.a', OutputPath: '$.b', End: true }),
    )
    h.start({ a: { b: 'kept', c: 'dropped' } })
    h.advance(1000)
    const step = h.send({ kind: 'TimerFired', timerId: 'uuid-1' })
    expect(step.frame.output).toBe('kept')
  })
})

// ---- Succeed and Fail ------------------------------------------------------------------------

describe('Succeed', () => {
  it('Succeed: ends the execution with its (InputPath, OutputPath) input', () => {
    const h = new Harness(single({ Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b' }))
    const step = h.start({ a: { b: [1] } })
    expect(step.commands).toEqual([{ kind: 'Finish', status: 'SUCCEEDED', output: [1] }])
    expect(chain(step.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'SucceedStateEntered'],
      [3, 2, 'SucceedStateExited'],
      [4, 3, 'ExecutionSucceeded'],
    ])
  })

  it('Succeed: ends the execution even when more states follow in the list', () => {
    const h = new Harness(
      machineOf({
        A: { Type: 'Pass', Next: 'Stop' },
        Stop: { Type: 'Succeed' },
        Never: { Type: 'Fail', Error: 'Unreachable' },
      }),
    )
    expect(h.start({ k: 1 }).frame).toMatchObject({ status: 'SUCCEEDED', output: { k: 1 } })
  })
})

describe('Fail', () => {
  const cases: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly input: JsonValue
    readonly failure: { error?: string; cause?: string }
  }[] = [
    {
      why: 'Error and Cause',
      fields: { Error: 'E', Cause: 'because' },
      input: {},
      failure: { error: 'E', cause: 'because' },
    },
    {
      why: 'Error alone: no cause key',
      fields: { Error: 'E' },
      input: {},
      failure: { error: 'E' },
    },
    {
      why: 'Cause alone: no error key',
      fields: { Cause: 'because' },
      input: {},
      failure: { cause: 'because' },
    },
    { why: 'neither: both left out (recorded)', fields: {}, input: {}, failure: {} },
    {
      why: 'ErrorPath and CausePath',
      fields: { ErrorPath: '$.e', CausePath: '$.c' },
      input: { e: 'FromInput', c: 'cause from input' },
      failure: { error: 'FromInput', cause: 'cause from input' },
    },
    {
      why: 'ErrorPath and CausePath as intrinsic calls',
      fields: {
        ErrorPath: "States.Format('Code{}', $.n)",
        CausePath: 'States.JsonToString($.detail)',
      },
      input: { n: 42, detail: { a: [1, 2] } },
      failure: { error: 'Code42', cause: '{"a":[1,2]}' },
    },
    {
      why: 'ErrorPath into the context object',
      fields: { ErrorPath: '$$.State.Name', Cause: 'c' },
      input: {},
      failure: { error: 'S', cause: 'c' },
    },
  ]
  for (const c of cases) {
    it(`Fail: ${c.why}`, () => {
      const h = new Harness(single({ Type: 'Fail', ...c.fields }))
      const step = h.start(c.input)
      expect(step.commands).toEqual([{ kind: 'Finish', status: 'FAILED', ...c.failure }])
      expect(withoutTimestamps(step.history).slice(1)).toEqual([
        ev(2, 1, 'FailStateEntered', {
          name: 'S',
          input: text(c.input),
          inputDetails: NOT_TRUNCATED,
        }),
        ev(3, 2, 'ExecutionFailed', c.failure),
      ])
      expect(step.frame.status).toBe('FAILED')
      expect('error' in step.frame).toBe('error' in c.failure)
      expect('cause' in step.frame).toBe('cause' in c.failure)
    })
  }

  it('Fail: a CausePath that selects nothing fails with States.Runtime (recorded cause)', () => {
    const h = new Harness(
      machineOf({
        pass: { Type: 'Pass', Next: 'fail', Parameters: { Error: 'error-value' } },
        fail: { Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.NoSuchCausePath' },
      }),
    )
    const step = h.start({ 'int-literal': 0 })
    expect(finishOf(step)).toEqual({
      kind: 'Finish',
      status: 'FAILED',
      error: 'States.Runtime',
      cause: runtimeCause(
        'fail',
        4,
        `The JSONPath '$.NoSuchCausePath' specified for the field 'CausePath' could not be found in the input '{"Error":"error-value"}'`,
      ),
    })
  })
})

// ---- Parallel and Map (interpreter level: StartChildren and the child frames) -----------------

describe('Parallel and Map at the interpreter level', () => {
  const mapMachine = compileMachine({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 2,
        ItemSelector: {
          'index.$': '$$.Map.Item.Index',
          'value.$': '$$.Map.Item.Value',
          'tag.$': '$.tag',
        },
        ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
        ResultPath: '$.out',
        End: true,
      },
    },
  })

  it('Map: StartChildren carries one child per item, shaped by ItemSelector with $$.Map.Item', () => {
    const h = new Harness(mapMachine)
    const step = h.start({ items: ['a', 'b'], tag: 't' })
    expect(step.commands).toEqual([
      {
        kind: 'StartChildren',
        childrenId: 'uuid-1',
        stateName: 'M',
        stateType: 'Map',
        children: [
          {
            scope: '/States/M/ItemProcessor',
            input: { index: 0, value: 'a', tag: 't' },
            origin: { kind: 'map', mapState: 'M', index: 0 },
          },
          {
            scope: '/States/M/ItemProcessor',
            input: { index: 1, value: 'b', tag: 't' },
            origin: { kind: 'map', mapState: 'M', index: 1 },
          },
        ],
        maxConcurrency: 2,
        previousEventId: 3,
      },
    ])
    expect(withoutTimestamps(step.history).slice(1)).toEqual([
      ev(2, 1, 'MapStateEntered', {
        name: 'M',
        input: text({ items: ['a', 'b'], tag: 't' }),
        inputDetails: NOT_TRUNCATED,
      }),
      ev(3, 2, 'MapStateStarted', { length: 2 }),
    ])
    expect(step.frame.waiting).toEqual({ kind: 'children', childrenId: 'uuid-1' })
  })

  it('Map: a child frame starts with MapIterationStarted after the parent MapStateStarted', () => {
    const child = interpret(
      mapMachine,
      null,
      {
        kind: 'Start',
        scope: '/States/M/ItemProcessor',
        input: { index: 1, value: 'b' },
        origin: { kind: 'map', mapState: 'M', index: 1 },
        previousEventId: 3,
      },
      { ...new Harness(mapMachine).env(), nextEventId: 9 },
    )
    expect(withoutTimestamps(child.history)).toEqual([
      ev(9, 3, 'MapIterationStarted', { name: 'M', index: 1 }),
      ev(10, 9, 'PassStateEntered', {
        name: 'Item',
        input: text({ index: 1, value: 'b' }),
        inputDetails: NOT_TRUNCATED,
      }),
      ev(11, 10, 'PassStateExited', {
        name: 'Item',
        output: text({ index: 1, value: 'b' }),
        outputDetails: NOT_TRUNCATED,
      }),
      ev(12, 11, 'MapIterationSucceeded', { name: 'M', index: 1 }),
    ])
    expect(child.commands).toEqual([
      { kind: 'Finish', status: 'SUCCEEDED', output: { index: 1, value: 'b' } },
    ])
  })

  it('Map: ChildrenSucceeded gives the outputs in item order to ResultPath', () => {
    const h = new Harness(mapMachine)
    h.start({ items: ['a', 'b'], tag: 't' })
    const step = h.send({ kind: 'ChildrenSucceeded', childrenId: 'uuid-1', outputs: ['A', 'B'] })
    expect(step.frame.output).toEqual({ items: ['a', 'b'], tag: 't', out: ['A', 'B'] })
    expect(chain(step.history)).toEqual([
      [4, 3, 'MapStateSucceeded'],
      [5, 4, 'MapStateExited'],
      [6, 5, 'ExecutionSucceeded'],
    ])
  })

  it('Map: ChildrenFailed fails the state with the child failure (MapStateFailed, recorded)', () => {
    const h = new Harness(mapMachine)
    h.start({ items: ['a'], tag: 't' })
    const step = h.send({
      kind: 'ChildrenFailed',
      childrenId: 'uuid-1',
      error: 'ItemBroke',
      cause: 'c',
    })
    expect(types(step.history)).toEqual(['MapStateFailed', 'ExecutionFailed'])
    expect(step.commands).toEqual([
      { kind: 'Finish', status: 'FAILED', error: 'ItemBroke', cause: 'c' },
    ])
  })

  it('Map: ChildrenSucceeded delivered a second time changes nothing', () => {
    const h = new Harness(mapMachine)
    h.start({ items: ['a'], tag: 't' })
    const once = h.send({ kind: 'ChildrenSucceeded', childrenId: 'uuid-1', outputs: ['A'] })
    const again = h.send({ kind: 'ChildrenSucceeded', childrenId: 'uuid-1', outputs: ['B'] })
    expect(again).toEqual({ frame: once.frame, history: [], commands: [] })
    expect(again.frame.output).toEqual({ items: ['a'], tag: 't', out: ['A'] })
  })

  it('Map: an empty array succeeds at once with [] and starts no children', () => {
    const h = new Harness(mapMachine)
    const step = h.start({ items: [], tag: 't' })
    expect(step.commands).toEqual([
      { kind: 'Finish', status: 'SUCCEEDED', output: { items: [], tag: 't', out: [] } },
    ])
    expect(chain(step.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'MapStateEntered'],
      [3, 2, 'MapStateStarted'],
      [4, 3, 'MapStateSucceeded'],
      [5, 4, 'MapStateExited'],
      [6, 5, 'ExecutionSucceeded'],
    ])
    expect(details(step.history[2])).toEqual({ length: 0 })
  })

  const notArrays: readonly { readonly value: JsonValue; readonly shown: string }[] = [
    { value: true, shown: 'true' },
    { value: null, shown: 'null' },
    { value: 'string', shown: '"string"' },
    { value: 1, shown: '1' },
  ]
  for (const c of notArrays) {
    it(`Map: items ${c.shown} (not an array) fail with States.Runtime (recorded cause)`, () => {
      const h = new Harness(mapMachine)
      const step = h.start({ items: c.value, tag: 't' })
      expect(finishOf(step)).toEqual({
        kind: 'Finish',
        status: 'FAILED',
        error: 'States.Runtime',
        cause: runtimeCause('M', 2, `Map state input must be an array but was: ${c.shown}`),
      })
      expect(types(step.history)).toEqual([
        'ExecutionStarted',
        'MapStateEntered',
        'ExecutionFailed',
      ])
    })
  }

  it('Map: a MaxConcurrencyPath to a non-number fails with States.Runtime (recorded cause)', () => {
    const h = new Harness(
      single({
        Type: 'Map',
        ItemsPath: '$.Values',
        MaxConcurrencyPath: '$.MaxConcurrencyValue',
        ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
        End: true,
      }),
    )
    const step = h.start({ MaxConcurrencyValue: 'NoNumber', Values: ['HelloWorld'] })
    expect(finishOf(step).cause).toBe(
      runtimeCause(
        'S',
        2,
        'The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.MaxConcurrencyValue',
      ),
    )
  })

  it('Parallel: StartChildren gives every branch the same effective input', () => {
    const h = new Harness(
      single({
        Type: 'Parallel',
        InputPath: '$.in',
        Parameters: { 'v.$': '$.v' },
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
          { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } },
        ],
        End: true,
      }),
    )
    const step = h.start({ in: { v: 1, w: 2 } })
    expect(step.commands).toEqual([
      {
        kind: 'StartChildren',
        childrenId: 'uuid-1',
        stateName: 'S',
        stateType: 'Parallel',
        children: [
          {
            scope: '/States/S/Branches/0',
            input: { v: 1 },
            origin: { kind: 'branch', parallelState: 'S', index: 0 },
          },
          {
            scope: '/States/S/Branches/1',
            input: { v: 1 },
            origin: { kind: 'branch', parallelState: 'S', index: 1 },
          },
        ],
        maxConcurrency: 0,
        previousEventId: 3,
      },
    ])
    expect(chain(step.history)).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'ParallelStateEntered'],
      [3, 2, 'ParallelStateStarted'],
    ])
    const done = h.send({
      kind: 'ChildrenSucceeded',
      childrenId: 'uuid-1',
      outputs: [{ v: 1 }, { v: 1 }],
    })
    // AWS writes no ParallelStateSucceeded (recorded cases).
    expect(types(done.history)).toEqual(['ParallelStateExited', 'ExecutionSucceeded'])
    expect(done.frame.output).toEqual([{ v: 1 }, { v: 1 }])
  })

  it('Parallel: a branch frame has no start event of its own; its first state follows ParallelStateStarted', () => {
    const machine = compileMachine({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }],
          End: true,
        },
      },
    })
    const child = interpret(
      machine,
      null,
      {
        kind: 'Start',
        scope: '/States/P/Branches/0',
        input: 1,
        origin: { kind: 'branch', parallelState: 'P', index: 0 },
        previousEventId: 3,
      },
      { ...new Harness(machine).env(), nextEventId: 4 },
    )
    expect(chain(child.history)).toEqual([
      [4, 3, 'PassStateEntered'],
      [5, 4, 'PassStateExited'],
    ])
    expect(child.commands).toEqual([{ kind: 'Finish', status: 'SUCCEEDED', output: 1 }])
  })
})

// ---- Parallel and Map through the in-memory driver ---------------------------------------------

describe('Parallel and Map through runInMemory', () => {
  it('Parallel: outputs come in branch order whatever order the branches finish in', async () => {
    const machine = compileMachine({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          ResultPath: '$.results',
          Branches: [
            {
              StartAt: 'Slow',
              States: {
                Slow: { Type: 'Wait', Seconds: 5, Next: 'A' },
                A: { Type: 'Pass', Result: 'a', End: true },
              },
            },
            { StartAt: 'T', States: { T: { Type: 'Task', Resource: LAMBDA_ARN, End: true } } },
            { StartAt: 'C', States: { C: { Type: 'Pass', Result: 'c', End: true } } },
          ],
          End: true,
        },
      },
    })
    const result = await runInMemory(
      machine,
      { x: 1 },
      { handler: answer((input) => ({ task: input })), uuid: counter('u') },
    )
    expect(result.status).toBe('SUCCEEDED')
    expect(result.output).toEqual({ x: 1, results: ['a', { task: { x: 1 } }, 'c'] })
    expect(result.history.map((e) => e.id)).toEqual(result.history.map((_, i) => i + 1))
  })

  it('Parallel: a failed branch fails the state (ParallelStateFailed, no ParallelStateExited)', async () => {
    const machine = compileMachine({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Ok', States: { Ok: { Type: 'Pass', End: true } } },
            {
              StartAt: 'Bad',
              States: { Bad: { Type: 'Fail', Error: 'BranchBroke', Cause: 'why' } },
            },
          ],
          End: true,
        },
      },
    })
    const result = await runInMemory(machine, {}, { uuid: counter('u') })
    expect(result).toMatchObject({ status: 'FAILED', error: 'BranchBroke', cause: 'why' })
    expect(types(result.history)).toContain('ParallelStateFailed')
    expect(types(result.history)).not.toContain('ParallelStateExited')
    expect(types(result.history).at(-1)).toBe('ExecutionFailed')
  })

  it('Map: outputs come in item order', async () => {
    const machine = compileMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Double',
            States: { Double: { Type: 'Task', Resource: LAMBDA_ARN, End: true } },
          },
          End: true,
        },
      },
    })
    const result = await runInMemory(machine, [1, 2, 3, 4], {
      handler: answer((n) => (n as number) * 2),
      uuid: counter('u'),
    })
    expect(result.output).toEqual([2, 4, 6, 8])
  })

  it('Map: history of an inline Map with MaxConcurrency 1 (as recorded on AWS)', async () => {
    const machine = compileMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          MaxConcurrency: 1,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'I',
            States: { I: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    })
    const result = await runInMemory(machine, ['a', 'b'], { uuid: counter('u') })
    expect(types(result.history)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapIterationSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ])
    expect(result.history.map((e) => e.id)).toEqual(result.history.map((_, i) => i + 1))
    const h = result.history
    expect([h[3]?.previousEventId, h[4]?.previousEventId, h[8]?.previousEventId]).toEqual([3, 4, 8])
    expect(details(h[3])).toEqual({ name: 'M', index: 0 })
    expect(details(h[7])).toEqual({ name: 'M', index: 1 })
    expect(details(h[10])).toEqual({ name: 'M', index: 1 })
  })

  const concurrency: readonly {
    readonly fields: JsonObject
    readonly input: JsonObject
    readonly expected: number
  }[] = [
    { fields: { MaxConcurrency: 2 }, input: { items: [0, 1, 2, 3, 4, 5] }, expected: 2 },
    { fields: { MaxConcurrency: 1 }, input: { items: [0, 1, 2, 3] }, expected: 1 },
    {
      fields: { MaxConcurrencyPath: '$.limit' },
      input: { items: [0, 1, 2, 3, 4], limit: 3 },
      expected: 3,
    },
    { fields: { MaxConcurrency: 0 }, input: { items: [0, 1, 2, 3, 4] }, expected: 5 },
    { fields: {}, input: { items: [0, 1, 2] }, expected: 3 },
  ]
  for (const c of concurrency) {
    it(`Map: ${JSON.stringify(c.fields)} runs at most ${c.expected} children at once`, async () => {
      const machine = compileMachine({
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemsPath: '$.items',
            ...c.fields,
            ItemProcessor: {
              StartAt: 'Begin',
              States: {
                Begin: {
                  Type: 'Task',
                  Resource: LAMBDA_ARN,
                  Parameters: { phase: 'begin', 'item.$': '$' },
                  ResultPath: null,
                  Next: 'End',
                },
                End: {
                  Type: 'Task',
                  Resource: LAMBDA_ARN,
                  Parameters: { phase: 'end', 'item.$': '$' },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      })
      const running = new Set<number>()
      let most = 0
      const handler: TaskHandler = (task) => {
        const { phase, item } = task.input as { phase: string; item: number }
        if (phase === 'begin') {
          running.add(item)
          most = Math.max(most, running.size)
        } else running.delete(item)
        return { kind: 'succeeded', output: { done: item } }
      }
      const result = await runInMemory(machine, c.input, { handler, uuid: counter('u') })
      expect(result.output).toEqual((c.input['items'] as number[]).map((item) => ({ done: item })))
      expect(most).toBe(c.expected)
      // The same bound seen in the history: iterations started and not yet finished.
      let open = 0
      let mostInHistory = 0
      for (const e of result.history) {
        if (e.type === 'MapIterationStarted') mostInHistory = Math.max(mostInHistory, ++open)
        if (e.type === 'MapIterationSucceeded' || e.type === 'MapIterationFailed') open--
      }
      expect(mostInHistory).toBe(c.expected)
    })
  }

  // Tolerated failures and ItemBatcher belong to Distributed Map on AWS ("Map state in Distributed
  // mode"); the definitions say so, and the interpreter runs them with the same child machinery.
  const oddFails = (fields: JsonObject) =>
    compileMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          ...fields,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Check',
            States: {
              Check: {
                Type: 'Choice',
                Choices: [
                  { Variable: '$', NumericEquals: 1, Next: 'Bad' },
                  { Variable: '$', NumericEquals: 3, Next: 'Bad' },
                ],
                Default: 'Good',
              },
              Bad: { Type: 'Fail', Error: 'Odd', Cause: 'odd item' },
              Good: { Type: 'Pass', End: true },
            },
          },
          End: true,
        },
      },
    })

  const tolerance: readonly {
    readonly why: string
    readonly fields: JsonObject
    readonly status: 'SUCCEEDED' | 'FAILED'
    readonly error?: string
  }[] = [
    {
      why: 'no threshold: the first failed item fails the Map with its error',
      fields: {},
      status: 'FAILED',
      error: 'Odd',
    },
    {
      why: 'ToleratedFailureCount 2 tolerates 2 failures',
      fields: { ToleratedFailureCount: 2 },
      status: 'SUCCEEDED',
    },
    {
      why: 'ToleratedFailureCount 1 is exceeded by 2 failures',
      fields: { ToleratedFailureCount: 1 },
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    },
    {
      why: 'ToleratedFailurePercentage 50 tolerates 2 of 4',
      fields: { ToleratedFailurePercentage: 50 },
      status: 'SUCCEEDED',
    },
    {
      why: 'ToleratedFailurePercentage 49 is exceeded by 2 of 4',
      fields: { ToleratedFailurePercentage: 49 },
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    },
    {
      why: 'ToleratedFailureCountPath reads the threshold from the input',
      fields: { ToleratedFailureCountPath: '$.tolerate' },
      status: 'SUCCEEDED',
    },
  ]
  for (const c of tolerance) {
    it(`Map tolerance: ${c.why}`, async () => {
      const result = await runInMemory(
        oddFails(c.fields),
        { items: [0, 1, 2, 3], tolerate: 2 },
        { uuid: counter('u') },
      )
      expect(result.status).toBe(c.status)
      expect(result.error).toBe(c.error)
      if (c.status === 'SUCCEEDED') {
        const out = result.output as JsonValue[]
        expect(out).toHaveLength(4)
        expect([out[0], out[2]]).toEqual([0, 2])
      }
    })
  }

  it('Map: ItemBatcher groups items by MaxItemsPerBatch and adds BatchInput', async () => {
    const machine = compileMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'k.$': '$.k' } },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'P',
            States: { P: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    })
    const result = await runInMemory(
      machine,
      { items: [1, 2, 3, 4, 5], k: 'v' },
      { uuid: counter('u') },
    )
    expect(result.output).toEqual([
      { Items: [1, 2], BatchInput: { k: 'v' } },
      { Items: [3, 4], BatchInput: { k: 'v' } },
      { Items: [5], BatchInput: { k: 'v' } },
    ])
  })

  it('Map: ItemsPath reaches into the input and ItemSelector sees the state input and $$.Map.Item', async () => {
    const machine = compileMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.data.list',
          ItemSelector: {
            'i.$': '$$.Map.Item.Index',
            'v.$': '$$.Map.Item.Value.name',
            'shared.$': '$.shared',
          },
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    })
    const result = await runInMemory(
      machine,
      { data: { list: [{ name: 'x' }, { name: 'y' }] }, shared: 42 },
      { uuid: counter('u') },
    )
    expect(result.output).toEqual([
      { i: 0, v: 'x', shared: 42 },
      { i: 1, v: 'y', shared: 42 },
    ])
  })

  it('Map: the legacy Iterator and Parameters act as ItemProcessor and ItemSelector', async () => {
    const machine = compileMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Parameters: { 'at.$': '$$.Map.Item.Index' },
          Iterator: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    })
    const result = await runInMemory(machine, ['a', 'b'], { uuid: counter('u') })
    expect(result.output).toEqual([{ at: 0 }, { at: 1 }])
  })

  it('Map: an empty array through runInMemory gives []', async () => {
    const machine = compileMachine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    })
    const result = await runInMemory(machine, [], { uuid: counter('u') })
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: [] })
  })

  it('Map nested in Parallel: each level keeps its order', async () => {
    const machine = compileMachine({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'M',
              States: {
                M: {
                  Type: 'Map',
                  ItemsPath: '$.items',
                  ItemProcessor: {
                    StartAt: 'Double',
                    States: { Double: { Type: 'Task', Resource: LAMBDA_ARN, End: true } },
                  },
                  End: true,
                },
              },
            },
            { StartAt: 'X', States: { X: { Type: 'Pass', Result: 'x', End: true } } },
            {
              StartAt: 'Inner',
              States: {
                Inner: {
                  Type: 'Map',
                  ItemsPath: '$.items',
                  ItemSelector: { 'pos.$': '$$.Map.Item.Index' },
                  ItemProcessor: { StartAt: 'Id', States: { Id: { Type: 'Pass', End: true } } },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    })
    const result = await runInMemory(
      machine,
      { items: [1, 2, 3] },
      {
        handler: answer((n) => (n as number) * 2),
        uuid: counter('u'),
      },
    )
    expect(result.output).toEqual([[2, 4, 6], 'x', [{ pos: 0 }, { pos: 1 }, { pos: 2 }]])
    expect(result.history.map((e) => e.id)).toEqual(result.history.map((_, i) => i + 1))
  })
})

// ---- The context object ----------------------------------------------------------------------

describe('context object ($$)', () => {
  it('$$.Execution.*, $$.StateMachine.* and $$.State.* in Parameters', () => {
    const h = new Harness(
      single({
        Type: 'Pass',
        Parameters: {
          'id.$': '$$.Execution.Id',
          'name.$': '$$.Execution.Name',
          'input.$': '$$.Execution.Input',
          'start.$': '$$.Execution.StartTime',
          'role.$': '$$.Execution.RoleArn',
          'redrives.$': '$$.Execution.RedriveCount',
          'machine.$': '$$.StateMachine',
          'state.$': '$$.State',
        },
        End: true,
      }),
    )
    const step = h.start({ ignored: true })
    expect(step.frame.output).toEqual({
      id: EXECUTION.id,
      name: EXECUTION.name,
      input: EXECUTION.input,
      start: EXECUTION.startTime,
      role: EXECUTION.roleArn,
      redrives: 0,
      machine: { Id: EXECUTION.stateMachineId, Name: EXECUTION.stateMachineName },
      // A Pass state has no RetryCount (recorded: test_query_context_object_values).
      state: { Name: 'S', EnteredTime: new Date(T0).toISOString() },
    })
  })

  it('$$.State.EnteredTime is the time the current state was entered', () => {
    const h = new Harness(
      machineOf({
        W: { Type: 'Wait', Seconds: 90, Next: 'P' },
        P: {
          Type: 'Pass',
          Parameters: { 'entered.$': '$$.State.EnteredTime', 'name.$': '$$.State.Name' },
          End: true,
        },
      }),
    )
    h.start({})
    h.advance(90_000)
    const step = h.send({ kind: 'TimerFired', timerId: 'uuid-1' })
    expect(step.frame.output).toEqual({ entered: '2024-01-01T00:01:30.000Z', name: 'P' })
  })

  it('$$.State.RetryCount is 0 on a Task first attempt', () => {
    const h = new Harness(
      single({
        Type: 'Task',
        Resource: LAMBDA_ARN,
        Parameters: { 'retries.$': '$$.State.RetryCount' },
        End: true,
      }),
    )
    expect(scheduleOf(h.start({})).input).toEqual({ retries: 0 })
  })

  for (const [name, arn] of [
    ['.waitForTaskToken', CALLBACK_ARN],
    ['an activity', ACTIVITY_ARN],
  ] as const) {
    it(`$$.Task.Token for ${name} is the token of the ScheduleTask command`, () => {
      const h = new Harness(
        single({
          Type: 'Task',
          Resource: arn,
          Parameters: { 'token.$': '$$.Task.Token' },
          End: true,
        }),
      )
      const command = scheduleOf(h.start({}))
      expect(command.taskToken).toBe('token-1')
      expect(command.input).toEqual({ token: 'token-1' })
    })
  }

  it('a request-response Task gets no task token', () => {
    const h = new Harness(
      single({ Type: 'Task', Resource: INVOKE_ARN, Parameters: { FunctionName: 'f' }, End: true }),
    )
    expect(scheduleOf(h.start({})).taskToken).toBeUndefined()
  })

  it('$$ in InputPath and OutputPath', () => {
    const h = new Harness(
      single({ Type: 'Pass', InputPath: '$$.Execution.Input', OutputPath: '$.from', End: true }),
    )
    expect(h.start({ not: 'used' }).frame.output).toBe('execution')
  })
})

// ---- Stop and the execution timeout ----------------------------------------------------------

describe('Stop and execution TimeoutSeconds', () => {
  it('Stop ends the execution with ExecutionAborted and its error and cause', () => {
    const { h } = taskHarness(KINDS[0] as ResourceKind)
    const step = h.send({ kind: 'Stop', error: 'Manual', cause: 'stopped by a test' })
    expect(step.frame).toMatchObject({
      status: 'ABORTED',
      error: 'Manual',
      cause: 'stopped by a test',
    })
    expect(step.frame.waiting).toBeUndefined()
    expect(step.commands).toEqual([
      { kind: 'Finish', status: 'ABORTED', error: 'Manual', cause: 'stopped by a test' },
    ])
    expect(lastEvent(step).type).toBe('ExecutionAborted')
    expect(details(lastEvent(step))).toEqual({ error: 'Manual', cause: 'stopped by a test' })
    const late = h.send({ kind: 'TaskSucceeded', taskId: 'uuid-1', output: 1 })
    expect(late.history).toEqual([])
    expect(late.frame.status).toBe('ABORTED')
  })

  it('Stop without error or cause leaves both out of ExecutionAborted', () => {
    const h = new Harness(single({ Type: 'Wait', Seconds: 100, End: true }))
    h.start({})
    const step = h.send({ kind: 'Stop' })
    expect(details(lastEvent(step))).toEqual({})
    expect(step.commands).toEqual([{ kind: 'Finish', status: 'ABORTED' }])
  })

  it('TimeoutSeconds arms the execution timer at start and its firing times the execution out', () => {
    const h = new Harness(
      machineOf({ W: { Type: 'Wait', Seconds: 100, End: true } }, { TimeoutSeconds: 10 }),
    )
    const first = h.start({})
    expect(first.commands).toEqual([
      { kind: 'ArmTimer', timerId: 'uuid-1', at: T0 + 10_000, reason: 'ExecutionTimeout' },
      { kind: 'ArmTimer', timerId: 'uuid-2', at: T0 + 100_000, reason: 'Wait' },
    ])
    expect(first.frame.executionTimerId).toBe('uuid-1')
    h.advance(10_000)
    const step = h.send({ kind: 'TimerFired', timerId: 'uuid-1' })
    expect(step.frame.status).toBe('TIMED_OUT')
    expect(lastEvent(step)).toMatchObject({ id: 3, previousEventId: 2, type: 'ExecutionTimedOut' })
    expect(finishOf(step)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' })
    expect(h.send({ kind: 'TimerFired', timerId: 'uuid-2' }).history).toEqual([])
  })

  it('TimeoutSeconds through runInMemory: TIMED_OUT while a Wait is pending', async () => {
    const machine = compileMachine({
      StartAt: 'W',
      TimeoutSeconds: 10,
      States: { W: { Type: 'Wait', Seconds: 60, End: true } },
    })
    const result = await runInMemory(machine, {}, { uuid: counter('u') })
    expect(result.status).toBe('TIMED_OUT')
    expect(types(result.history)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'ExecutionTimedOut',
    ])
  })

  it('TimeoutSeconds that is never reached changes nothing', async () => {
    const machine = compileMachine({
      StartAt: 'W',
      TimeoutSeconds: 100,
      States: { W: { Type: 'Wait', Seconds: 5, End: true } },
    })
    const result = await runInMemory(machine, { k: 1 }, { uuid: counter('u') })
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { k: 1 } })
  })
})

// ---- Determinism -----------------------------------------------------------------------------

describe('determinism', () => {
  const definition: JsonObject = {
    StartAt: 'T',
    TimeoutSeconds: 3600,
    States: {
      T: {
        Type: 'Task',
        Resource: ACTIVITY_ARN,
        Parameters: { 'token.$': '$$.Task.Token', 'try.$': '$$.State.RetryCount' },
        Retry: [{ ErrorEquals: ['Flaky'], JitterStrategy: 'FULL', IntervalSeconds: 10 }],
        Next: 'W',
      },
      W: { Type: 'Wait', Seconds: 3, Next: 'M' },
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
        End: true,
      },
    },
  }

  function script(h: Harness): Step[] {
    const steps: Step[] = [h.start({ n: 1 })]
    steps.push(h.send({ kind: 'TaskStarted', taskId: 'uuid-2', workerName: 'w' }))
    steps.push(h.send({ kind: 'TaskFailed', taskId: 'uuid-2', error: 'Flaky', cause: 'once' }))
    h.advance(5_000)
    steps.push(h.send({ kind: 'TimerFired', timerId: 'uuid-3' }))
    steps.push(h.send({ kind: 'TaskSucceeded', taskId: 'uuid-4', output: { items: [1, 2] } }))
    h.advance(3_000)
    steps.push(h.send({ kind: 'TimerFired', timerId: 'uuid-5' }))
    steps.push(h.send({ kind: 'ChildrenSucceeded', childrenId: 'uuid-6', outputs: [1, 2] }))
    return steps
  }

  it('the same events and env give deep-equal Steps', () => {
    const a = script(new Harness(compileMachine(definition), { random: () => 0.25 }))
    const b = script(new Harness(compileMachine(definition), { random: () => 0.25 }))
    expect(a).toEqual(b)
    expect(a.at(-1)?.frame).toMatchObject({ status: 'SUCCEEDED', output: [1, 2] })
    // The retry delay used the injected random number: FULL jitter of 10 s × 0.25.
    expect(timerOf(a[2] as Step).at).toBe(T0 + 2_500)
  })

  function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === 'object') {
      for (const v of Object.values(value)) deepFreeze(v)
      Object.freeze(value)
    }
    return value
  }

  it('interpret neither mutates the frame nor the event it is given, and answers alike twice', () => {
    const machine = compileMachine(definition)
    const h = new Harness(machine, { random: () => 0.25 })
    h.start({ n: 1 })
    const frame = deepFreeze(structuredClone(h.frame) as Frame)
    const event = deepFreeze<InterpreterEvent>({
      kind: 'TaskFailed',
      taskId: 'uuid-2',
      error: 'Flaky',
      cause: 'c',
    })
    const env = () => ({ ...h.env(), uuid: counter('fixed') })
    const one = interpret(machine, frame, event, env())
    const two = interpret(machine, frame, event, env())
    expect(one).toEqual(two)
    expect(frame.retryCount).toBe(0)
    expect(one.frame.retryCount).toBe(1)
  })
})
