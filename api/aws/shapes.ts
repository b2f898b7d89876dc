import type { JsonSchema } from '../extension.js'

/**
 * Helpers to write AWS request and response shapes as JSON schemas. Members are typed as AWS's
 * JSON 1.0 protocol sends them: strings, integers, booleans, structures, lists, and timestamps
 * as epoch seconds (numbers with a fraction).
 */

export type MemberType = 'string' | 'integer' | 'boolean' | 'object' | 'array' | 'timestamp'

/**
 * A request shape: the members with their types, `required` the ones AWS requires. Members not
 * listed are accepted and ignored (AWS ignores members it does not model).
 *
 * @example
 * requestShape({ executionArn: 'string', maxResults: 'integer' }, ['executionArn'])
 */
export function requestShape(
  members: Readonly<Record<string, MemberType>>,
  required: readonly string[] = [],
  descriptions: Readonly<Record<string, string>> = {},
): JsonSchema {
  return {
    type: 'object',
    // OpenAPI 3.0 wants a non-empty `required` or none.
    ...(required.length > 0 ? { required } : {}),
    properties: Object.fromEntries(
      Object.entries(members).map(([name, type]) => [name, member(type, descriptions[name])]),
    ),
  }
}

/** A response shape (documentation: the AWS door writes responses itself). */
export function responseShape(
  members: Readonly<Record<string, MemberType | JsonSchema>>,
  required: readonly string[] = [],
): JsonSchema {
  return {
    type: 'object',
    ...(required.length > 0 ? { required } : {}),
    properties: Object.fromEntries(
      Object.entries(members).map(([name, type]) => [
        name,
        typeof type === 'string' ? member(type) : type,
      ]),
    ),
  }
}

function member(type: MemberType, description?: string): JsonSchema {
  const schema: Record<string, unknown> =
    type === 'timestamp'
      ? { type: 'number', description: 'Epoch seconds (with milliseconds as the fraction).' }
      : { type }
  if (description !== undefined) schema['description'] = description
  return schema
}
