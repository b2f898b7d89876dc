import { toJsonText, type JsonObject, type JsonValue } from '../json.js'
import { booleanArg, intrinsicFailure, objectArg, preview, stringArg } from './failure.js'

/**
 * States.StringToJson(text): parse JSON text. Blank text (empty or only whitespace) is `null`,
 * as recorded on AWS for `""` and `" "` (intrinsic_functions.test_json_manipulation
 * .test_string_to_json); `"-0"` is `0`.
 *
 * @example stringToJson(['{"a": [1]}']) // { a: [1] }
 */
export function stringToJson(args: readonly JsonValue[]): JsonValue {
  const fn = 'States.StringToJson'
  const text = stringArg(fn, args[0] as JsonValue, 'the argument').trim()
  if (text === '') return null
  let parsed: JsonValue
  try {
    parsed = JSON.parse(text) as JsonValue
  } catch {
    throw intrinsicFailure(fn, `the argument is not valid JSON text: ${preview(text)}`)
  }
  return parsed === 0 ? 0 : parsed // -0 has no JSON form of its own
}

/**
 * States.JsonToString(value): compact JSON text, no spaces (`[1,2,"HelloWorld"]`), as recorded
 * on AWS (intrinsic_functions.test_json_manipulation.test_json_to_string).
 *
 * @example jsonToString([{ a: 1 }]) // '{"a":1}'
 */
export function jsonToString(args: readonly JsonValue[]): string {
  return toJsonText(args[0] as JsonValue)
}

/**
 * States.JsonMerge(left, right, deep): a shallow merge; keys of `right` win. AWS only supports
 * the shallow mode, so `deep` must be `false` ("Intrinsics for JSON data manipulation").
 *
 * @example jsonMerge([{ a: { x: 1 }, b: 2 }, { a: { y: 1 } }, false]) // { a: { y: 1 }, b: 2 }
 */
export function jsonMerge(args: readonly JsonValue[]): JsonObject {
  const fn = 'States.JsonMerge'
  const left = objectArg(fn, args[0] as JsonValue, 'the first object (argument 1)')
  const right = objectArg(fn, args[1] as JsonValue, 'the second object (argument 2)')
  const deep = booleanArg(fn, args[2] as JsonValue, 'the deep merge flag (argument 3)')
  if (deep) {
    throw intrinsicFailure(fn, 'deep merging is not supported; the third argument must be false')
  }
  return { ...left, ...right }
}
