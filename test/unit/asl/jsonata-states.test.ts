import { describe, expect, it } from 'vitest'
import type { Command, JsonObject, JsonValue } from '../../../engine/asl/index.js'
import type { TaskHandler } from '../../../engine/runtime/run-in-memory.js'
import {
  details,
  echo,
  failing,
  jsonata,
  jsonpath,
  passOutput,
  prefix,
  run,
  types,
} from '../../helpers/jsonata.js'

/**
 * JSONata-mode fields, one block per field, each run through the interpreter in memory.
 * AWS: "Transforming data with JSONata in Step Functions", "Reserved variable: $states".
 */

type Scheduled = Extract<Command, { kind: 'ScheduleTask' }>

/** Records every task it is given and answers like `answer`. */
function recording(answer: TaskHandler = echo): { handler: TaskHandler; tasks: Scheduled[] } {
  const tasks: Scheduled[] = []
  return {
    tasks,
    handler: (task) => {
      tasks.push(task)
      return answer(task)
    },
  }
}

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f'
const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:a'

describe('QueryLanguage', () => {
  it('JSONPath by default: {% %} strings are plain text', async () => {
    const r = await run(jsonpath({ P: { Type: 'Pass', Result: { v: '{% 1 + 1 %}' }, End: true } }))
    expect(r.output).toEqual({ v: '{% 1 + 1 %}' })
  })

  it('a JSONata state inside a JSONPath machine', async () => {
    const r = await run(
      jsonpath({
        A: {
          Type: 'Pass',
          QueryLanguage: 'JSONata',
          Output: { n: '{% $states.input.n * 2 %}' },
          Next: 'B',
        },
        B: { Type: 'Pass', InputPath: '$.n', End: true },
      }),
      { n: 21 },
    )
    expect(r.output).toBe(42)
  })

  it("states in a JSONata Map's processor take the machine's language, not the Map's", async () => {
    const r = await run(
      jsonpath({
        M: {
          Type: 'Map',
          QueryLanguage: 'JSONata',
          Items: '{% $states.input.xs %}',
          ItemProcessor: {
            StartAt: 'In',
            States: { In: { Type: 'Pass', Parameters: { 'got.$': '$' }, End: true } },
          },
          End: true,
        },
      }),
      { xs: [1, 2] },
    )
    expect(r.output).toEqual([{ got: 1 }, { got: 2 }])
  })
})

describe('Arguments and Output', () => {
  it('Task: Arguments is the task input; Output reads $states.input and $states.result', async () => {
    const { handler, tasks } = recording()
    const r = await run(
      jsonata({
        T: {
          Type: 'Task',
          Resource: LAMBDA,
          Arguments: {
            sum: '{% $sum($states.input.xs) %}',
            name: '{% $states.context.State.Name %}',
          },
          Output: { in: '{% $states.input.xs %}', out: '{% $states.result.sum %}' },
          End: true,
        },
      }),
      { xs: [1, 2, 3] },
      handler,
    )
    expect(tasks[0]?.input).toEqual({ sum: 6, name: 'T' })
    expect(r.output).toEqual({ in: [1, 2, 3], out: 6 })
    expect(details(r.history, 'LambdaFunctionScheduled')?.['input']).toEqual({ sum: 6, name: 'T' })
  })

  it('Task without Arguments gets the state input; without Output its output is the result', async () => {
    const r = await run(
      jsonata({ T: { Type: 'Task', Resource: LAMBDA, End: true } }),
      { a: 1 },
      () => ({
        kind: 'succeeded',
        output: { b: 2 },
      }),
    )
    expect(r.output).toEqual({ b: 2 })
  })

  it('Arguments may be a whole expression', async () => {
    const { handler, tasks } = recording()
    await run(
      jsonata({
        T: { Type: 'Task', Resource: LAMBDA, Arguments: '{% $states.input.payload %}', End: true },
      }),
      { payload: [1] },
      handler,
    )
    expect(tasks[0]?.input).toEqual([1])
  })

  it('an activity task reads its token from $states.context.Task.Token', async () => {
    const { handler, tasks } = recording()
    await run(
      jsonata({
        T: {
          Type: 'Task',
          Resource: ACTIVITY,
          Arguments: { token: '{% $states.context.Task.Token %}' },
          End: true,
        },
      }),
      {},
      handler,
    )
    expect(tasks[0]?.input).toEqual({ token: tasks[0]?.taskToken })
  })

  it('Pass and Succeed: Output replaces the input; without it the input passes through', async () => {
    expect(
      (await run(passOutput({ a: '{% $states.input.x %}', lit: 'x' }), { x: 1 })).output,
    ).toEqual({
      a: 1,
      lit: 'x',
    })
    expect((await run(jsonata({ P: { Type: 'Pass', End: true } }), { x: 1 })).output).toEqual({
      x: 1,
    })
    const s = await run(jsonata({ S: { Type: 'Succeed', Output: '{% $states.input.x + 1 %}' } }), {
      x: 1,
    })
    expect(s.output).toBe(2)
  })

  it.each<[JsonValue, JsonValue]>([
    [0, 0],
    [null, null],
    ['string literal', 'string literal'],
    [[], []],
    [
      [
        null,
        'string',
        '$nosuchvar',
        '$.no.such.path',
        '{% $states.input %}',
        { key: '{% true %}' },
      ],
      [null, 'string', '$nosuchvar', '$.no.such.path', { input_value: 'v' }, { key: true }],
    ],
  ])('Output may be any JSON value: %j', async (output, expected) => {
    expect((await run(passOutput(output), { input_value: 'v' })).output).toEqual(expected)
  })

  it('an expression that returns nothing fails with QueryEvaluationError and an EvaluationFailed event', async () => {
    const r = await run(passOutput({ result: '{% $doesNotExist %}' }))
    const cause = `${prefix('P', 2)}The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).`
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError', cause })
    expect(types(r.history)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'EvaluationFailed',
      'ExecutionFailed',
    ])
    expect(details(r.history, 'EvaluationFailed')).toEqual({
      error: 'States.QueryEvaluationError',
      cause,
      location: 'Output/result',
      state: 'P',
    })
    const evaluation = r.history.find((e) => e.type === 'EvaluationFailed')
    expect(evaluation?.previousEventId).toBe(0)
    expect(r.history.at(-1)?.previousEventId).toBe(evaluation?.id)
  })

  it('$states.errorOutput exists only in a Catch', async () => {
    const r = await run(passOutput('{% $states.errorOutput %}'))
    expect(r.cause).toMatch(
      /'\$states\.errorOutput' specified for the field 'Output' returned nothing/,
    )
  })
})

