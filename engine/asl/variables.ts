import { AslError } from './errors.js'
import { jsonByteSize, type JsonObject, type JsonValue } from './json.js'
import type { Variables } from './types.js'

/**
 * AWS's size limits for workflow variables (AWS: "Passing data between states with variables",
 * Variable size limits), measured as the UTF-8 bytes of each value's JSON text:
 * - one variable holds at most 256 KiB;
 * - one Assign field assigns at most 256 KiB in all;
 * - the variables stored in one execution scope hold at most 10 MiB.
 */
export const MAX_VARIABLE_BYTES = 262_144
export const MAX_ASSIGN_BYTES = 262_144
export const MAX_STORED_VARIABLES_BYTES = 10_485_760

/**
 * Check one Assign's result against AWS's limits before it takes effect. `own` are the frame's
 * variables before the assignment, `outer` the enclosing scopes' (they count toward the stored
 * total, since an iteration holds both). Throws AslError('States.DataLimitExceeded').
 *
 * @example checkAssignment({ big: 'x'.repeat(300_000) }, undefined, undefined) // throws
 */
export function checkAssignment(
  assigned: JsonObject,
  own: Variables | undefined,
  outer: Variables | undefined,
): void {
  let total = 0
  for (const [name, value] of Object.entries(assigned)) {
    const size = jsonByteSize(value)
    if (size > MAX_VARIABLE_BYTES) {
      throw new AslError(
        'States.DataLimitExceeded',
        `The variable '${name}' has a size of ${size} bytes, exceeding the maximum of ${MAX_VARIABLE_BYTES} bytes for a single variable.`,
      )
    }
    total += size
  }
  if (total > MAX_ASSIGN_BYTES) {
    throw new AslError(
      'States.DataLimitExceeded',
      `The variables assigned by this state have a combined size of ${total} bytes, exceeding the maximum of ${MAX_ASSIGN_BYTES} bytes for one Assign field.`,
    )
  }
  const stored = { ...outer, ...own, ...assigned }
  const names = Object.keys(stored)
  // Every variable holds at most 256 KiB, so 40 of them cannot pass 10 MiB: only count beyond that.
  if (names.length * MAX_VARIABLE_BYTES <= MAX_STORED_VARIABLES_BYTES) return
  const storedBytes = names.reduce((sum, name) => sum + jsonByteSize(stored[name] as JsonValue), 0)
  if (storedBytes > MAX_STORED_VARIABLES_BYTES) {
    throw new AslError(
      'States.DataLimitExceeded',
      `The variables stored would have a combined size of ${storedBytes} bytes, exceeding the maximum of ${MAX_STORED_VARIABLES_BYTES} bytes.`,
    )
  }
}
