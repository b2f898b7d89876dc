import { describe, expect, it } from 'vitest'
import { toAwsHistoryEvent, type JsonObject, type JsonValue } from '../../../engine/asl/index.js'
import { assignments, failing, jsonata, jsonpath, prefix, run } from '../../helpers/jsonata.js'

/**
 * Workflow variables: Assign on every state type in both query languages, AWS's evaluation order
 * (every right-hand side and every other field of the state read the values from before it),
 * scopes (Parallel branches and Map iterations read the outer variables and keep their own), `$name`
 * references from JSONPath, and AWS's size limits.
 *
 * AWS: "Passing data between states with variables".
 */

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f'
const processor = (states: JsonObject) => ({
  StartAt: Object.keys(states)[0] as string,
  States: states,
})

/** A machine that runs `first`, then outputs every variable named in `names` (JSONata). */
function thenRead(
  first: JsonObject,
  names: readonly string[],
  ql: 'JSONata' | 'JSONPath',
): JsonObject {
  const read: JsonObject = {}
  for (const n of names) read[n] = `{% $${n} %}`
  const states = {
    S: { ...first, ...('Next' in first || first['Type'] === 'Choice' ? {} : { Next: 'Read' }) },
    Read: { Type: 'Pass', QueryLanguage: 'JSONata', Output: read, End: true },
  }
  return ql === 'JSONata' ? jsonata(states) : jsonpath(states)
}