describe('Choice Condition', () => {
  const choice = (choices: JsonValue, extra: JsonObject = {}) =>
    jsonata({
      C: { Type: 'Choice', Choices: choices, Default: 'D', ...extra },
      Yes: { Type: 'Pass', End: true },
      D: { Type: 'Pass', Output: 'default', End: true },
    })

  it.each<[JsonValue, JsonValue, string]>([
    [{ type: 'Public' }, 'Public', 'the first condition that holds'],
    [{ type: 'Private', value: 22 }, 'Twenties', 'a later condition'],
    [{ type: 'Private', value: 5 }, 'default', 'none holds: Default'],
  ])('%j → %s (%s)', async (input, expected) => {
    const def = jsonata({
      C: {
        Type: 'Choice',
        Choices: [
          { Condition: "{% $states.input.type = 'Public' %}", Next: 'Public' },
          {
            Condition: '{% $states.input.value >= 20 and $states.input.value < 30 %}',
            Next: 'Twenties',
          },
        ],
        Default: 'D',
      },
      Public: { Type: 'Pass', Output: 'Public', End: true },
      Twenties: { Type: 'Pass', Output: 'Twenties', End: true },
      D: { Type: 'Pass', Output: 'default', End: true },
    })
    expect((await run(def, input)).output).toBe(expected)
  })

  it('a constant Condition', async () => {
    expect((await run(choice([{ Condition: true, Next: 'Yes' }]), { a: 1 })).output).toEqual({
      a: 1,
    })
  })

  it("a matched rule's Output replaces the state's; the state's applies on Default", async () => {
    const def = choice([{ Condition: '{% $states.input.ok %}', Next: 'Yes', Output: 'rule' }], {
      Output: 'state',
    })
    expect((await run(def, { ok: true })).output).toBe('rule')
    expect((await run(def, { ok: false })).output).toBe('default')
  })

  it('a Condition that is not a boolean fails the state', async () => {
    const r = await run(choice([{ Condition: '{% $states.input.n %}', Next: 'Yes' }]), { n: 1 })
    expect(r.error).toBe('States.QueryEvaluationError')
    expect(r.cause).toBe(
      `${prefix('C', 2)}The JSONata expression '$states.input.n' specified for the field 'Choices[0]/Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 1`,
    )
  })

  it('an undefined Condition names the rule', async () => {
    const r = await run(choice([{ Condition: '{% $states.input.missing %}', Next: 'Yes' }]))
    expect(r.cause).toMatch(/for the field 'Choices\[0\]\/Condition' returned nothing/)
  })
})

