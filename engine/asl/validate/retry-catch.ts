import { isObject } from '../json.js'
import type { StateInfo, ValidationContext } from './context.js'
import { ISSUE_CODES } from './issues.js'

/**
 * Retriers and catchers beyond their shape (the schema checks ErrorEquals is non-empty, the
 * numeric bounds and JitterStrategy).
 *
 * AWS: "Error handling" — "States.ALL ... must appear alone in the ErrorEquals array and must
 * appear in the last retrier/catcher".
 */
export function checkRetryCatch(ctx: ValidationContext, info: StateInfo): void {
  for (const field of ['Retry', 'Catch'] as const) {
    const list = info.node?.[field]
    if (!Array.isArray(list)) continue
    const noun = field === 'Retry' ? 'retrier' : 'catcher'
    list.forEach((item, i) => {
      if (!isObject(item)) return
      const names = item['ErrorEquals']
      if (!Array.isArray(names) || !names.includes('States.ALL')) return
      const at = [...info.location, field, i, 'ErrorEquals']
      if (names.length > 1) {
        ctx.sink.error(
          ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
          at,
          `${info.subject}: '${field}[${i}].ErrorEquals' lists 'States.ALL' with other error ` +
            `names; 'States.ALL' must appear alone`,
        )
      }
      if (i !== list.length - 1) {
        ctx.sink.error(
          ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
          at,
          `${info.subject}: '${field}[${i}]' matches 'States.ALL' but is not the last ${noun}; ` +
            `a ${noun} with 'States.ALL' must come last`,
        )
      }
    })
  }
}