describe('Assign on every state type', () => {
  const cases: readonly {
    readonly why: string
    readonly state: JsonObject
    readonly input?: JsonValue
    readonly expected: JsonObject
    readonly ql: 'JSONata' | 'JSONPath'
  }[] = [
    {
      why: 'JSONPath Pass: constants and .$ paths read the result',
      ql: 'JSONPath',
      state: {
        Type: 'Pass',
        Result: { a: 1 },
        Assign: { x: 'lit', 'y.$': '$.a', 'ctx.$': '$$.State.Name' },
      },
      expected: { x: 'lit', y: 1, ctx: 'S' },
    },
    {
      why: 'JSONPath Pass: intrinsic functions',
      ql: 'JSONPath',
      state: { Type: 'Pass', Assign: { 'f.$': "States.Format('n={}', $.n)" } },
      input: { n: 3 },
      expected: { f: 'n=3' },
    },
    {
      why: 'JSONata Pass: expressions read $states.input',
      ql: 'JSONata',
      state: { Type: 'Pass', Assign: { x: '{% $states.input.n * 2 %}', lit: [1, '{% true %}'] } },
      input: { n: 3 },
      expected: { x: 6, lit: [1, true] },
    },
    {
      why: 'JSONPath Task: .$ paths read the raw result',
      ql: 'JSONPath',
      state: {
        Type: 'Task',
        Resource: LAMBDA,
        Parameters: { 'v.$': '$.n' },
        ResultSelector: { 'other.$': '$.v' },
        Assign: { 'r.$': '$.v' },
      },
      input: { n: 5 },
      expected: { r: 5 },
    },
    {
      why: 'JSONata Task: $states.result',
      ql: 'JSONata',
      state: {
        Type: 'Task',
        Resource: LAMBDA,
        Arguments: { v: 7 },
        Assign: { r: '{% $states.result.v %}' },
      },
      expected: { r: 7 },
    },
    {
      why: 'JSONata Wait',
      ql: 'JSONata',
      state: { Type: 'Wait', Seconds: 1, Assign: { w: 'waited' } },
      expected: { w: 'waited' },
    },
    {
      why: 'JSONPath Wait: .$ reads the effective input',
      ql: 'JSONPath',
      state: { Type: 'Wait', Seconds: 0, InputPath: '$.a', Assign: { 'w.$': '$' } },
      input: { a: 'x' },
      expected: { w: 'x' },
    },
    {
      why: 'JSONata Map: $states.result is the array of iteration outputs',
      ql: 'JSONata',
      state: {
        Type: 'Map',
        Items: [1, 2],
        ItemProcessor: processor({ In: { Type: 'Pass', End: true } }),
        Assign: { all: '{% $states.result %}' },
      },
      expected: { all: [1, 2] },
    },
    {
      why: 'JSONPath Parallel: .$ reads the array of branch outputs',
      ql: 'JSONPath',
      state: {
        Type: 'Parallel',
        Branches: [processor({ B: { Type: 'Pass', Result: 'b', End: true } })],
        Assign: { 'first.$': '$[0]' },
      },
      expected: { first: 'b' },
    },
  ]
  for (const c of cases) {
    it(c.why, async () => {
      const r = await run(thenRead(c.state, Object.keys(c.expected), c.ql), c.input ?? {})
      expect(r.cause, r.cause).toBeUndefined()
      expect(r.output).toEqual(c.expected)
    })
  }

  it("Choice: the matched rule's Assign replaces the state's; the state's applies on Default", async () => {
    for (const ql of ['JSONata', 'JSONPath'] as const) {
      const rule: JsonObject =
        ql === 'JSONata'
          ? { Condition: '{% $states.input.ok %}', Next: 'Read', Assign: { v: 'rule' } }
          : { Variable: '$.ok', BooleanEquals: true, Next: 'Read', Assign: { v: 'rule' } }
      const def = thenRead(
        { Type: 'Choice', Choices: [rule], Default: 'Read', Assign: { v: 'state' } },
        ['v'],
        ql,
      )
      expect((await run(def, { ok: true })).output).toEqual({ v: 'rule' })
      expect((await run(def, { ok: false })).output).toEqual({ v: 'state' })
    }
  })

  it('a JSONPath Catch: Assign reads the error output as $', async () => {
    const r = await run(
      jsonpath({
        T: {
          Type: 'Task',
          Resource: LAMBDA,
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Assign: { 'err.$': '$.Error' },
              ResultPath: '$.e',
              Next: 'Read',
            },
          ],
          End: true,
        },
        Read: { Type: 'Pass', Parameters: { 'err.$': '$err', 'e.$': '$.e.Cause' }, End: true },
      }),
      {},
      failing('Boom', 'why'),
    )
    expect(r.output).toEqual({ err: 'Boom', e: 'why' })
  })

  it('the exit event lists the assigned variables; AWS shows each value as JSON text', async () => {
    const r = await run(
      jsonpath({ S: { Type: 'Pass', Assign: { s: 'a', n: 1, o: { k: [true] } }, End: true } }),
    )
    expect(assignments(r.history)).toEqual({ S: { s: 'a', n: 1, o: { k: [true] } } })
    const exited = r.history.find((e) => e.type === 'PassStateExited')
    const aws = exited && (toAwsHistoryEvent(exited)['stateExitedEventDetails'] as JsonObject)
    expect(aws?.['assignedVariables']).toEqual({ s: '"a"', n: '1', o: '{"k":[true]}' })
    expect(aws?.['assignedVariablesDetails']).toEqual({ truncated: false })
  })

  it('a state without Assign lists none', async () => {
    const r = await run(jsonpath({ S: { Type: 'Pass', End: true } }))
    expect(assignments(r.history)).toEqual({})
  })
})

