import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { AslError } from '../../../engine/asl/errors.js'
import { isObject, jsonEquals, type JsonObject, type JsonValue } from '../../../engine/asl/json.js'
import { compileChoiceRule, evaluateChoiceRule } from '../../../engine/asl/states/choice-rules.js'
import { compileWildcard, wildcardMatches } from '../../../engine/asl/states/string-matches.js'
import { compareInstants, parseTimestamp } from '../../../engine/asl/states/timestamp.js'

type Expected = boolean | { readonly error: string; readonly cause: string }

interface Table {
  readonly rule: JsonObject
  readonly cases: readonly {
    readonly input: JsonValue
    readonly expected: Expected
    readonly why: string
  }[]
}

function invalidPath(p: string): Expected {
  return {
    error: 'States.Runtime',
    cause: `Invalid path '${p}': The choice state's condition path references an invalid value.`,
  }
}

function outcome(
  rule: JsonObject,
  input: JsonValue,
  variables?: Record<string, JsonValue>,
): Expected {
  const compiled = compileChoiceRule({ ...rule, Next: 'X' }, '/States/Choose/Choices/0')
  try {
    return evaluateChoiceRule(compiled, { input, context: {}, ...(variables ? { variables } : {}) })
  } catch (err) {
    if (err instanceof AslError) return { error: err.error, cause: err.cause }
    throw err
  }
}

