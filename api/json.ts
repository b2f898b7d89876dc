import { MillraceError } from '../engine/errors.js'

/**
 * JSON from the network: parsed with messages that name the problem, and refused when it holds
 * a prototype-pollution key or nests deeper than the engine will walk. Both doors use it for the
 * request body, and for the JSON text a request carries (execution input, definitions).
 */

/**
 * Keys refused anywhere in a request body or a JSON text it carries. `JSON.parse` makes them own
 * properties (harmless in itself), but any later `Object.assign`, spread into a plain object or
 * deep merge in a library would turn them into a prototype change.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor'])

/**
 * Deepest nesting accepted. Real workflow data nests a few levels; this bound keeps every
 * recursive walk (paths, jsonb in PostgreSQL, logging) far from its stack limit.
 */
export const MAX_JSON_DEPTH = 200

/**
 * Parses a request body. Throws SerializationException naming the JSON error, and
 * ValidationException for a forbidden key or too deep nesting.
 *
 * @example
 * parseJsonBody('{"name":"a"}') // { name: 'a' }
 * parseJsonBody('{"name":') // throws SerializationException: The request body is not valid JSON: …
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new MillraceError(
      'SerializationException',
      `The request body is not valid JSON: ${(err as Error).message}`,
    )
  }
  checkJsonValue(value, 'the request body')
  return value
}

/**
 * Throws ValidationException when `value` holds a key of {@link FORBIDDEN_KEYS} or nests deeper
 * than {@link MAX_JSON_DEPTH}; the message names `where` and the JSON pointer. Iterative, so a
 * hostile depth cannot overflow the stack here.
 */
export function checkJsonValue(value: unknown, where: string): void {
  const stack: { value: unknown; pointer: string; depth: number }[] = [
    { value, pointer: '', depth: 0 },
  ]
  while (stack.length > 0) {
    const item = stack.pop()
    if (!item || item.value === null || typeof item.value !== 'object') continue
    if (item.depth >= MAX_JSON_DEPTH) {
      throw new MillraceError(
        'ValidationException',
        `${capitalize(where)} nests deeper than ${MAX_JSON_DEPTH} levels at ${item.pointer || '/'}`,
        { pointer: item.pointer },
      )
    }
    if (Array.isArray(item.value)) {
      item.value.forEach((child, i) =>
        stack.push({ value: child, pointer: `${item.pointer}/${i}`, depth: item.depth + 1 }),
      )
      continue
    }
    for (const key of Object.keys(item.value)) {
      const pointer = `${item.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
      if (FORBIDDEN_KEYS.has(key)) {
        throw new MillraceError(
          'ValidationException',
          `${capitalize(where)} holds the key '${key}' at ${pointer}, which is not allowed (prototype pollution)`,
          { pointer },
        )
      }
      stack.push({
        value: (item.value as Record<string, unknown>)[key],
        pointer,
        depth: item.depth + 1,
      })
    }
  }
}

/**
 * Checks JSON text a request carries (execution input, a definition) the way a body is checked.
 * Text that does not parse is left to the service layer, which answers AWS's error for it
 * (InvalidExecutionInput, InvalidDefinition).
 */
export function checkJsonText(text: unknown, where: string): void {
  if (typeof text !== 'string') return
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return
  }
  checkJsonValue(value, where)
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
