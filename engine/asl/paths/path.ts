import { JSONPath } from 'jsonpath-plus'
import { isObject, type JsonValue } from '../json.js'

/**
 * Paths in ASL (JSONPath mode) read from one of three roots:
 * - `$`  the state's input (or whatever value the field applies to),
 * - `$$` the context object,
 * - `$name` a workflow variable (JSONPath states may read variables by name).
 *
 * A path is compiled once: simple paths (names and integer indexes) become a list of segments
 * walked directly; anything else (wildcards, `..`, slices, unions) goes to jsonpath-plus as a
 * pre-parsed path array, with script and filter evaluation switched off.
 */

export interface PathScope {
  readonly input: JsonValue
  readonly context: JsonValue
  readonly variables?: Readonly<Record<string, JsonValue>>
}

export type PathRoot = 'input' | 'context' | 'variable'

export class PathSyntaxError extends Error {}

/** No value at the path. `normalized` is AWS's bracket form, e.g. `$['a']['b']`. */
export class PathNotFoundError extends Error {
  constructor(
    readonly path: string,
    readonly normalized: string,
  ) {
    super(`No results for path: ${normalized}`)
  }
}

export interface CompiledPath {
  readonly text: string
  readonly root: PathRoot
  /** Variable name when root is 'variable'. */
  readonly variable?: string
  /** True for paths that can only ever select one node (no wildcard, `..`, slice or union). */
  readonly definite: boolean
  /** AWS's bracket form of the path, `$['a'][0]`, quoted in error causes. */
  readonly normalized: string
  /** The value at the path. Throws PathNotFoundError when a definite path selects nothing. */
  evaluate(scope: PathScope): JsonValue
  /** Like evaluate, but answers undefined instead of throwing. */
  tryEvaluate(scope: PathScope): JsonValue | undefined
}

type Segment = string | number

const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*/
const VARIABLE = /^\$([A-Za-z_][A-Za-z0-9_]*)/

/**
 * Compile a path such as `$.order.items[0]`, `$$.Execution.Id` or `$myVar.total`.
 *
 * @example compilePath('$.a.b').evaluate({ input: { a: { b: 1 } }, context: {} }) // 1
 */
export function compilePath(text: string): CompiledPath {
  if (typeof text !== 'string' || !text.startsWith('$')) {
    throw new PathSyntaxError(`The path '${String(text)}' must start with '$'`)
  }
  let root: PathRoot = 'input'
  let variable: string | undefined
  let rest: string
  if (text.startsWith('$$')) {
    root = 'context'
    rest = text.slice(2)
  } else {
    const v = VARIABLE.exec(text)
    if (v) {
      root = 'variable'
      variable = v[1]
      rest = text.slice(v[0].length)
    } else {
      rest = text.slice(1)
    }
  }
  const simple = parseSimple(rest)
  if (simple) return simplePath(text, root, variable, simple)
  return jsonPath(text, root, variable, rest)
}

/**
 * A reference path (ResultPath and the like): only names and indexes, one node. AWS forbids
 * wildcards, `..`, filters and slices here.
 */
export function compileReferencePath(text: string): readonly Segment[] {
  if (typeof text !== 'string' || !text.startsWith('$') || text.startsWith('$$')) {
    throw new PathSyntaxError(`The reference path '${String(text)}' must start with '$'`)
  }
  const segments = parseSimple(text.slice(1))
  if (!segments) {
    throw new PathSyntaxError(`The value '${text}' is not a valid reference path`)
  }
  return segments
}

/** AWS's bracket form of a path, `$['a'][0]`, used in error causes. */
export function normalizedPath(segments: readonly Segment[]): string {
  return '$' + segments.map((s) => (typeof s === 'number' ? `[${s}]` : `['${s}']`)).join('')
}