describe('Map: Items, ItemSelector, MaxConcurrency, tolerated failures', () => {
  const processor = { StartAt: 'In', States: { In: { Type: 'Pass', End: true } } }

  it('Items may be an array whose elements are expressions', async () => {
    const r = await run(
      jsonata({
        M: {
          Type: 'Map',
          Items: [1, "{% $number('2') %}", 3],
          ItemProcessor: processor,
          End: true,
        },
      }),
    )
    expect(r.output).toEqual([1, 2, 3])
  })

  it('ItemSelector reads $states.context.Map.Item and the Map state input', async () => {
    const r = await run(
      jsonata({
        M: {
          Type: 'Map',
          Items: '{% $states.input.xs %}',
          ItemSelector: {
            i: '{% $states.context.Map.Item.Index %}',
            v: '{% $states.context.Map.Item.Value %}',
            tag: '{% $states.input.tag %}',
          },
          ItemProcessor: processor,
          End: true,
        },
      }),
      { xs: ['a', 'b'], tag: 't' },
    )
    expect(r.output).toEqual([
      { i: 0, v: 'a', tag: 't' },
      { i: 1, v: 'b', tag: 't' },
    ])
  })

  it('without Items the state input is the array', async () => {
    expect(
      (await run(jsonata({ M: { Type: 'Map', ItemProcessor: processor, End: true } }), [7])).output,
    ).toEqual([7])
  })

  it.each<[JsonValue, string]>([
    [true, 'true'],
    [null, 'null'],
    [1, '1'],
    ['string', '"string"'],
  ])('a non-array (%j) is a QueryEvaluationError, not States.Runtime', async (input, text) => {
    const r = await run(jsonata({ M: { Type: 'Map', ItemProcessor: processor, End: true } }), input)
    expect(r.error).toBe('States.QueryEvaluationError')
    expect(r.cause).toBe(`${prefix('M', 2)}Map state input must be an array but was: ${text}`)
    expect(types(r.history)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'EvaluationFailed',
      'MapStateFailed',
      'ExecutionFailed',
    ])
  })

  it('an Items expression that is no array names the field, as AWS does', async () => {
    const r = await run(
      jsonata({
        M: { Type: 'Map', Items: '{% $states.input.xs %}', ItemProcessor: processor, End: true },
      }),
      { xs: 'abc' },
    )
    expect(r.cause).toBe(
      `${prefix('M', 2)}The JSONata expression '$states.input.xs' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: "abc"`,
    )
    expect(details(r.history, 'EvaluationFailed')?.['location']).toBe('Items')
  })

  it('MaxConcurrency and ToleratedFailure* may be expressions', async () => {
    const r = await run(
      jsonata({
        M: {
          Type: 'Map',
          Items: [1, 2, 3],
          MaxConcurrency: '{% $states.input.limit %}',
          ToleratedFailureCount: '{% 1 %}',
          ToleratedFailurePercentage: '{% 50.5 %}',
          ItemProcessor: processor,
          End: true,
        },
      }),
      { limit: 1 },
    )
    expect(r.output).toEqual([1, 2, 3])
  })

  it('a MaxConcurrency expression that is no number fails the state', async () => {
    const r = await run(
      jsonata({
        M: {
          Type: 'Map',
          Items: [1],
          MaxConcurrency: "{% 'x' %}",
          ItemProcessor: processor,
          End: true,
        },
      }),
    )
    expect(r.error).toBe('States.QueryEvaluationError')
    expect(r.cause).toMatch(
      /field 'MaxConcurrency' returned an unexpected result type\. Expected 'number', but was 'string' for value: "x"$/,
    )
  })
})

describe('Wait Seconds and Timestamp', () => {
  it.each<[JsonObject, JsonValue]>([
    [{ Seconds: '{% $states.input.s %}' }, { s: 5 }],
    [{ Timestamp: '{% $states.input.at %}' }, { at: '2024-01-01T00:00:10Z' }],
    [{ Seconds: 0 }, {}],
  ])('%j waits', async (wait, input) => {
    const r = await run(jsonata({ W: { Type: 'Wait', ...wait, End: true } }), input)
    expect(r.status).toBe('SUCCEEDED')
    expect(r.output).toEqual(input)
  })

  it('Seconds must not be negative', async () => {
    const r = await run(jsonata({ W: { Type: 'Wait', Seconds: '{% -1 %}', End: true } }))
    expect(r.cause).toBe(
      `${prefix('W', 2)}The JSONata expression '-1' specified for the field 'Seconds' returned a negative number of seconds: -1`,
    )
  })

  it('Timestamp must be an ISO-8601 date-time', async () => {
    const r = await run(jsonata({ W: { Type: 'Wait', Timestamp: "{% 'soon' %}", End: true } }))
    expect(r.cause).toMatch(
      /field 'Timestamp' returned no ISO-8601 extended offset date-time: "soon"$/,
    )
  })
})