describe('evaluation order: everything in a state reads the values from before it', () => {
  it('JSONPath: InputPath and OutputPath read the old value; Assign reads the result', async () => {
    const r = await run(
      jsonpath({
        S0: {
          Type: 'Pass',
          Result: { theQuestion: 'What?' },
          Assign: { 'question.$': '$.theQuestion', answer: 42 },
          Next: 'S1',
        },
        S1: {
          Type: 'Pass',
          InputPath: '$answer',
          ResultPath: '$.theAnswer',
          OutputPath: '$answer',
          Assign: { answer: '<omitted>' },
          End: true,
        },
      }),
    )
    expect(r.output).toBe(42)
  })

  it('JSONata: right-hand sides and Output read the old values, swaps work', async () => {
    const r = await run(
      jsonata({
        Init: { Type: 'Pass', Assign: { a: 1, b: 2 }, Next: 'Swap' },
        Swap: {
          Type: 'Pass',
          Assign: { a: '{% $b %}', b: '{% $a %}' },
          Output: { a: '{% $a %}', b: '{% $b %}' },
          Next: 'Read',
        },
        Read: {
          Type: 'Pass',
          Output: { before: '{% $states.input %}', a: '{% $a %}', b: '{% $b %}' },
          End: true,
        },
      }),
    )
    expect(r.output).toEqual({ before: { a: 1, b: 2 }, a: 2, b: 1 })
  })

  it('a JSONata state reads variables a JSONPath state assigned, and the other way round', async () => {
    const r = await run(
      jsonpath({
        A: { Type: 'Pass', Assign: { theAnswer: 42 }, Next: 'B' },
        B: {
          Type: 'Pass',
          QueryLanguage: 'JSONata',
          Assign: { old: '{% $theAnswer %}', theAnswer: 18 },
          Next: 'C',
        },
        C: { Type: 'Pass', Parameters: { 'old.$': '$old', 'now.$': '$theAnswer' }, End: true },
      }),
    )
    expect(r.output).toEqual({ old: 42, now: 18 })
  })

  it('a failing Output leaves the variables unassigned', async () => {
    const r = await run(
      jsonata({
        S: {
          Type: 'Task',
          Resource: LAMBDA,
          Assign: { v: 'assigned' },
          Output: '{% $nope %}',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Read' }],
          End: true,
        },
        Read: { Type: 'Pass', Output: '{% $exists($v) %}', End: true },
      }),
    )
    expect(r.output).toBe(false)
  })
})

describe('$name references from JSONPath fields', () => {
  it.each<[string, JsonObject, JsonValue]>([
    ['InputPath', { Type: 'Pass', InputPath: '$v.a', End: true }, 1],
    ['Parameters', { Type: 'Pass', Parameters: { 'x.$': '$v.b[1]' }, End: true }, { x: 3 }],
    [
      'intrinsic arguments',
      { Type: 'Pass', Parameters: { 'x.$': 'States.ArrayLength($v.b)' }, End: true },
      { x: 2 },
    ],
    ['OutputPath', { Type: 'Pass', OutputPath: '$v', End: true }, { a: 1, b: [2, 3] }],
    [
      'Choice Variable',
      {
        Type: 'Choice',
        Choices: [{ Variable: '$v.a', NumericEquals: 1, Next: 'Yes' }],
        Default: 'No',
      },
      'yes',
    ],
    ['SecondsPath', { Type: 'Wait', SecondsPath: '$v.a', End: true }, {}],
    [
      'Fail CausePath',
      { Type: 'Fail', ErrorPath: '$e', CausePath: "States.Format('{}', $v.a)" },
      null,
    ],
  ])('%s', async (_field, state, expected) => {
    const r = await run(
      jsonpath({
        Set: { Type: 'Pass', Assign: { v: { a: 1, b: [2, 3] }, e: 'E' }, Next: 'S' },
        S: state,
        Yes: { Type: 'Pass', Result: 'yes', End: true },
        No: { Type: 'Pass', Result: 'no', End: true },
      }),
    )
    if (expected === null) expect(r).toMatchObject({ error: 'E', cause: '1' })
    else expect(r.output).toEqual(expected)
  })

  it('Map ItemsPath and ItemSelector read variables', async () => {
    const r = await run(
      jsonpath({
        Set: {
          Type: 'Pass',
          Assign: { list: ['a', 'b'], q: 'Q' },
          Result: { t: 'It is {}' },
          Next: 'M',
        },
        M: {
          Type: 'Map',
          ItemsPath: '$list',
          ItemSelector: { 'say.$': 'States.Format($.t, $$.Map.Item.Value)' },
          ItemProcessor: processor({
            In: { Type: 'Pass', Parameters: { 'q.$': '$q', 'say.$': '$.say' }, End: true },
          }),
          End: true,
        },
      }),
    )
    expect(r.output).toEqual([
      { q: 'Q', say: 'It is a' },
      { q: 'Q', say: 'It is b' },
    ])
  })

  it('an unassigned variable is a path that selects nothing', async () => {
    const r = await run(jsonpath({ S: { Type: 'Pass', InputPath: '$nope', End: true } }))
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.Runtime' })
  })

  it('an unassigned variable in JSONata returns nothing', async () => {
    const r = await run(
      jsonata({ S: { Type: 'Pass', Output: { result: '{% $doesNotExist %}' }, End: true } }),
    )
    expect(r.cause).toBe(
      `${prefix('S', 2)}The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).`,
    )
  })

  it('{% %} and $ strings in a JSONPath Assign are plain text', async () => {
    const r = await run(
      jsonpath({
        S: {
          Type: 'Pass',
          Assign: { a: '{% $x %}', b: '$.no.such.path', c: "States.Format('{}', $x)" },
          Next: 'R',
        },
        R: { Type: 'Pass', Parameters: { 'a.$': '$a', 'b.$': '$b', 'c.$': '$c' }, End: true },
      }),
    )
    expect(r.output).toEqual({ a: '{% $x %}', b: '$.no.such.path', c: "States.Format('{}', $x)" })
  })
})

