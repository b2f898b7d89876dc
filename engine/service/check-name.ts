import { MillraceError } from '../errors.js'
import { isStorableText } from './validation.js'

/**
 * AWS's rule for state machine and execution names: 1 to 80 characters, and none of whitespace,
 * brackets `< > { } [ ]`, wildcards `? *`, special characters `" # % \ ^ | ~ \` $ & , ; : /`,
 * or control characters (U+0000–001F, U+007F–009F). Anything else is allowed, including
 * non-ASCII letters. AWS: API reference, CreateStateMachine and StartExecution, "name".
 */
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u

export const MAX_NAME_LENGTH = 80

/**
 * Checks a state machine or execution name as AWS does; throws InvalidName, worded as AWS's
 * message (`Invalid Name: '…'`).
 *
 * @example
 * checkName('order-42') // 'order-42'
 * checkName('order 42') // throws InvalidName
 */
export function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string') {
    throw new MillraceError('InvalidName', `Invalid Name: ${field} must be a string`, { field })
  }
  // Length in characters (code points), as AWS counts it.
  const length = [...name].length
  if (length < 1 || length > MAX_NAME_LENGTH || FORBIDDEN.test(name) || !isStorableText(name)) {
    throw new MillraceError('InvalidName', `Invalid Name: '${name}'`, { field, name })
  }
  return name
}
