import { MillraceError } from '../errors.js'

/**
 * Request checks shared by the use cases. Messages follow AWS's wording for its constraint
 * failures ("1 validation error detected: Value at 'x' failed to satisfy constraint: …"), and
 * `details.field` names the request field, so both API doors can point at the problem.
 */

/** A ValidationException for one field, worded as AWS words it. */
export function validationError(field: string, constraint: string): MillraceError {
  return new MillraceError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
    { field },
  )
}

/** A required string of at most `max` characters. */
export function requireString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw validationError(field, 'Member must not be null')
  if (value.length === 0) {
    throw validationError(field, 'Member must have length greater than or equal to 1')
  }
  if (value.length > max) {
    throw validationError(field, `Member must have length less than or equal to ${max}`)
  }
  return value
}

/** An optional string of at most `max` characters (undefined and null mean absent). */
export function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw validationError(field, 'Member must be a string')
  if (value.length > max) {
    throw validationError(field, `Member must have length less than or equal to ${max}`)
  }
  return value
}

/** An optional boolean (undefined and null mean absent). */
export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw validationError(field, 'Member must be a boolean')
  return value
}

/**
 * True when the text can be stored in PostgreSQL text and jsonb: no NUL character (text refuses
 * it, jsonb refuses `\u0000`) and no unpaired UTF-16 surrogate (jsonb refuses `\ud800` alone).
 */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text)
}

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