describe('scopes: Parallel branches and Map iterations', () => {
  it('a Map iteration reads outer variables; its own assignments do not leak', async () => {
    const r = await run(
      jsonpath({
        S0: { Type: 'Pass', Assign: { x: 42, items: [1, 2, 3] }, Next: 'M' },
        M: {
          Type: 'Map',
          ItemsPath: '$items',
          MaxConcurrency: 1,
          ItemProcessor: processor({
            In: { Type: 'Pass', Assign: { 'innerX.$': '$x', 'me.$': '$' }, Next: 'In2' },
            In2: { Type: 'Pass', Parameters: { 'x.$': '$innerX', 'me.$': '$me' }, End: true },
          }),
          Next: 'After',
        },
        After: {
          Type: 'Pass',
          QueryLanguage: 'JSONata',
          Output: { map: '{% $states.input %}', x: '{% $x %}', leaked: '{% $exists($innerX) %}' },
          End: true,
        },
      }),
    )
    expect(r.output).toEqual({
      map: [
        { x: 42, me: 1 },
        { x: 42, me: 2 },
        { x: 42, me: 3 },
      ],
      x: 42,
      leaked: false,
    })
  })

  it('each Parallel branch has its own scope; none of them changes the outer one', async () => {
    const branch = (name: string) =>
      processor({
        [name]: { Type: 'Pass', Assign: { x: `{% $x & '-${name}' %}` }, Next: `${name}2` },
        [`${name}2`]: { Type: 'Pass', Output: '{% $x %}', End: true },
      })
    const r = await run(
      jsonata({
        S0: { Type: 'Pass', Assign: { x: 'outer' }, Next: 'P' },
        P: { Type: 'Parallel', Branches: [branch('A'), branch('B')], Next: 'After' },
        After: {
          Type: 'Pass',
          Output: { branches: '{% $states.input %}', x: '{% $x %}' },
          End: true,
        },
      }),
    )
    expect(r.output).toEqual({ branches: ['outer-A', 'outer-B'], x: 'outer' })
  })

  it('nested scopes read every enclosing scope', async () => {
    const r = await run(
      jsonata({
        S0: { Type: 'Pass', Assign: { a: 1 }, Next: 'Outer' },
        Outer: {
          Type: 'Map',
          Items: [10],
          ItemProcessor: processor({
            Set: { Type: 'Pass', Assign: { b: '{% $states.input %}' }, Next: 'Inner' },
            Inner: {
              Type: 'Parallel',
              Branches: [processor({ Sum: { Type: 'Pass', Output: '{% $a + $b %}', End: true } })],
              End: true,
            },
          }),
          End: true,
        },
      }),
    )
    expect(r.output).toEqual([[11]])
  })

  it('children get the variables in their Start event and keep them in the frame', async () => {
    const { compileMachine, interpret } = await import('../../../engine/asl/index.js')
    const machine = compileMachine(
      jsonata({
        S0: { Type: 'Pass', Assign: { a: 1 }, Next: 'P' },
        P: {
          Type: 'Parallel',
          Branches: [processor({ B: { Type: 'Pass', End: true } })],
          End: true,
        },
      }),
    )
    const env = {
      now: 0,
      nextEventId: 1,
      uuid: () => 'u',
      random: () => 0,
      newTaskToken: () => 't',
      execution: {
        id: 'e',
        name: 'n',
        input: {},
        roleArn: 'r',
        startTime: '2024-01-01T00:00:00.000Z',
        redriveCount: 0,
        stateMachineId: 's',
        stateMachineName: 'm',
        region: 'us-east-1',
      },
    }
    const step = interpret(machine, null, { kind: 'Start', scope: '', input: {} }, env)
    const start = step.commands.find((c) => c.kind === 'StartChildren')
    expect(start?.kind === 'StartChildren' && start.children[0]?.variables).toEqual({ a: 1 })
    expect(step.frame.variables).toEqual({ a: 1 })
    const child = interpret(
      machine,
      null,
      {
        kind: 'Start',
        scope: '/States/P/Branches/0',
        input: {},
        origin: { kind: 'branch', parallelState: 'P', index: 0 },
        variables: { a: 1 },
      },
      env,
    )
    expect(child.frame.outerVariables).toEqual({ a: 1 })
    expect(JSON.parse(JSON.stringify(child.frame))).toEqual(child.frame)
  })
})

