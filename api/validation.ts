import { Ajv } from 'ajv'

/**
 * The two ajv instances behind every request schema.
 *
 * Bodies are JSON, so their types are checked as sent: `"5"` is not an integer, and an unknown
 * field is refused rather than dropped (fastify's defaults would coerce and silently remove).
 * Query strings and path parameters are text, so they are coerced (`?maxResults=5`,
 * `?reverseOrder=true`).
 */
export const bodyAjv = new Ajv({
  allErrors: false,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: false,
  strict: false,
})

export const queryAjv = new Ajv({
  allErrors: false,
  coerceTypes: true,
  removeAdditional: false,
  useDefaults: false,
  strict: false,
})
