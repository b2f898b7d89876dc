import { AslError } from '../errors.js'
import { isObject, type JsonValue } from '../json.js'

/**
 * Argument checks shared by the intrinsic families. Every bad argument at run time becomes
 * `States.IntrinsicFailure` (AWS: "Error names": "Within a Payload Template, the attempt to invoke
 * an Intrinsic Function failed"). The cause always names the function, so a Catch can tell them
 * apart; all causes are built here, so their wording lives in one file.
 */
export function intrinsicFailure(fn: string, detail: string): AslError {
  return new AslError('States.IntrinsicFailure', `Invalid arguments in ${fn}: ${detail}`)
}

export type JsonTypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object'

export function jsonTypeName(value: JsonValue): JsonTypeName {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (isObject(value)) return 'object'
  return typeof value as 'boolean' | 'number' | 'string'
}

/** A short JSON rendering of a bad value for a cause text: `"abc"`, `1.5`, `{"a":1}` (≤ 100 chars). */
export function preview(value: JsonValue): string {
  const text = JSON.stringify(value)
  return text.length > 100 ? `${text.slice(0, 97)}...` : text
}

function wrongType(fn: string, what: string, expected: string, value: JsonValue): AslError {
  return intrinsicFailure(fn, `${what} must be ${expected}, but got ${preview(value)}`)
}

export function stringArg(fn: string, value: JsonValue, what: string): string {
  if (typeof value !== 'string') throw wrongType(fn, what, 'a string', value)
  return value
}

export function arrayArg(fn: string, value: JsonValue, what: string): JsonValue[] {
  if (!Array.isArray(value)) throw wrongType(fn, what, 'an array', value)
  return value
}

export function objectArg(fn: string, value: JsonValue, what: string): Record<string, JsonValue> {
  if (!isObject(value)) throw wrongType(fn, what, 'a JSON object', value)
  return value
}

export function booleanArg(fn: string, value: JsonValue, what: string): boolean {
  if (typeof value !== 'boolean') throw wrongType(fn, what, 'a boolean', value)
  return value
}

/** A number with no fractional part (`2.0` counts; JSON cannot tell it from `2`). */
export function integerArg(fn: string, value: JsonValue, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw wrongType(fn, what, 'an integer', value)
  }
  return value
}

/** Any number, rounded half up to an integer as Java's Math.round does (AWS rounds, see math.ts). */
export function roundedIntegerArg(fn: string, value: JsonValue, what: string): number {
  if (typeof value !== 'number') throw wrongType(fn, what, 'a number', value)
  return Math.round(value) + 0 // `+ 0` turns Math.round(-0.4) === -0 into 0
}