describe("AWS's size limits", () => {
  it('a variable over 256 KiB fails the state with States.DataLimitExceeded', async () => {
    const r = await run(
      jsonata({ S: { Type: 'Pass', Assign: { big: "{% $pad('', 262144, 'x') %}" }, End: true } }),
    )
    expect(r.error).toBe('States.DataLimitExceeded')
    expect(r.cause).toBe(
      `${prefix('S', 2)}The variable 'big' has a size of 262146 bytes, exceeding the maximum of 262144 bytes for a single variable.`,
    )
  })

  it('one Assign over 256 KiB in all fails the state', async () => {
    const r = await run(
      jsonata({
        S: {
          Type: 'Pass',
          Assign: { a: "{% $pad('', 140000, 'x') %}", b: "{% $pad('', 140000, 'x') %}" },
          End: true,
        },
      }),
    )
    expect(r.error).toBe('States.DataLimitExceeded')
    expect(r.cause).toMatch(
      /combined size of 280004 bytes, exceeding the maximum of 262144 bytes for one Assign/,
    )
  })

  it('more than 10 MiB stored fails the state that would pass it', async () => {
    const states: JsonObject = {}
    for (let i = 0; i < 41; i++) {
      states[`S${i}`] = {
        Type: 'Pass',
        Assign: { [`v${i}`]: "{% $pad('', 260000, 'x') %}" },
        ...(i < 40 ? { Next: `S${i + 1}` } : { End: true }),
      }
    }
    const r = await run(jsonata(states))
    expect(r.error).toBe('States.DataLimitExceeded')
    expect(r.cause).toMatch(
      /^An error occurred while executing the state 'S40' .*exceeding the maximum of 10485760 bytes\.$/,
    )
  })

  it('a caught limit error is a normal failure', async () => {
    const r = await run(
      jsonata({
        S: {
          Type: 'Task',
          Resource: LAMBDA,
          Assign: { big: "{% $pad('', 300000, 'x') %}" },
          Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], Next: 'Ok' }],
          End: true,
        },
        Ok: { Type: 'Pass', Output: '{% $states.input.Error %}', End: true },
      }),
    )
    expect(r.output).toBe('States.DataLimitExceeded')
  })
})
