import { jsonEquals, type JsonValue } from '../json.js'
import { arrayArg, integerArg, intrinsicFailure } from './failure.js'

/** AWS: "The newly generated array can't contain more than 1000 items" (States.ArrayRange). */
export const ARRAY_RANGE_MAX_ITEMS = 1000

/**
 * States.Array(...values): the values as one array.
 *
 * @example array([1, 'a', null]) // [1, 'a', null]
 */
export function array(args: readonly JsonValue[]): JsonValue[] {
  return [...args]
}

/**
 * States.ArrayPartition(array, size): chunks of `size` items; the last may be shorter. The size
 * must be a positive integer.
 *
 * @example arrayPartition([[1, 2, 3], 2]) // [[1, 2], [3]]
 */
export function arrayPartition(args: readonly JsonValue[]): JsonValue[][] {
  const fn = 'States.ArrayPartition'
  const items = arrayArg(fn, args[0] as JsonValue, 'the array (argument 1)')
  const size = integerArg(fn, args[1] as JsonValue, 'the chunk size (argument 2)')
  if (size <= 0)
    throw intrinsicFailure(fn, `the chunk size must be greater than 0, but got ${size}`)
  const out: JsonValue[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * States.ArrayContains(array, value): whether some item deep-equals the value.
 *
 * @example arrayContains([[[1, 2], 3], [1, 2]]) // true
 */
export function arrayContains(args: readonly JsonValue[]): boolean {
  const items = arrayArg('States.ArrayContains', args[0] as JsonValue, 'the array (argument 1)')
  const wanted = args[1] as JsonValue
  return items.some((item) => jsonEquals(item, wanted))
}

/**
 * States.ArrayRange(first, last, step): `first, first + step, …` up to and including `last`.
 * All three are integers, the step is not 0, and at most 1000 items come out. A step that
 * walks away from `last` gives `[]`.
 *
 * @example arrayRange([1, 9, 2]) // [1, 3, 5, 7, 9]
 */
export function arrayRange(args: readonly JsonValue[]): number[] {
  const fn = 'States.ArrayRange'
  const first = integerArg(fn, args[0] as JsonValue, 'the first value (argument 1)')
  const last = integerArg(fn, args[1] as JsonValue, 'the last value (argument 2)')
  const step = integerArg(fn, args[2] as JsonValue, 'the step (argument 3)')
  if (step === 0) throw intrinsicFailure(fn, 'the step must not be 0')
  const count = Math.max(0, Math.floor((last - first) / step) + 1)
  if (count > ARRAY_RANGE_MAX_ITEMS) {
    throw intrinsicFailure(
      fn,
      `the range would have ${count} items, but at most ${ARRAY_RANGE_MAX_ITEMS} are allowed`,
    )
  }
  return Array.from({ length: count }, (_, i) => first + i * step + 0)
}

/**
 * States.ArrayGetItem(array, index): the item at a zero-based index inside the array.
 *
 * @example arrayGetItem([['a', 'b'], 1]) // 'b'
 */
export function arrayGetItem(args: readonly JsonValue[]): JsonValue {
  const fn = 'States.ArrayGetItem'
  const items = arrayArg(fn, args[0] as JsonValue, 'the array (argument 1)')
  const index = integerArg(fn, args[1] as JsonValue, 'the index (argument 2)')
  if (index < 0 || index >= items.length) {
    throw intrinsicFailure(
      fn,
      `the index ${index} is out of bounds for an array of length ${items.length}`,
    )
  }
  return items[index] as JsonValue
}

/**
 * States.ArrayLength(array): the number of items.
 *
 * @example arrayLength([[1, 2, 3]]) // 3
 */
export function arrayLength(args: readonly JsonValue[]): number {
  return arrayArg('States.ArrayLength', args[0] as JsonValue, 'the argument').length
}

/**
 * States.ArrayUnique(array): the items without repeats (deep equality), first occurrence kept.
 *
 * @example arrayUnique([[1, 2, 1, { a: 1 }, { a: 1 }]]) // [1, 2, { a: 1 }]
 */
export function arrayUnique(args: readonly JsonValue[]): JsonValue[] {
  const items = arrayArg('States.ArrayUnique', args[0] as JsonValue, 'the argument')
  const seen = new Set<string>()
  return items.filter((item) => {
    const key = canonicalKey(item)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** JSON text with object keys sorted: equal for exactly the values jsonEquals calls equal. */
function canonicalKey(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalKey(value[k] as JsonValue)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
