import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { AslError } from '../../../engine/asl/errors.js'
import {
  applyIntrinsic,
  evaluateIntrinsic,
  IntrinsicSyntaxError,
  isIntrinsicCall,
  parseIntrinsic,
  type IntrinsicEnv,
} from '../../../engine/asl/intrinsics/index.js'
import { isObject, type JsonObject, type JsonValue } from '../../../engine/asl/json.js'
import { compilePath, PathNotFoundError, type PathScope } from '../../../engine/asl/paths/path.js'

const UUID = 'b4c8f2a0-6f1e-4d2a-9c3b-2e7f8a9d0c11'
const env: IntrinsicEnv = { uuid: () => UUID, random: () => 0.5 }

const context: JsonValue = {
  Execution: {
    Id: 'arn:aws:states:us-east-1:000000000000:execution:sm-name:run-1',
    Name: 'run-1',
  },
  StateMachine: {
    Id: 'arn:aws:states:us-east-1:000000000000:stateMachine:sm-name',
    Name: 'sm-name',
  },
}

function run(
  expr: string,
  input: JsonValue = {},
  variables?: Record<string, JsonValue>,
): JsonValue {
  const scope: PathScope = { input, context, ...(variables ? { variables } : {}) }
  return evaluateIntrinsic(parseIntrinsic(expr), scope, env)
}

function failureOf(fn: () => unknown): { error: string; cause: string } {
  try {
    fn()
  } catch (err) {
    if (err instanceof AslError) return { error: err.error, cause: err.cause }
    throw err
  }
  throw new Error('expected an AslError, but nothing was thrown')
}

interface Case {
  readonly expr: string
  readonly input?: JsonValue
  readonly expected: JsonValue
  readonly why?: string
}