describe('TimeoutSeconds and HeartbeatSeconds', () => {
  it('are expressions, cut toward zero', async () => {
    const { handler, tasks } = recording()
    await run(
      jsonata({
        T: {
          Type: 'Task',
          Resource: ACTIVITY,
          TimeoutSeconds: '{% $variable := 10 %}',
          HeartbeatSeconds: '{% $states.input.hb %}',
          End: true,
        },
      }),
      { hb: 2.9 },
      handler,
    )
    expect(tasks[0]).toMatchObject({ timeoutSeconds: 10, heartbeatSeconds: 2 })
  })

  it('an undefined TimeoutSeconds names the field', async () => {
    const r = await run(
      jsonata({ T: { Type: 'Task', Resource: LAMBDA, TimeoutSeconds: '{% $nope %}', End: true } }),
    )
    expect(r.cause).toBe(
      `${prefix('T', 2)}The JSONata expression '$nope' specified for the field 'TimeoutSeconds' returned nothing (undefined).`,
    )
  })
})

describe('Fail Error and Cause', () => {
  it('are expressions; a non-string is written as JSON text', async () => {
    const r = await run(
      jsonata({
        F: {
          Type: 'Fail',
          Error: "{% 'E.' & $states.input.code %}",
          Cause: '{% $states.input.detail %}',
        },
      }),
      { code: 'Bad', detail: { n: 1 } },
    )
    expect(r).toMatchObject({ status: 'FAILED', error: 'E.Bad', cause: '{"n":1}' })
  })

  it('an undefined Error fails with QueryEvaluationError instead', async () => {
    const r = await run(jsonata({ F: { Type: 'Fail', Error: '{% $nope %}', Cause: 'c' } }))
    expect(r.error).toBe('States.QueryEvaluationError')
    expect(r.cause).toMatch(/field 'Error' returned nothing/)
  })
})

describe('Catch Output and Assign', () => {
  const caught = (catcher: JsonObject) =>
    jsonata({
      T: {
        Type: 'Task',
        Resource: LAMBDA,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After', ...catcher }],
        End: true,
      },
      After: { Type: 'Pass', Output: { input: '{% $states.input %}', v: '{% $v %}' }, End: true },
    })

  it('Output and Assign read $states.errorOutput and $states.input', async () => {
    const r = await run(
      caught({
        Output: { error: '{% $states.errorOutput.Error %}', was: '{% $states.input.x %}' },
        Assign: { v: '{% $states.errorOutput.Cause %}' },
      }),
      { x: 1 },
      failing('Boom', 'why'),
    )
    expect(r.output).toEqual({ input: { error: 'Boom', was: 1 }, v: 'why' })
  })

  it('without Output the error output is the state output', async () => {
    const r = await run(caught({ Assign: { v: 1 } }), {}, failing('Boom', 'why'))
    expect(r.output).toEqual({ input: { Error: 'Boom', Cause: 'why' }, v: 1 })
  })

  it("the state's own Assign and Output do not apply when a Catch handles the error", async () => {
    const r = await run(
      jsonata({
        T: {
          Type: 'Task',
          Resource: LAMBDA,
          Assign: { v: 'state' },
          Output: 'state output',
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { v: 'catch' }, Next: 'After' }],
          End: true,
        },
        After: { Type: 'Pass', Output: '{% $v %}', End: true },
      }),
      {},
      failing('Boom', 'why'),
    )
    expect(r.output).toBe('catch')
  })

  it('a QueryEvaluationError is caught like any error', async () => {
    const r = await run(
      jsonata({
        P: {
          Type: 'Task',
          Resource: LAMBDA,
          Output: '{% $nope %}',
          Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Next: 'After' }],
          End: true,
        },
        After: { Type: 'Pass', Output: '{% $states.input.Error %}', End: true },
      }),
    )
    expect(r.output).toBe('States.QueryEvaluationError')
    expect(types(r.history)).toContain('EvaluationFailed')
  })
})

describe('Parallel Arguments and result', () => {
  it('every branch gets Arguments; $states.result is the array of branch outputs', async () => {
    const branch = (out: string) => ({
      StartAt: 'B',
      States: { B: { Type: 'Pass', Output: out, End: true } },
    })
    const r = await run(
      jsonata({
        P: {
          Type: 'Parallel',
          Arguments: { n: '{% $states.input.n %}' },
          Branches: [branch('{% $states.input.n + 1 %}'), branch('{% $states.input.n * 10 %}')],
          Output: { results: '{% $states.result %}', input: '{% $states.input %}' },
          End: true,
        },
      }),
      { n: 2, other: true },
    )
    expect(r.output).toEqual({ results: [3, 20], input: { n: 2, other: true } })
  })
})