function runTables(tables: readonly Table[]): void {
  for (const { rule, cases } of tables) {
    describe(JSON.stringify(rule), () => {
      for (const { input, expected, why } of cases) {
        it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}: ${why}`, () => {
          expect(outcome(rule, input)).toEqual(expected)
        })
      }
    })
  }
}

describe('string comparisons', () => {
  runTables([
    {
      rule: { Variable: '$.v', StringEquals: 'Hello' },
      cases: [
        { input: { v: 'Hello' }, expected: true, why: 'same text' },
        { input: { v: 'hello' }, expected: false, why: 'case matters' },
        { input: { v: 'Hello ' }, expected: false, why: 'no trimming' },
        { input: { v: null }, expected: false, why: 'null is not a string' },
        { input: { v: 1 }, expected: false, why: 'a number is not a string' },
        { input: { v: ['Hello'] }, expected: false, why: 'an array is not a string' },
        { input: {}, expected: invalidPath('$.v'), why: 'a missing Variable fails the execution' },
      ],
    },
    {
      rule: { Variable: '$.v', StringLessThan: 'AB' },
      cases: [
        { input: { v: 'A' }, expected: true, why: 'a prefix sorts first' },
        { input: { v: 'AB' }, expected: false, why: 'equal is not less' },
        { input: { v: 'B' }, expected: false, why: 'B comes after A' },
        {
          input: { v: 'a' },
          expected: false,
          why: 'lowercase sorts after uppercase (code points)',
        },
        { input: { v: 5 }, expected: false, why: 'wrong type' },
      ],
    },
    {
      rule: { Variable: '$.v', StringGreaterThan: '\uffff' },
      cases: [
        { input: { v: '\u{1f600}' }, expected: true, why: 'U+1F600 > U+FFFF by code point' },
        { input: { v: '\ue000' }, expected: false, why: 'U+E000 < U+FFFF' },
      ],
    },
    {
      rule: { Variable: '$.v', StringGreaterThanEquals: 'A' },
      cases: [
        { input: { v: 'A' }, expected: true, why: 'equal' },
        { input: { v: 'AB' }, expected: true, why: 'longer with the same prefix' },
        { input: { v: '' }, expected: false, why: 'empty sorts first' },
      ],
    },
    {
      rule: { Variable: '$.v', StringLessThanEquals: 'A' },
      cases: [
        { input: { v: 'A' }, expected: true, why: 'equal' },
        { input: { v: 'AB' }, expected: false, why: 'longer sorts after' },
      ],
    },
    {
      rule: { Variable: '$.v', StringEqualsPath: '$.w' },
      cases: [
        { input: { v: 'x', w: 'x' }, expected: true, why: 'both strings, equal' },
        { input: { v: '\t\n', w: '\t\r\n' }, expected: false, why: 'whitespace counts' },
        { input: { v: 1, w: 1 }, expected: false, why: 'numbers are not strings' },
        { input: { v: 'x', w: 1 }, expected: false, why: 'operand of the wrong type' },
        { input: { v: 'x' }, expected: invalidPath('$.w'), why: 'a missing …Path operand fails' },
        { input: { w: 'x' }, expected: invalidPath('$.v'), why: 'a missing Variable fails' },
      ],
    },
    {
      rule: { Variable: '$.v', StringGreaterThanPath: '$.w' },
      cases: [
        { input: { v: 'AB', w: 'ABC' }, expected: false, why: 'prefix is smaller' },
        { input: { v: 'B', w: 'ABC' }, expected: true, why: 'first unit decides' },
      ],
    },
  ])
})

describe('StringMatches', () => {
  runTables([
    {
      rule: { Variable: '$.v', StringMatches: 'log-*.txt' },
      cases: [
        { input: { v: 'log-2024.txt' }, expected: true, why: '* spans 2024' },
        { input: { v: 'log-.txt' }, expected: true, why: '* may match nothing' },
        { input: { v: 'log-a.txt.gz' }, expected: false, why: 'the suffix must end the text' },
        { input: { v: 'xlog-a.txt' }, expected: false, why: 'the prefix must start the text' },
        { input: { v: 7 }, expected: false, why: 'not a string' },
      ],
    },
    {
      rule: { Variable: '$.v', StringMatches: '*' },
      cases: [
        { input: { v: '' }, expected: true, why: 'a lone star matches the empty string' },
        { input: { v: 'anything' }, expected: true, why: 'and anything else' },
      ],
    },
    {
      rule: { Variable: '$.v', StringMatches: 'a*b*c' },
      cases: [
        { input: { v: 'abc' }, expected: true, why: 'stars empty' },
        { input: { v: 'aXbYbZc' }, expected: true, why: 'earliest b is enough' },
        { input: { v: 'ac' }, expected: false, why: 'b is required' },
        { input: { v: 'abcb' }, expected: false, why: 'must end in c' },
      ],
    },
    {
      rule: { Variable: '$.v', StringMatches: 'ab*ba' },
      cases: [
        { input: { v: 'aba' }, expected: false, why: 'prefix and suffix may not overlap' },
        { input: { v: 'abba' }, expected: true, why: 'star empty' },
      ],
    },
    {
      rule: { Variable: '$.v', StringMatches: 'Star\\*' },
      cases: [
        { input: { v: 'Star*' }, expected: true, why: '\\* is a literal asterisk' },
        { input: { v: 'Stars' }, expected: false, why: 'not a wildcard' },
      ],
    },
    {
      rule: { Variable: '$.v', StringMatches: 'C:\\\\*' },
      cases: [
        {
          input: { v: 'C:\\temp' },
          expected: true,
          why: '\\\\ is a literal backslash, then a wildcard',
        },
        { input: { v: 'C:temp' }, expected: false, why: 'the backslash is required' },
      ],
    },
    {
      rule: { Variable: '$.v', StringMatches: 'exact' },
      cases: [
        { input: { v: 'exact' }, expected: true, why: 'no star: whole-text equality' },
        { input: { v: 'exactly' }, expected: false, why: 'no star: nothing extra' },
      ],
    },
  ])

  it('stays linear on inputs that make backtracking matchers quadratic or worse', () => {
    const pattern = compileWildcard('*' + 'a*'.repeat(5000) + 'b*')
    const text = 'a'.repeat(200_000)
    expect(wildcardMatches(pattern, text)).toBe(false)
    const kmp = compileWildcard('*' + 'a'.repeat(5000) + 'b*')
    expect(wildcardMatches(kmp, 'a'.repeat(200_000) + 'b')).toBe(true)
  })
})

describe('numeric comparisons', () => {
  runTables([
    {
      rule: { Variable: '$.v', NumericEquals: 1 },
      cases: [
        { input: { v: 1 }, expected: true, why: 'same number' },
        { input: { v: 1.0 }, expected: true, why: '1.0 is 1' },
        { input: { v: 1.1 }, expected: false, why: 'different number' },
        { input: { v: '1' }, expected: false, why: 'a numeric string is not a number' },
        { input: { v: true }, expected: false, why: 'true is not 1' },
        { input: { v: null }, expected: false, why: 'null is not a number' },
        { input: { v: {} }, expected: false, why: 'an object is not a number' },
        { input: { x: 1 }, expected: invalidPath('$.v'), why: 'missing Variable' },
      ],
    },
    {
      rule: { Variable: '$.v', NumericEquals: 0 },
      cases: [{ input: { v: -0 }, expected: true, why: '-0 equals 0' }],
    },
    {
      rule: { Variable: '$.v', NumericLessThan: 10 },
      cases: [
        { input: { v: 9.99 }, expected: true, why: 'float below an integer' },
        { input: { v: 10 }, expected: false, why: 'equal is not less' },
        { input: { v: -1e300 }, expected: true, why: 'very negative' },
      ],
    },
    {
      rule: { Variable: '$.v', NumericGreaterThan: 10 },
      cases: [
        { input: { v: 10.000001 }, expected: true, why: 'just above' },
        { input: { v: 10 }, expected: false, why: 'equal is not greater' },
      ],
    },
    {
      rule: { Variable: '$.v', NumericLessThanEquals: 10 },
      cases: [
        { input: { v: 10 }, expected: true, why: 'equal' },
        { input: { v: 11 }, expected: false, why: 'above' },
      ],
    },
    {
      rule: { Variable: '$.v', NumericGreaterThanEquals: 10 },
      cases: [
        { input: { v: 10.0 }, expected: true, why: 'equal (10.0)' },
        { input: { v: 9 }, expected: false, why: 'below' },
      ],
    },
    {
      rule: { Variable: '$.v', NumericLessThanPath: '$.w' },
      cases: [
        { input: { v: 1, w: 2 }, expected: true, why: 'both numbers' },
        { input: { v: 1, w: '2' }, expected: false, why: 'operand of the wrong type' },
        { input: { v: '1', w: 2 }, expected: false, why: 'Variable of the wrong type' },
        { input: { v: 1 }, expected: invalidPath('$.w'), why: 'missing operand path' },
      ],
    },
    {
      rule: { Variable: '$.v', NumericEqualsPath: '$.w' },
      cases: [{ input: { v: 2, w: 2.0 }, expected: true, why: 'integer and float' }],
    },
    {
      rule: { Variable: '$.v', NumericGreaterThanPath: '$.w' },
      cases: [{ input: { v: 3, w: 2 }, expected: true, why: '3 > 2' }],
    },
    {
      rule: { Variable: '$.v', NumericLessThanEqualsPath: '$.w' },
      cases: [{ input: { v: 2, w: 2 }, expected: true, why: '2 <= 2' }],
    },
    {
      rule: { Variable: '$.v', NumericGreaterThanEqualsPath: '$.w' },
      cases: [{ input: { v: 1, w: 2 }, expected: false, why: '1 < 2' }],
    },
  ])
})

describe('boolean comparisons', () => {
  runTables([
    {
      rule: { Variable: '$.v', BooleanEquals: false },
      cases: [
        { input: { v: false }, expected: true, why: 'same' },
        { input: { v: true }, expected: false, why: 'different' },
        { input: { v: 0 }, expected: false, why: '0 is not false' },
        { input: { v: '' }, expected: false, why: 'empty string is not false' },
        { input: { v: null }, expected: false, why: 'null is not false' },
      ],
    },
    {
      rule: { Variable: '$.v', BooleanEqualsPath: '$.w' },
      cases: [
        { input: { v: true, w: true }, expected: true, why: 'same' },
        { input: { v: true, w: 'true' }, expected: false, why: 'operand is a string' },
        { input: { v: true }, expected: invalidPath('$.w'), why: 'missing operand path' },
      ],
    },
  ])
})

describe('timestamp comparisons', () => {
  const T0 = '2012-10-09T19:00:55Z'
  runTables([
    {
      rule: { Variable: '$.v', TimestampEquals: T0 },
      cases: [
        { input: { v: T0 }, expected: true, why: 'same text' },
        {
          input: { v: '2012-10-09T20:00:55+01:00' },
          expected: true,
          why: 'same instant, other offset',
        },
        { input: { v: '2012-10-09T19:00:55.000Z' }, expected: true, why: 'zero fraction' },
        { input: { v: '2012-10-09T19:00:55.001Z' }, expected: false, why: 'one millisecond later' },
        { input: { v: '2012-10-09T19:00:55' }, expected: false, why: 'no zone: not a timestamp' },
        {
          input: { v: '2012-10-09t19:00:55z' },
          expected: false,
          why: 'lowercase t/z: not a timestamp',
        },
        { input: { v: '2023-02-24 12:15:56.832957' }, expected: false, why: 'space separator' },
        { input: { v: '2012-10-09' }, expected: false, why: 'a date alone' },
        { input: { v: 1349809255 }, expected: false, why: 'epoch number is not a timestamp' },
        { input: { v: null }, expected: false, why: 'null' },
        { input: {}, expected: invalidPath('$.v'), why: 'missing Variable' },
      ],
    },
    {
      rule: { Variable: '$.v', TimestampLessThan: T0 },
      cases: [
        {
          input: { v: '2012-10-09T19:00:54.999999999Z' },
          expected: true,
          why: 'a nanosecond earlier',
        },
        { input: { v: T0 }, expected: false, why: 'equal' },
        {
          input: { v: '2012-10-09T19:00:55-00:01' },
          expected: false,
          why: 'a minute later (UTC-00:01)',
        },
      ],
    },
    {
      rule: { Variable: '$.v', TimestampGreaterThan: T0 },
      cases: [
        { input: { v: '2012-10-09T19:00:56Z' }, expected: true, why: 'a second later' },
        { input: { v: '2012-10-09T19:00:56+00:02' }, expected: false, why: 'two minutes earlier' },
      ],
    },
    {
      rule: { Variable: '$.v', TimestampLessThanEquals: T0 },
      cases: [{ input: { v: T0 }, expected: true, why: 'equal' }],
    },
    {
      rule: { Variable: '$.v', TimestampGreaterThanEquals: T0 },
      cases: [{ input: { v: '2012-10-09T19:00:54Z' }, expected: false, why: 'earlier' }],
    },
    {
      rule: { Variable: '$.v', TimestampEqualsPath: '$.w' },
      cases: [
        { input: { v: T0, w: '2012-10-09T19:00:55.0Z' }, expected: true, why: 'same instant' },
        { input: { v: T0, w: 'soon' }, expected: false, why: 'operand not a timestamp' },
        { input: { v: T0 }, expected: invalidPath('$.w'), why: 'missing operand path' },
      ],
    },
    {
      rule: { Variable: '$.v', TimestampGreaterThanPath: '$.w' },
      cases: [
        {
          input: { v: '2012-10-09T19:00:55Z', w: '2012-10-09T19:00:56Z' },
          expected: false,
          why: 'T0 > T1 is false',
        },
      ],
    },
    {
      rule: { Variable: '$.v', TimestampLessThanPath: '$.w' },
      cases: [
        {
          input: { v: '1999-12-31T23:59:59Z', w: '2000-01-01T00:00:00Z' },
          expected: true,
          why: 'earlier year',
        },
      ],
    },
    {
      rule: { Variable: '$.v', TimestampLessThanEqualsPath: '$.w' },
      cases: [{ input: { v: T0, w: T0 }, expected: true, why: 'equal' }],
    },
    {
      rule: { Variable: '$.v', TimestampGreaterThanEqualsPath: '$.w' },
      cases: [{ input: { v: T0, w: T0 }, expected: true, why: 'equal' }],
    },
  ])

  it('parses only valid RFC 3339 date-times', () => {
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBeDefined()
    expect(parseTimestamp('2023-02-29T00:00:00Z')).toBeUndefined()
    expect(parseTimestamp('2000-02-29T00:00:00Z')).toBeDefined()
    expect(parseTimestamp('1900-02-29T00:00:00Z')).toBeUndefined()
    expect(parseTimestamp('2012-13-01T00:00:00Z')).toBeUndefined()
    expect(parseTimestamp('2012-10-09T24:00:00Z')).toBeUndefined()
    expect(parseTimestamp('2012-10-09T19:00Z')).toBeUndefined()
    expect(parseTimestamp('2012-10-09T19:00:55.1234567890Z')).toBeUndefined()
    expect(parseTimestamp('1970-01-01T00:00:00Z')).toEqual({ seconds: 0, nanos: 0 })
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toEqual({ seconds: -62135596800, nanos: 0 })
    expect(parseTimestamp('2012-10-09T19:00:55.5Z')).toEqual({
      seconds: 1349809255,
      nanos: 500_000_000,
    })
    const a = parseTimestamp('2012-10-09T19:00:55Z')
    const b = parseTimestamp('2012-10-09T14:00:55-05:00')
    expect(a && b && compareInstants(a, b)).toBe(0)
  })
})

describe('type tests', () => {
  const values: readonly JsonValue[] = [
    null,
    0,
    1.1,
    '',
    'x',
    '2012-10-09T19:00:55Z',
    [],
    {},
    true,
    false,
  ]
  const table: Record<string, (v: JsonValue) => boolean> = {
    IsNull: (v) => v === null,
    IsNumeric: (v) => typeof v === 'number',
    IsString: (v) => typeof v === 'string',
    IsBoolean: (v) => typeof v === 'boolean',
    IsTimestamp: (v) => v === '2012-10-09T19:00:55Z',
    IsPresent: () => true,
  }
  for (const [operator, answer] of Object.entries(table)) {
    for (const expected of [true, false]) {
      runTables([
        {
          rule: { Variable: '$.v', [operator]: expected },
          cases: values.map((v) => ({
            input: { v },
            expected: answer(v) === expected,
            why: `${operator} of ${JSON.stringify(v)}`,
          })),
        },
      ])
    }
  }
  runTables([
    {
      rule: { Variable: '$.v', IsPresent: false },
      cases: [
        { input: {}, expected: true, why: 'missing path is simply not present' },
        { input: { v: null }, expected: false, why: 'null is present' },
        { input: 'text', expected: true, why: 'a non-object input has no field v' },
      ],
    },
    {
      rule: { Variable: '$.v', IsNull: true },
      cases: [
        { input: {}, expected: invalidPath('$.v'), why: 'only IsPresent tolerates a missing path' },
      ],
    },
    {
      rule: { Variable: '$.a[2]', IsPresent: true },
      cases: [
        { input: { a: [0, 1] }, expected: false, why: 'index out of range' },
        { input: { a: [0, 1, 2] }, expected: true, why: 'index in range' },
      ],
    },
    {
      rule: { Variable: '$.v', IsTimestamp: true },
      cases: [
        { input: { v: '2012-10-09T19:00:55' }, expected: false, why: 'no zone offset' },
        { input: { v: '2012-10-09T19:00:55+01:00' }, expected: true, why: 'numeric offset' },
        { input: { v: '2012-10-09T19:00:55.832957Z' }, expected: true, why: 'fractional seconds' },
        { input: { v: '2023-02-24' }, expected: false, why: 'date only' },
      ],
    },
  ])
})

describe('And, Or, Not', () => {
  runTables([
    {
      rule: {
        And: [
          { Variable: '$.n', NumericGreaterThanEquals: 20 },
          { Variable: '$.n', NumericLessThan: 30 },
        ],
      },
      cases: [
        { input: { n: 22 }, expected: true, why: 'in the twenties' },
        { input: { n: 30 }, expected: false, why: 'second rule false' },
        { input: { n: 19 }, expected: false, why: 'first rule false' },
      ],
    },
    {
      rule: {
        And: [
          { Variable: '$.p', IsPresent: true },
          { Variable: '$.p', StringEquals: 'x' },
        ],
      },
      cases: [{ input: {}, expected: false, why: 'And stops at the first false rule' }],
    },
    {
      rule: {
        Or: [{ Variable: '$.t', StringEquals: 'a' }, { Not: { Variable: '$.t', IsString: true } }],
      },
      cases: [
        { input: { t: 'a' }, expected: true, why: 'first rule' },
        { input: { t: 3 }, expected: true, why: 'second rule' },
        { input: { t: 'b' }, expected: false, why: 'neither' },
        { input: {}, expected: invalidPath('$.t'), why: 'a missing path inside Or still fails' },
      ],
    },
    {
      rule: { Not: { Variable: '$.type', StringEquals: 'Private' } },
      cases: [
        { input: { type: 'Public' }, expected: true, why: 'negated false' },
        { input: { type: 'Private' }, expected: false, why: 'negated true' },
      ],
    },
  ])
})

describe('paths', () => {
  it('reads workflow variables and the context object', () => {
    expect(
      outcome({ Variable: '$limit', NumericLessThanPath: '$.n' }, { n: 5 }, { limit: 3 }),
    ).toBe(true)
    expect(outcome({ Variable: '$limit', NumericEquals: 1 }, {}, {})).toEqual(invalidPath('$limit'))
    const rule = compileChoiceRule(
      { Variable: '$$.Execution.Name', StringEquals: 'run-1', Next: 'X' },
      '/States/C/Choices/0',
    )
    expect(evaluateChoiceRule(rule, { input: {}, context: { Execution: { Name: 'run-1' } } })).toBe(
      true,
    )
  })

  it('compiles paths once, at compile time', () => {
    const rule = compileChoiceRule({ Variable: '$.a.b', NumericEqualsPath: '$.c', Next: 'X' }, '/x')
    expect(rule).toMatchObject({ kind: 'ComparePath', operator: 'NumericEqualsPath' })
    if (rule.kind !== 'ComparePath') throw new Error('unreachable')
    expect(rule.variable.text).toBe('$.a.b')
    expect(rule.path.text).toBe('$.c')
  })
})

describe('malformed rules are refused at compile time, naming the location', () => {
  const at = '/States/Choose/Choices/3'
  const cases: readonly { rule: JsonValue; message: string; why: string }[] = [
    { rule: 'x', message: `${at}: a Choice Rule must be a JSON object`, why: 'not an object' },
    {
      rule: { Variable: '$.v', Next: 'X' },
      message: `${at}: the Choice Rule has no comparison`,
      why: 'no operator',
    },
    {
      rule: { Variable: '$.v', StringEquals: 'a', StringLessThan: 'b', Next: 'X' },
      message: 'only have one comparison operator, found StringEquals, StringLessThan',
      why: 'two operators',
    },
    {
      rule: { Variable: '$.v', StringEqual: 'a', Next: 'X' },
      message: `${at}/StringEqual: is not a Choice Rule operator`,
      why: 'typo',
    },
    {
      rule: { Variable: '$.v', StringMatchesPath: '$.p', Next: 'X' },
      message: `${at}/StringMatchesPath: is not`,
      why: 'StringMatches has no Path variant in ASL',
    },
    {
      rule: { StringEquals: 'a', Next: 'X' },
      message: `${at}/Variable: is required`,
      why: 'no Variable',
    },
    {
      rule: { Variable: 5, StringEquals: 'a', Next: 'X' },
      message: `${at}/Variable: must be a path`,
      why: 'Variable not a string',
    },
    {
      rule: { Variable: 'v', StringEquals: 'a', Next: 'X' },
      message: `${at}/Variable: The path 'v' must start with '$'`,
      why: 'Variable not a path',
    },
    {
      rule: { Variable: '$.v', NumericEquals: '1', Next: 'X' },
      message: `${at}/NumericEquals: must be a number`,
      why: 'NumericEquals literal of the wrong type',
    },
    {
      rule: { Variable: '$.v', StringEquals: 1, Next: 'X' },
      message: `${at}/StringEquals: must be a string`,
      why: 'StringEquals literal of the wrong type',
    },
    {
      rule: { Variable: '$.v', BooleanEquals: 'true', Next: 'X' },
      message: `${at}/BooleanEquals: must be true or false`,
      why: 'BooleanEquals literal of the wrong type',
    },
    {
      rule: { Variable: '$.v', TimestampEquals: '2012-10-09', Next: 'X' },
      message: `${at}/TimestampEquals: must be an RFC 3339`,
      why: 'literal not a timestamp',
    },
    {
      rule: { Variable: '$.v', IsNull: 'yes', Next: 'X' },
      message: `${at}/IsNull: must be true or false`,
      why: 'Is… takes a boolean',
    },
    {
      rule: { Variable: '$.v', StringMatches: 3, Next: 'X' },
      message: `${at}/StringMatches: must be a string`,
      why: 'pattern not a string',
    },
    {
      rule: { Variable: '$.v', NumericEqualsPath: 3, Next: 'X' },
      message: `${at}/NumericEqualsPath: must be a path`,
      why: 'path operand not a string',
    },
    {
      rule: { Variable: '$.v', NumericEqualsPath: 'w', Next: 'X' },
      message: `${at}/NumericEqualsPath: The path 'w'`,
      why: 'path operand not a path',
    },
    {
      rule: { And: [], Next: 'X' },
      message: `${at}/And: must be a non-empty array`,
      why: 'empty And',
    },
    {
      rule: { Or: {}, Next: 'X' },
      message: `${at}/Or: must be a non-empty array`,
      why: 'Or not an array',
    },
    {
      rule: { Variable: '$.v', Not: { Variable: '$.v', IsNull: true }, Next: 'X' },
      message: `${at}/Variable: is not allowed with Not`,
      why: 'Variable beside Not',
    },
    {
      rule: {
        And: [
          { Variable: '$.v', IsNull: true },
          { Variable: '$.w', NumericEquals: 'x' },
        ],
        Next: 'X',
      },
      message: `${at}/And/1/NumericEquals: must be a number`,
      why: 'nested location',
    },
    {
      rule: { Not: { Variable: '$.v', IsNull: true, Next: 'X' }, Next: 'X' },
      message: `${at}/Not/Next: is only allowed on a top-level Choice Rule`,
      why: 'Next inside a nested rule',
    },
  ]
  for (const { rule, message, why } of cases) {
    it(why, () => {
      expect(() => compileChoiceRule(rule as JsonObject, at)).toThrow(message)
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Conformance: every `choice-operators` and `choice` case recorded on AWS. The Choice state is the
// StartAt state; the rules run on the case input, and the state they pick must produce the
// recorded result (a Pass state's Result, or its input unchanged; a Fail state's failure).

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

const casesDir = path.resolve(import.meta.dirname, '../../../../shared/conformance/cases')
const conformance = readdirSync(casesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(casesDir, f), 'utf8')) as ConformanceCase)
  .filter((c) => c.category === 'choice-operators' || c.category === 'choice')

function startState(c: ConformanceCase): JsonObject {
  const states = c.definition['States'] as JsonObject
  return states[c.definition['StartAt'] as string] as JsonObject
}

// JSONata Choice states carry `Condition` expressions, evaluated by the JSONata evaluator, not here.
function isJsonata(c: ConformanceCase): boolean {
  return c.definition['QueryLanguage'] === 'JSONata' || startState(c)['QueryLanguage'] === 'JSONata'
}

type Run =
  | { readonly status: 'SUCCEEDED'; readonly output: JsonValue }
  | { readonly status: 'FAILED'; readonly error: string | null; readonly cause: JsonValue }

function run(c: ConformanceCase): Run {
  const states = c.definition['States'] as JsonObject
  const choice = startState(c)
  const scope = { input: c.input, context: {} }
  let next: string | undefined
  try {
    const choices = choice['Choices'] as JsonObject[]
    for (const [i, raw] of choices.entries()) {
      const rule = compileChoiceRule(
        raw,
        `/States/${c.definition['StartAt'] as string}/Choices/${i}`,
      )
      if (evaluateChoiceRule(rule, scope)) {
        next = raw['Next'] as string
        break
      }
    }
  } catch (err) {
    if (err instanceof AslError) return { status: 'FAILED', error: err.error, cause: err.cause }
    throw err
  }
  next ??= choice['Default'] as string | undefined
  if (next === undefined) {
    return {
      status: 'FAILED',
      error: 'States.NoChoiceMatched',
      cause: null,
    }
  }
  const target = states[next] as JsonObject
  if (target['Type'] === 'Fail') {
    return {
      status: 'FAILED',
      error: (target['Error'] as string) ?? null,
      cause: target['Cause'] ?? null,
    }
  }
  expect(target['Type']).toBe('Pass')
  return {
    status: 'SUCCEEDED',
    output: 'Result' in target ? target['Result'] : c.input,
  }
}

describe('conformance: choice-operators and choice cases recorded on AWS', () => {
  const jsonpath = conformance.filter((c) => !isJsonata(c))
  const jsonata = conformance.filter(isJsonata)

  it('finds the recorded cases', () => {
    expect(conformance.filter((c) => c.category === 'choice-operators')).toHaveLength(148)
    expect(conformance.filter((c) => c.category === 'choice')).toHaveLength(6)
  })

  for (const c of jsonpath) {
    it(c.id, () => {
      const actual = run(c)
      expect(actual.status).toBe(c.expected.status)
      if (actual.status === 'SUCCEEDED') {
        expect(jsonEquals(actual.output, c.expected.output as JsonValue)).toBe(true)
      } else {
        expect(actual.error).toBe(c.expected.error ?? null)
        if (typeof c.expected.cause === 'string') expect(actual.cause).toBe(c.expected.cause)
      }
    })
  }

  it('leaves only JSONata Condition rules to the JSONata evaluator', () => {
    for (const c of jsonata) {
      const rules = startState(c)['Choices'] as JsonValue[]
      expect(rules.every((r) => isObject(r) && 'Condition' in r && !('Variable' in r))).toBe(true)
    }
    expect(jsonata.length + jsonpath.length).toBe(conformance.length)
  })
})
