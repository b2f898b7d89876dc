import { MillraceError } from '../errors.js'
import type { JsonValue } from '../store/index.js'
import { isStorableText, validationError } from './validation.js'

/** AWS's payload quota: 256 KiB of UTF-8 (execution input, task output, state output). */
export const MAX_PAYLOAD_BYTES = 262_144

/**
 * Parses the JSON text of an execution input (StartExecution). Absent means `{}`, as on AWS.
 * Over 256 KiB is ValidationException (AWS's length constraint on `input`); text that is not
 * JSON, or holds a string PostgreSQL cannot store (`\u0000`, an unpaired surrogate), is
 * InvalidExecutionInput.
 *
 * @example
 * parseJsonInput('{"n":1}') // { n: 1 }
 * parseJsonInput('{n:1}') // throws InvalidExecutionInput
 */
export function parseJsonInput(input: unknown, field = 'input'): JsonValue {
  if (input === undefined || input === null) return {}
  if (typeof input !== 'string') throw validationError(field, 'Member must be a string')
  const size = Buffer.byteLength(input, 'utf8')
  if (size > MAX_PAYLOAD_BYTES) {
    throw new MillraceError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
      { field, size, limit: MAX_PAYLOAD_BYTES },
    )
  }
  let value: JsonValue
  try {
    value = JSON.parse(input) as JsonValue
  } catch (err) {
    throw new MillraceError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${(err as Error).message}'`,
      { field },
    )
  }
  const bad = unstorable(value)
  if (bad !== undefined) {
    throw new MillraceError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${bad} holds \\u0000 or an unpaired surrogate, which cannot be stored'`,
      { field },
    )
  }
  return value
}

/** A JSON path to the first string or key that PostgreSQL's jsonb cannot store, if any. */
function unstorable(value: JsonValue, path = '$'): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorable(value[i] as JsonValue, `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return path
      const found = unstorable(item, `${path}.${key}`)
      if (found !== undefined) return found
    }
  }
  return undefined
}