function rootValue(scope: PathScope, root: PathRoot, variable: string | undefined): JsonValue | undefined {
  switch (root) {
    case 'input':
      return scope.input
    case 'context':
      return scope.context
    case 'variable': {
      const vars = scope.variables
      if (!vars || !Object.hasOwn(vars, variable as string)) return undefined
      return vars[variable as string]
    }
  }
}

function simplePath(
  text: string,
  root: PathRoot,
  variable: string | undefined,
  segments: readonly Segment[],
): CompiledPath {
  const tryEvaluate = (scope: PathScope): JsonValue | undefined => {
    let node = rootValue(scope, root, variable)
    for (const seg of segments) {
      if (node === undefined) return undefined
      node = step(node, seg)
    }
    return node
  }
  const normalized = normalizedPath(segments)
  return {
    text,
    root,
    ...(variable !== undefined ? { variable } : {}),
    definite: true,
    normalized,
    tryEvaluate,
    evaluate(scope) {
      const value = tryEvaluate(scope)
      if (value === undefined) throw new PathNotFoundError(text, normalized)
      return value
    },
  }
}

function step(node: JsonValue, seg: Segment): JsonValue | undefined {
  if (typeof seg === 'number') {
    if (!Array.isArray(node)) return undefined
    const i = seg < 0 ? node.length + seg : seg
    return node[i]
  }
  if (isObject(node)) return Object.hasOwn(node, seg) ? node[seg] : undefined
  return undefined
}

function jsonPath(
  text: string,
  root: PathRoot,
  variable: string | undefined,
  rest: string,
): CompiledPath {
  if (/\?\s*\(|\(\s*@|\(\s*\$/.test(rest)) {
    throw new PathSyntaxError(
      `The path '${text}' uses a filter or script expression, which millrace does not evaluate`,
    )
  }
  let pathArray: string[]
  try {
    pathArray = JSONPath.toPathArray('$' + rest).slice()
  } catch (err) {
    throw new PathSyntaxError(`The path '${text}' is not valid JSONPath: ${(err as Error).message}`)
  }
  if (pathArray.some((p) => p.startsWith('?(') || p.startsWith('('))) {
    throw new PathSyntaxError(
      `The path '${text}' uses a filter or script expression, which millrace does not evaluate`,
    )
  }
  const definite = !pathArray.some(
    (p) => p === '*' || p === '..' || p.includes(':') || p.includes(',') || p === '~',
  )
  const tryEvaluate = (scope: PathScope): JsonValue | undefined => {
    const base = rootValue(scope, root, variable)
    if (base === undefined) return definite ? undefined : []
    let found: JsonValue[]
    try {
      found = JSONPath({ path: pathArray, json: base as object, eval: false, wrap: true }) as JsonValue[]
    } catch {
      return undefined
    }
    if (definite) return found.length === 0 ? undefined : found[0]
    return found
  }
  const normalized = JSONPath.toPathString(pathArray)
  return {
    text,
    root,
    ...(variable !== undefined ? { variable } : {}),
    definite,
    normalized,
    tryEvaluate,
    evaluate(scope) {
      const value = tryEvaluate(scope)
      if (value === undefined) throw new PathNotFoundError(text, normalized)
      return value
    },
  }
}

/**
 * Parse `.name`, `['name']`, `["name"]` and `[3]` segments. Returns null for anything else, which
 * then goes to jsonpath-plus.
 */
function parseSimple(rest: string): Segment[] | null {
  const out: Segment[] = []
  let i = 0
  while (i < rest.length) {
    const c = rest[i]
    if (c === '.') {
      if (rest[i + 1] === '.') return null
      const m = SIMPLE_NAME.exec(rest.slice(i + 1))
      if (!m) return null
      out.push(m[0])
      i += 1 + m[0].length
    } else if (c === '[') {
      const close = rest.indexOf(']', i)
      if (close < 0) return null
      const inner = rest.slice(i + 1, close).trim()
      if (/^\d+$/.test(inner)) out.push(Number(inner))
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) out.push(inner.slice(1, -1))
      else return null
      i = close + 1
    } else {
      return null
    }
  }
  return out
}