const FUNCTIONS: { readonly fn: string; readonly cases: readonly Case[] }[] = [
  {
    fn: 'States.Format',
    cases: [
      {
        expr: "States.Format('Hello, {}!', $.name)",
        input: { name: 'World' },
        expected: 'Hello, World!',
      },
      { expr: "States.Format('plain')", expected: 'plain', why: 'no placeholders, no values' },
      {
        expr: "States.Format('{}|{}|{}|{}|{}', 1, 1.5, -2, true, null)",
        expected: '1|1.5|-2|true|null',
      },
      {
        expr: "States.Format('{}', $.o)",
        input: { o: { Arg1: 1, Arg2: [] } },
        expected: '{Arg1=1, Arg2=[]}',
        why: "objects print as Java's Map.toString (recorded on AWS)",
      },
      {
        expr: "States.Format('{}', $.a)",
        input: { a: [1, 'x', { k: null, n: { m: true } }] },
        expected: '[1, x, {k=null, n={m=true}}]',
        why: "arrays print as Java's List.toString, strings without quotes",
      },
      {
        expr: "States.Format('{} and {}', 0.0001, 100000000000000000000)",
        expected: '1.0E-4 and 100000000000000000000',
        why: "numbers print as Java's Double.toString / integers in full",
      },
      {
        expr: "States.Format('\\{\\} {} it\\'s a \\\\ {}', 'x', 'y')",
        expected: "{} x it's a \\ y",
        why: 'escaped braces are literal text, not a placeholder',
      },
      {
        expr: 'States.Format($.template, $.v)',
        input: { template: 'v={}', v: 5 },
        expected: 'v=5',
        why: 'the template may come from a path',
      },
      {
        expr: "States.Format('{}', $varname)",
        expected: 'from a variable',
        why: 'variable paths (see the variables in the test)',
      },
    ],
  },
  {
    fn: 'States.StringToJson',
    cases: [
      {
        expr: 'States.StringToJson($.s)',
        input: { s: '{"a":[1,{"b":null}]}' },
        expected: { a: [1, { b: null }] },
      },
      {
        expr: 'States.StringToJson($.s)',
        input: { s: '' },
        expected: null,
        why: 'recorded on AWS',
      },
      {
        expr: 'States.StringToJson($.s)',
        input: { s: ' ' },
        expected: null,
        why: 'recorded on AWS',
      },
      { expr: 'States.StringToJson($.s)', input: { s: '-0' }, expected: 0 },
      { expr: 'States.StringToJson($.s)', input: { s: ' [1, 2] ' }, expected: [1, 2] },
      { expr: 'States.StringToJson($.s)', input: { s: '"HelloWorld"' }, expected: 'HelloWorld' },
      {
        expr: 'States.StringToJson(\'\\{"a": 1\\}\')',
        expected: { a: 1 },
        why: 'escaped braces in a literal',
      },
    ],
  },
  {
    fn: 'States.JsonToString',
    cases: [
      {
        expr: 'States.JsonToString($.v)',
        input: { v: { Arg1: 1, Arg2: [] } },
        expected: '{"Arg1":1,"Arg2":[]}',
      },
      { expr: 'States.JsonToString($.v)', input: { v: 'HelloWorld' }, expected: '"HelloWorld"' },
      { expr: 'States.JsonToString($.v)', input: { v: null }, expected: 'null' },
      { expr: 'States.JsonToString($)', input: [1.1, true], expected: '[1.1,true]' },
    ],
  },
  {
    fn: 'States.Array',
    cases: [
      { expr: 'States.Array()', expected: [] },
      {
        expr: "States.Array(1, 'a', $.x, States.Array(true), null)",
        input: { x: { y: [] } },
        expected: [1, 'a', { y: [] }, [true], null],
      },
    ],
  },
  {
    fn: 'States.ArrayPartition',
    cases: [
      {
        expr: 'States.ArrayPartition($.a, 2)',
        input: { a: [1, 2, 3, 4, 5] },
        expected: [[1, 2], [3, 4], [5]],
      },
      { expr: 'States.ArrayPartition($.a, 3)', input: { a: [] }, expected: [] },
      {
        expr: 'States.ArrayPartition($.a, 2.0)',
        input: { a: [1, 2] },
        expected: [[1, 2]],
        why: '2.0 is 2',
      },
    ],
  },
  {
    fn: 'States.ArrayContains',
    cases: [
      { expr: 'States.ArrayContains($.a, 2)', input: { a: [1, 2, 3] }, expected: true },
      { expr: "States.ArrayContains($.a, '2')", input: { a: [1, 2, 3] }, expected: false },
      {
        expr: 'States.ArrayContains($.a, $.v)',
        input: { a: [{ x: [1], y: 2 }], v: { y: 2, x: [1] } },
        expected: true,
        why: 'deep equality, key order ignored',
      },
      { expr: 'States.ArrayContains($.a, null)', input: { a: [] }, expected: false },
    ],
  },
  {
    fn: 'States.ArrayRange',
    cases: [
      { expr: 'States.ArrayRange(1, 9, 2)', expected: [1, 3, 5, 7, 9] },
      { expr: 'States.ArrayRange(0, 10, 3)', expected: [0, 3, 6, 9] },
      { expr: 'States.ArrayRange(1, 9, 9)', expected: [1] },
      { expr: 'States.ArrayRange(10, 0, -3)', expected: [10, 7, 4, 1] },
      { expr: 'States.ArrayRange(5, 1, 1)', expected: [], why: 'a step away from the end' },
      {
        expr: 'States.ArrayLength(States.ArrayRange(1, 1000, 1))',
        expected: 1000,
        why: 'the limit itself',
      },
    ],
  },
  {
    fn: 'States.ArrayGetItem',
    cases: [
      {
        expr: 'States.ArrayGetItem($.a, 5)',
        input: { a: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
        expected: 6,
      },
      { expr: 'States.ArrayGetItem($.a, 0)', input: { a: [{ k: 'v' }] }, expected: { k: 'v' } },
    ],
  },
  {
    fn: 'States.ArrayLength',
    cases: [
      { expr: 'States.ArrayLength($.a)', input: { a: [1, 2, 3] }, expected: 3 },
      { expr: 'States.ArrayLength($.a)', input: { a: [] }, expected: 0 },
    ],
  },
  {
    fn: 'States.ArrayUnique',
    cases: [
      {
        expr: 'States.ArrayUnique($.a)',
        input: {
          a: [
            null,
            null,
            true,
            true,
            false,
            1,
            1,
            1.1,
            0,
            'x',
            'x',
            [],
            [],
            [null],
            [null],
            { a: 1, b: 2 },
            { b: 2, a: 1 },
            { a: 1, b: 1 },
          ],
        },
        expected: [null, true, false, 1, 1.1, 0, 'x', [], [null], { a: 1, b: 2 }, { a: 1, b: 1 }],
      },
    ],
  },
  {
    fn: 'States.Base64Encode',
    cases: [
      {
        expr: 'States.Base64Encode($.s)',
        input: { s: 'Data to encode' },
        expected: 'RGF0YSB0byBlbmNvZGU=',
      },
      { expr: "States.Base64Encode('')", expected: '' },
      { expr: "States.Base64Encode('é')", expected: 'w6k=', why: 'UTF-8 bytes' },
    ],
  },
  {
    fn: 'States.Base64Decode',
    cases: [
      {
        expr: 'States.Base64Decode($.s)',
        input: { s: 'RGF0YSB0byBlbmNvZGU=' },
        expected: 'Data to encode',
      },
      { expr: "States.Base64Decode('')", expected: '' },
      { expr: "States.Base64Decode('w6k')", expected: 'é', why: 'padding may be left out' },
    ],
  },
  {
    fn: 'States.Hash',
    cases: [
      { expr: "States.Hash('input data', 'MD5')", expected: '812f45842bc6d66ee14572ce20db8e86' },
      {
        expr: "States.Hash('input data', 'SHA-1')",
        expected: 'aaff4a450a104cd177d28d18d74485e8cae074b7',
      },
      {
        expr: "States.Hash('input data', 'SHA-256')",
        expected: 'b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3',
      },
      {
        expr: 'States.Hash($.d, $.alg)',
        input: { d: 'input data', alg: 'SHA-384' },
        expected:
          'd28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562',
      },
    ],
  },
  {
    fn: 'States.JsonMerge',
    cases: [
      {
        expr: 'States.JsonMerge($.fst, $.snd, false)',
        input: {
          fst: { a: { a1: 1, a2: 2 }, b: 2, d: 3 },
          snd: { a: { a3: 1, a4: 2 }, c: 3, d: 4 },
        },
        expected: { a: { a3: 1, a4: 2 }, b: 2, c: 3, d: 4 },
        why: 'shallow: the second object wins whole keys (recorded on AWS)',
      },
      {
        expr: 'States.JsonMerge(States.StringToJson(\'\\{"k": "false"\\}\'), $$.Execution, false)',
        expected: {
          k: 'false',
          Id: 'arn:aws:states:us-east-1:000000000000:execution:sm-name:run-1',
          Name: 'run-1',
        },
      },
    ],
  },
  {
    fn: 'States.MathAdd',
    cases: [
      { expr: 'States.MathAdd(-9, 3)', expected: -6 },
      {
        expr: 'States.MathAdd($.a, $.b)',
        input: { a: 1.5, b: 1.51 },
        expected: 4,
        why: 'rounded half up',
      },
      {
        expr: 'States.MathAdd($.a, 0)',
        input: { a: -1.5 },
        expected: -1,
        why: "Java's Math.round",
      },
      { expr: 'States.MathAdd($.a, 0)', input: { a: -2.5 }, expected: -2 },
      { expr: 'States.MathAdd($.a, 0)', input: { a: 2.5 }, expected: 3 },
      { expr: 'States.MathAdd($.a, 0.5)', input: { a: -0.5 }, expected: 1 },
      { expr: 'States.MathAdd(-0.4, 0)', expected: 0 },
    ],
  },
  {
    fn: 'States.MathRandom',
    cases: [
      { expr: 'States.MathRandom(1, 11)', expected: 6, why: 'env.random() is 0.5' },
      {
        expr: 'States.MathRandom(0, 999, 42)',
        expected: 125,
        why: 'new java.util.Random(42).nextInt(999)',
      },
      { expr: 'States.MathRandom(100, 116, -7)', expected: 104, why: 'power-of-two bound' },
      { expr: 'States.MathRandom(0, 1000000, 123456789)', expected: 10965 },
      {
        expr: 'States.MathRandom(12.5, 44.51, 3)',
        expected: 13 + 23,
        why: 'rounded: 13 to 45; new java.util.Random(3).nextInt(32) is 23',
      },
    ],
  },
  {
    fn: 'States.StringSplit',
    cases: [
      {
        expr: 'States.StringSplit($.s, $.d)',
        input: { s: 'This.is+a,test=string', d: '.+,=' },
        expected: ['This', 'is', 'a', 'test', 'string'],
      },
      { expr: "States.StringSplit(',,,,', ',')", expected: [], why: 'empty pieces dropped' },
      { expr: "States.StringSplit(', , ,', ',')", expected: [' ', ' '], why: 'blank pieces kept' },
      {
        expr: 'States.StringSplit($.s, $.d)',
        input: { s: 'split on T and \nnew line', d: 'T\n' },
        expected: ['split on ', ' and ', 'new line'],
      },
      { expr: "States.StringSplit('abc', '')", expected: ['abc'] },
      { expr: "States.StringSplit('a\\'b', '\\'')", expected: ['a', 'b'], why: 'escaped quote' },
      {
        expr: "States.StringSplit('Hello\nWorld', '\n')",
        expected: ['Hello', 'World'],
        why: 'a literal may hold a raw newline (recorded on AWS, test_generic.test_escape_sequence)',
      },
    ],
  },
  {
    fn: 'States.UUID',
    cases: [{ expr: 'States.UUID()', expected: UUID }],
  },
]

describe('intrinsic functions', () => {
  for (const { fn, cases } of FUNCTIONS) {
    describe(fn, () => {
      it.each(cases.map((c, i) => ({ ...c, name: `${i}: ${c.expr}` })))('$name', (c) => {
        expect(run(c.expr, c.input ?? {}, { varname: 'from a variable' })).toEqual(c.expected)
      })
    })
  }

  it('covers all 18 functions', () => {
    expect(FUNCTIONS.map((f) => f.fn).sort()).toHaveLength(18)
  })
})

describe('paths and nesting', () => {
  const input = { 'a b': [10, 20], list: [{ id: 'x' }, { id: 'y' }], n: 3 }
  const cases: readonly Case[] = [
    { expr: 'States.Array($)', expected: [input] },
    { expr: "States.Array($['a b'][1])", expected: [20] },
    { expr: 'States.Array($.list[1].id)', expected: ['y'] },
    { expr: 'States.Array($.list[*].id)', expected: [['x', 'y']] },
    { expr: 'States.Array($$.Execution.Name)', expected: ['run-1'] },
    { expr: 'States.Array( $.n ,$.n )', expected: [3, 3], why: 'spaces around arguments' },
    {
      expr: "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
      expected: 'name',
    },
    {
      expr: "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 1))",
      input: { arn: 'arn:aws:imagebuilder:us-east-1:1:image-recipe/my-recipe/2.7.1' },
      expected: '2.7',
    },
    {
      expr: `${'States.Array('.repeat(10)}1${')'.repeat(10)}`,
      expected: [[[[[[[[[[1]]]]]]]]]],
      why: '10 deep',
    },
  ]
  it.each(cases)('$expr', (c) => {
    expect(run(c.expr, c.input ?? input)).toEqual(c.expected)
  })

  it('lets PathNotFoundError through for a missing path', () => {
    expect(() => run('States.Array($.missing)')).toThrow(PathNotFoundError)
    expect(() => run('States.Array($unset)')).toThrow(PathNotFoundError)
  })

  it('parses literals, paths and nested calls into an AST', () => {
    const call = parseIntrinsic("States.Format('a\\{}', $.x, -2.5, true, null, States.UUID())")
    expect(call.name).toBe('States.Format')
    expect(call.args.map((a) => a.kind)).toEqual([
      'literal',
      'path',
      'literal',
      'literal',
      'literal',
      'call',
    ])
    expect(call.args[0]).toEqual({ kind: 'literal', value: 'a{}', raw: 'a\\{}' })
    expect(call.args.slice(2, 5)).toMatchObject([{ value: -2.5 }, { value: true }, { value: null }])
  })
})

describe('argument checks at run time: States.IntrinsicFailure', () => {
  const long = 'x'.repeat(10_001)
  const failures: readonly { expr: string; input?: JsonValue; cause: string }[] = [
    {
      expr: "States.Format('{} {}', 1)",
      cause:
        "Invalid arguments in States.Format: the template has 2 placeholders '{}' but 1 value was given",
    },
    {
      expr: 'States.Format($.n)',
      input: { n: 1 },
      cause:
        'Invalid arguments in States.Format: the template (argument 1) must be a string, but got 1',
    },
    {
      expr: 'States.StringToJson($.s)',
      input: { s: '{"a":' },
      cause:
        'Invalid arguments in States.StringToJson: the argument is not valid JSON text: "{\\"a\\":"',
    },
    {
      expr: 'States.StringToJson($.s)',
      input: { s: 1 },
      cause: 'Invalid arguments in States.StringToJson: the argument must be a string, but got 1',
    },
    {
      expr: 'States.ArrayPartition($.a, 0)',
      input: { a: [1] },
      cause:
        'Invalid arguments in States.ArrayPartition: the chunk size must be greater than 0, but got 0',
    },
    {
      expr: 'States.ArrayPartition($.a, 1.5)',
      input: { a: [1] },
      cause:
        'Invalid arguments in States.ArrayPartition: the chunk size (argument 2) must be an integer, but got 1.5',
    },
    {
      expr: 'States.ArrayPartition($.a, 1)',
      input: { a: { k: 1 } },
      cause:
        'Invalid arguments in States.ArrayPartition: the array (argument 1) must be an array, but got {"k":1}',
    },
    {
      expr: 'States.ArrayContains($.a, 1)',
      input: { a: 'abc' },
      cause:
        'Invalid arguments in States.ArrayContains: the array (argument 1) must be an array, but got "abc"',
    },
    {
      expr: 'States.ArrayRange(1, 9, 0)',
      cause: 'Invalid arguments in States.ArrayRange: the step must not be 0',
    },
    {
      expr: 'States.ArrayRange(1, 1001, 1)',
      cause:
        'Invalid arguments in States.ArrayRange: the range would have 1001 items, but at most 1000 are allowed',
    },
    {
      expr: "States.ArrayRange('1', 9, 1)",
      cause:
        'Invalid arguments in States.ArrayRange: the first value (argument 1) must be an integer, but got "1"',
    },
    {
      expr: 'States.ArrayGetItem($.a, 3)',
      input: { a: [1, 2, 3] },
      cause:
        'Invalid arguments in States.ArrayGetItem: the index 3 is out of bounds for an array of length 3',
    },
    {
      expr: 'States.ArrayGetItem($.a, -1)',
      input: { a: [1, 2, 3] },
      cause:
        'Invalid arguments in States.ArrayGetItem: the index -1 is out of bounds for an array of length 3',
    },
    {
      expr: 'States.ArrayLength($.a)',
      input: { a: null },
      cause: 'Invalid arguments in States.ArrayLength: the argument must be an array, but got null',
    },
    {
      expr: 'States.ArrayUnique($.a)',
      input: { a: 1 },
      cause: 'Invalid arguments in States.ArrayUnique: the argument must be an array, but got 1',
    },
    {
      expr: 'States.Base64Encode($.s)',
      input: { s: long },
      cause:
        'Invalid arguments in States.Base64Encode: the input has 10001 characters, but at most 10000 are allowed',
    },
    {
      expr: "States.Base64Decode('not base64!')",
      cause: 'Invalid arguments in States.Base64Decode: the argument is not valid base64 data',
    },
    {
      expr: "States.Base64Decode('abcde')",
      cause: 'Invalid arguments in States.Base64Decode: the argument is not valid base64 data',
    },
    {
      expr: "States.Hash('x', 'sha-256')",
      cause:
        "Invalid arguments in States.Hash: the algorithm 'sha-256' is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512",
    },
    {
      expr: "States.Hash($.s, 'MD5')",
      input: { s: long },
      cause:
        'Invalid arguments in States.Hash: the data has 10001 characters, but at most 10000 are allowed',
    },
    {
      expr: "States.Hash($.s, 'MD5')",
      input: { s: { a: 1 } },
      cause:
        'Invalid arguments in States.Hash: the data (argument 1) must be a string, but got {"a":1}',
    },
    {
      expr: 'States.JsonMerge($.a, $.a, true)',
      input: { a: {} },
      cause:
        'Invalid arguments in States.JsonMerge: deep merging is not supported; the third argument must be false',
    },
    {
      expr: 'States.JsonMerge($.a, 1, false)',
      input: { a: {} },
      cause:
        'Invalid arguments in States.JsonMerge: the second object (argument 2) must be a JSON object, but got 1',
    },
    {
      expr: "States.MathAdd('1', 2)",
      cause:
        'Invalid arguments in States.MathAdd: the first value (argument 1) must be a number, but got "1"',
    },
    {
      expr: 'States.MathAdd(2147483648, 0)',
      cause:
        'Invalid arguments in States.MathAdd: the value 2147483648 is outside the integer range -2147483648 to 2147483647',
    },
    {
      expr: 'States.MathRandom(5, 5)',
      cause:
        'Invalid arguments in States.MathRandom: the end (5) must be greater than the start (5)',
    },
    {
      expr: "States.StringSplit($.s, ',')",
      input: { s: [1] },
      cause:
        'Invalid arguments in States.StringSplit: the string to split (argument 1) must be a string, but got [1]',
    },
  ]
  it.each(failures)('$expr', ({ expr, input, cause }) => {
    expect(failureOf(() => run(expr, input ?? {}))).toEqual({
      error: 'States.IntrinsicFailure',
      cause,
    })
  })

  it('fails inside a nested call the same way', () => {
    expect(failureOf(() => run('States.Array(States.ArrayGetItem(States.Array(), 0))')).error).toBe(
      'States.IntrinsicFailure',
    )
  })
})

describe('parsing', () => {
  it.each([
    ['States.Format($.a)', true],
    ['  States.Array( 1 ) ', true],
    ['States.UUID()', true],
    ['$.a.b', false],
    ['States.Array', false],
    ['Format($.a)', false],
    ['States.Array($.a) + 1', false],
  ] as const)('isIntrinsicCall(%j) is %s', (text, expected) => {
    expect(isIntrinsicCall(text)).toBe(expected)
  })

  it.each([
    { text: 'States.Nope(1)', message: "'States.Nope' is not an intrinsic function" },
    { text: 'States.Array(States.Nope())', message: "'States.Nope' is not an intrinsic function" },
    { text: 'States.MathAdd(1)', message: 'States.MathAdd takes 2 arguments, but got 1' },
    {
      text: 'States.MathRandom(1)',
      message: 'States.MathRandom takes 2 or 3 arguments, but got 1',
    },
    { text: 'States.UUID(1)', message: 'States.UUID takes 0 arguments, but got 1' },
    { text: 'States.Format()', message: 'States.Format takes at least 1 argument, but got 0' },
    { text: "States.Format('abc)", message: 'unterminated string literal' },
    { text: 'States.Array(1 2)', message: "expected ',' or ')' but found '2'" },
    { text: 'States.Array(foo)', message: "unexpected 'f'" },
    { text: 'States.Array(1,)', message: "unexpected ')'" },
    { text: 'States.Array(1', message: "missing ')'" },
    { text: 'States.Array(1) x', message: 'unexpected text after the closing parenthesis' },
    { text: 'States.Array(TRUE)', message: "unexpected 'T'" },
    { text: 'States.Array($.a[(@.b)])', message: "invalid path '$.a[(@.b)]'" },
    {
      text: `${'States.Array('.repeat(11)}1${')'.repeat(11)}`,
      message: 'intrinsic functions are nested more than 10 deep',
    },
  ])('rejects $text', ({ text, message }) => {
    expect(() => parseIntrinsic(text)).toThrow(IntrinsicSyntaxError)
    expect(() => parseIntrinsic(text)).toThrow(message)
  })
})

describe('applyIntrinsic (values already evaluated)', () => {
  it('runs a function on values', () => {
    expect(applyIntrinsic('States.ArrayPartition', [[1, 2, 3], 2], env)).toEqual([[1, 2], [3]])
  })
  it('checks the argument count at run time', () => {
    expect(failureOf(() => applyIntrinsic('States.Hash', ['x'], env))).toEqual({
      error: 'States.IntrinsicFailure',
      cause: 'Invalid arguments in States.Hash: the function takes 2 arguments, but got 1',
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Conformance: every case recorded on AWS in the `intrinsic-functions` category.

const CASES_DIR = path.resolve(import.meta.dirname, '../../../../shared/conformance/cases')

interface ConformanceCase {
  readonly id: string
  readonly category: string
  readonly definition: JsonObject
  readonly input: JsonValue
  readonly expected: {
    readonly status: string
    readonly output?: JsonValue
    readonly error?: string | null
    readonly cause?: JsonValue
  }
}

const conformance: ConformanceCase[] = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(CASES_DIR, f), 'utf8')) as ConformanceCase)
  .filter((c) => c.category === 'intrinsic-functions')

/**
 * AWS's JSONata functions that do the work of an intrinsic: `$partition` is ArrayPartition and so
 * on (AWS: "Transforming data with JSONata in Step Functions").
 */
const JSONATA_TWINS: Readonly<Record<string, string>> = {
  partition: 'States.ArrayPartition',
  range: 'States.ArrayRange',
  parse: 'States.StringToJson',
  hash: 'States.Hash',
  uuid: 'States.UUID',
}

/** The case's single Pass state, evaluated the way a Pass state would (only what these cases use). */
function evaluateCase(c: ConformanceCase): JsonValue {
  const states = c.definition['States'] as JsonObject
  const state = states[c.definition['StartAt'] as string] as JsonObject
  const unsupported = Object.keys(state).filter(
    (k) => !['Type', 'Parameters', 'Output', 'QueryLanguage', 'End', 'Comment'].includes(k),
  )
  if (state['Type'] !== 'Pass' || state['End'] !== true || unsupported.length > 0) {
    throw new Error(`${c.id}: this test only evaluates a single Pass state (${unsupported.join()})`)
  }
  const scope: PathScope = { input: c.input, context: { Execution: { Input: c.input } } }
  if (state['QueryLanguage'] === 'JSONata') {
    const m = /^\{%\s*\$(\w+)\((.*)\)\s*%\}$/s.exec(state['Output'] as string)
    const name = m ? JSONATA_TWINS[m[1] as string] : undefined
    if (!m || !name)
      throw new Error(`${c.id}: no intrinsic twin for ${JSON.stringify(state['Output'])}`)
    const args = (m[2] as string)
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .map((a) => {
        if (!a.startsWith('$states.input')) throw new Error(`${c.id}: unsupported argument ${a}`)
        return compilePath(`$${a.slice('$states.input'.length)}`).evaluate(scope)
      })
    return applyIntrinsic(name, args, env)
  }
  return payload(state['Parameters'] as JsonValue, scope)
}

function payload(template: JsonValue, scope: PathScope): JsonValue {
  if (!isObject(template)) return template
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = isIntrinsicCall(value)
        ? evaluateIntrinsic(parseIntrinsic(value), scope, env)
        : compilePath(value).evaluate(scope)
    } else {
      out[key] = payload(value, scope)
    }
  }
  return out
}

describe('conformance: intrinsic-functions cases recorded on AWS', () => {
  it('finds the 48 cases', () => {
    expect(conformance).toHaveLength(48)
  })

  it.each(conformance.map((c) => ({ name: c.id, c })))('$name', ({ c }) => {
    if (c.expected.status === 'SUCCEEDED') {
      expect(evaluateCase(c)).toEqual(c.expected.output)
      return
    }
    const failure = failureOf(() => evaluateCase(c))
    expect(failure.error).toBe(c.expected.error)
    if (typeof c.expected.cause === 'string') expect(failure.cause).toBe(c.expected.cause)
    else expect(JSON.parse(failure.cause)).toEqual(c.expected.cause)
  })
})
