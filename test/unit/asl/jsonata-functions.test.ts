import { describe, expect, it } from 'vitest'
import type { JsonValue } from '../../../engine/asl/index.js'
import { javaRandomDouble } from '../../../engine/asl/jsonata/java-random.js'
import { passOutput, prefix, run } from '../../helpers/jsonata.js'

/**
 * The JSONata functions AWS adds ($partition, $range, $hash, $random, $uuid, $parse), `$eval`
 * refused, and `$now`/`$millis` on the execution's clock. Each row runs one JSONata Pass state
 * whose Output is the expression; `value` is the output, `error` the QueryEvaluationError cause
 * after "… threw an error during evaluation" or "… returned nothing".
 */
interface Row {
  readonly expr: string
  readonly value?: JsonValue
  /** The tail of the cause: what AWS writes after the field name. */
  readonly error?: string
  readonly why: string
}

const TABLE: readonly { readonly fn: string; readonly rows: readonly Row[] }[] = [
  {
    fn: '$partition',
    rows: [
      {
        expr: '$partition([1,2,3,4,5], 2)',
        value: [[1, 2], [3, 4], [5]],
        why: 'last chunk holds the rest',
      },
      { expr: '$partition([0], 4)', value: [[0]], why: 'chunk larger than the array' },
      {
        expr: '$partition([1,2,3,4,5], 2.9)',
        value: [[1, 2], [3, 4], [5]],
        why: 'size cut toward zero',
      },
      { expr: '$partition([1,2,3])', value: [[1, 2, 3]], why: 'no size: one chunk' },
      {
        expr: '$partition([], 2)',
        error: 'returned nothing (undefined).',
        why: 'empty array: nothing',
      },
      {
        expr: '$partition([1,2], 0)',
        error: 'returned nothing (undefined).',
        why: 'size 0: nothing',
      },
      {
        expr: '$partition([1,2], -0.5)',
        error: 'returned nothing (undefined).',
        why: '-0.5 cuts to 0',
      },
      {
        expr: '$partition([1,2], -1)',
        error: 'threw an error during evaluation. D3137: Second argument must be zero or greater',
        why: 'negative size',
      },
      {
        expr: "$partition([1,2,3], 2, 'x')",
        error:
          'threw an error during evaluation. T0410: Argument 3 of function "partition" does not match function signature',
        why: 'surplus argument',
      },
    ],
  },
  {
    fn: '$range',
    rows: [
      {
        expr: '$range(0, 9, 3)',
        value: [0, 3, 6, 9],
        why: 'end included when the step lands on it',
      },
      { expr: '$range(0, 10, 3)', value: [0, 3, 6, 9], why: 'stops before passing the end' },
      { expr: '$range(10, 0, -2)', value: [10, 8, 6, 4, 2, 0], why: 'descending' },
      {
        expr: '$range(-1.7, 2, 1)',
        value: [-1, 0, 1, 2],
        why: 'start cut toward zero, not floored',
      },
      { expr: '$range(5, 1, -1.5)', value: [5, 4, 3, 2, 1], why: 'step cut toward zero' },
      { expr: '$range(3, 3, 1)', value: 3, why: 'one element is the bare number' },
      { expr: '$range(1, 5)', error: 'returned nothing (undefined).', why: 'no step' },
      { expr: '$range(1, 5, 0)', error: 'returned nothing (undefined).', why: 'step 0' },
      {
        expr: '$range(5, 1, 1)',
        error: 'returned nothing (undefined).',
        why: 'step against the direction',
      },
      {
        expr: '$range(1)',
        error:
          'threw an error during evaluation. T0410: Argument 2 of function "range" does not match function signature',
        why: 'end is required',
      },
      {
        expr: "$range('0', 4, 1)",
        error:
          'threw an error during evaluation. T0410: Argument 1 of function "range" does not match function signature',
        why: 'numbers only',
      },
      {
        expr: '$range(1, 360146, 1)',
        error:
          'threw an error during evaluation: Expression evaluation memory limit exceeded: Check for excessive memory usage',
        why: "one element over AWS's bound, refused before allocating",
      },
    ],
  },
  {
    fn: '$hash',
    rows: [
      { expr: "$hash('Hello', 'MD5')", value: '8b1a9953c4611296a827abf8c47804d7', why: 'MD5' },
      {
        expr: "$hash('Hello', 'SHA-1')",
        value: 'f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0',
        why: 'SHA-1',
      },
      {
        expr: "$hash('Hello', 'SHA-256')",
        value: '185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969',
        why: 'SHA-256',
      },
      { expr: "$hash('ñ', 'MD5')", value: '94e9342ecbb1458b6043ecd3bfcbc192', why: 'UTF-8 bytes' },
      { expr: "$hash('Hello')", error: 'returned nothing (undefined).', why: 'no algorithm' },
      {
        expr: "$hash('Hello', 'md5')",
        error:
          "threw an error during evaluation. D3137: The hash algorithm 'md5' is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512",
        why: 'algorithm names are case-sensitive',
      },
      {
        expr: "$hash(42, 'MD5')",
        error:
          'threw an error during evaluation. T0410: Argument 1 of function "hash" does not match function signature',
        why: 'strings only',
      },
    ],
  },
  {
    fn: '$random',
    rows: [
      {
        expr: '$random(42)',
        value: 0.7275636800328681,
        why: 'java.util.Random(42).nextDouble(), as on AWS',
      },
      { expr: '$random(0)', value: 0.730967787376657, why: 'seed 0' },
      { expr: '$random(0.9)', value: 0.730967787376657, why: 'seed cut toward zero' },
      { expr: '$random()', value: 0.25, why: "unseeded: the environment's randomness" },
      {
        expr: '$random(1, 2)',
        error:
          'threw an error during evaluation. T0410: Argument 2 of function "random" does not match function signature',
        why: 'one seed at most',
      },
    ],
  },
  {
    fn: '$uuid',
    rows: [
      {
        expr: '$uuid()',
        value: '00000000-0000-4000-8000-000000000001',
        why: "the environment's uuid",
      },
      {
        expr: "$uuid('seed')",
        error:
          'threw an error during evaluation. T0410: Argument 1 of function "uuid" does not match function signature',
        why: 'no arguments',
      },
    ],
  },
  {
    fn: '$parse',
    rows: [
      { expr: '$parse(\'{"a": [1, true]}\')', value: { a: [1, true] }, why: 'a JSON object' },
      { expr: "$parse('1.1')", value: 1.1, why: 'a number' },
      { expr: "$parse('null')", value: null, why: 'null is a value' },
      { expr: '$parse()', error: 'returned nothing (undefined).', why: 'no argument' },
      {
        expr: '$parse(\'{"a":1,"a":2}\')',
        error: 'threw an error during evaluation. D3137: Invalid JSON',
        why: 'a repeated key',
      },
      {
        expr: "$parse('1e400')",
        error: 'threw an error during evaluation. D3137: Invalid JSON',
        why: 'not a double',
      },
      {
        expr: "$parse('[1] [2]')",
        error: 'threw an error during evaluation. D3137: Invalid JSON',
        why: 'two documents',
      },
      {
        expr: '$parse(null)',
        error:
          'threw an error during evaluation. T0410: Argument 1 of function "parse" does not match function signature',
        why: 'strings only',
      },
      {
        expr: '$map([\'{"a":1}\', \'{"a":2}\'], $parse).a',
        value: [1, 2],
        why: 'usable as a value',
      },
    ],
  },
  {
    fn: '$eval',
    rows: [
      {
        expr: "$eval('1+1')",
        error: 'threw an error during evaluation. T1006: Attempted to invoke a non-function',
        why: 'AWS disables $eval',
      },
    ],
  },
  {
    fn: '$now and $millis',
    rows: [
      { expr: '$now()', value: '2024-01-01T00:00:00.000Z', why: "the execution's clock" },
      { expr: '$millis()', value: Date.UTC(2024, 0, 1), why: "the execution's clock" },
      { expr: "$now('[Y0001]-[M01]')", value: '2024-01', why: 'with a picture' },
    ],
  },
]

describe('JSONata functions AWS adds', () => {
  for (const { fn, rows } of TABLE) {
    describe(fn, () => {
      for (const row of rows) {
        it(`${row.expr}: ${row.why}`, async () => {
          const result = await run(passOutput(`{% ${row.expr} %}`))
          if (row.error === undefined) {
            expect(result.cause, result.cause).toBeUndefined()
            expect(result.output).toEqual(row.value)
          } else {
            expect(result.error).toBe('States.QueryEvaluationError')
            expect(result.cause).toBe(
              `${prefix('P', 2)}The JSONata expression '${row.expr}' specified for the field 'Output' ${row.error}`,
            )
          }
        })
      }
    })
  }
})

describe('javaRandomDouble', () => {
  it.each([
    [42, 0.7275636800328681],
    [0, 0.730967787376657],
    [7, 0.7306990420600421],
    [-1, 0.26894263088050496],
    [123456789012, 0.013835938433091277],
  ])(
    'seed %d gives java.util.Random(seed).nextDouble() = %d (values from a JVM)',
    (seed, expected) => {
      expect(javaRandomDouble(seed)).toBe(expected)
    },
  )
})
