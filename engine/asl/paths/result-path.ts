import { AslError } from '../errors.js'
import { isObject, type JsonObject, type JsonValue } from '../json.js'

export type ResultPath =
  | { readonly kind: 'discard' } // ResultPath: null — the state's input passes through
  | { readonly kind: 'replace' } // ResultPath: "$" (the default) — the result is the output
  | {
      readonly kind: 'merge'
      readonly text: string
      readonly segments: readonly (string | number)[]
    }

/**
 * Put a state's result into its input at the reference path. Only the objects along the path
 * are copied: values are never mutated in place, so the rest is shared.
 *
 * AWS: "Specifying state output using ResultPath in Step Functions".
 */
export function applyResultPath(path: ResultPath, input: JsonValue, result: JsonValue): JsonValue {
  switch (path.kind) {
    case 'discard':
      return input
    case 'replace':
      return result
    case 'merge':
      try {
        return setAt(path, input, 0, result)
      } catch (err) {
        if (err !== NO_MATCH) throw err
        throw new AslError(
          'States.ResultPathMatchFailure',
          `Unable to apply ReferencePath ${path.text} to input ${JSON.stringify(JSON.stringify(input))}`,
        )
      }
  }
}

function setAt(
  path: Extract<ResultPath, { kind: 'merge' }>,
  node: JsonValue | undefined,
  depth: number,
  result: JsonValue,
): JsonValue {
  if (depth === path.segments.length) return result
  const seg = path.segments[depth] as string | number
  if (typeof seg === 'number') {
    if (!Array.isArray(node) || seg >= node.length) throw NO_MATCH
    const copy = node.slice()
    copy[seg] = setAt(path, node[seg], depth + 1, result)
    return copy
  }
  if (node === undefined) node = {}
  if (!isObject(node)) throw NO_MATCH
  const copy: JsonObject = { ...node }
  copy[seg] = setAt(path, node[seg], depth + 1, result)
  return copy
}

const NO_MATCH = new Error('ResultPath does not match the input')
