import { JSONPath } from 'jsonpath-plus'
import { AslError } from '../errors.js'
import { isObject, type JsonObject, type JsonValue } from '../json.js'
import {
  Budget,
  BudgetExceededError,
  FilterSyntaxError,
  parseFilter,
  unescapeJayway,
  type Filter,
} from './filter.js'

/**
 * Paths in ASL (JSONPath mode) read from one of three roots:
 * - `$`  the state's input (or whatever value the field applies to),
 * - `$$` the context object,
 * - `$name` a workflow variable (JSONPath states may read variables by name).
 *
 * A path is compiled once. Simple paths (names and integer indexes) become a list of segments
 * walked directly: that is the hot path. Anything else is parsed into tokens by Jayway JsonPath's
 * rules (AWS evaluates JSONPath with Jayway: json-path/JsonPath, `PathCompiler.java` and the
 * `*PathToken.java` files), then, once, routed to one of two evaluators:
 * - jsonpath-plus, given a path array built from the tokens, for the forms on which it selects
 *   exactly what Jayway does (see `routesToJsonPathPlus`; test/unit/asl/paths-jsonpath-plus.test.ts
 *   runs both evaluators over a corpus and holds that subset to exact agreement);
 * - the Jayway evaluator in this file for the rest: filters `[?(...)]` (see filter.ts),
 *   `.length()`, name unions that merge, `..` followed by an index, slices that Jayway bounds its
 *   own way, and every step jsonpath-plus would first read as a literal key.
 * Nothing in a path is ever run as code: jsonpath-plus always runs with `eval: false` and never
 * sees a filter, and script expressions `[(...)]` are refused.
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
  /** True for paths that can only ever select one node (no wildcard, `..`, slice, union or filter). */
  readonly definite: boolean
  /** AWS's bracket form of the path, `$['a'][0]`, quoted in error causes. */
  readonly normalized: string
  /**
   * The value at the path; an indefinite path answers the array of what it selects, possibly
   * empty. Throws PathNotFoundError when a definite path selects nothing, and an `AslError`
   * (States.Runtime) when a path needs more than MAX_EVALUATION_STEPS or MAX_REGEX_STEPS (paths
   * routed to jsonpath-plus do work linear in the document, or are bounded before they start).
   */
  evaluate(scope: PathScope): JsonValue
  /** Like evaluate, but answers undefined instead of throwing PathNotFoundError. */
  tryEvaluate(scope: PathScope): JsonValue | undefined
}

type Segment = string | number

/**
 * Nodes one evaluation may visit or select. A 256 KiB payload holds under 150,000 nodes, so a
 * `..` scan or a filter over all of it fits several times over, while `$..*..*` on a deeply
 * nested one (quadratic) does not, and fails the state instead of stalling the engine or holding
 * millions of results: 1,000,000 steps take well under a second and tens of MB at worst. Only
 * the Jayway evaluator counts steps; see MAX_PLUS_SCAN_WORK for the paths jsonpath-plus runs.
 */
export const MAX_EVALUATION_STEPS = 1_000_000
/** Regex states advanced per evaluation: a 20-state pattern over 1 MB of text fits. */
export const MAX_REGEX_STEPS = 20_000_000

const SIMPLE_NAME = /[A-Za-z_][A-Za-z0-9_-]*/y
const VARIABLE = /^\$([A-Za-z_][A-Za-z0-9_]*)/

/**
 * Compile a path such as `$.order.items[0]`, `$$.Execution.Id`, `$myVar.total` or
 * `$.users[?(@.status == 0)].name`.
 *
 * @example compilePath('$.a.b').evaluate({ input: { a: { b: 1 } }, context: {} }) // 1
 * @example compilePath('$.a[?(@.n > 1)]').evaluate({ input: { a: [{ n: 1 }, { n: 2 }] }, context: {} }) // [{ n: 2 }]
 */
export function compilePath(text: string): CompiledPath {
  const { root, variable, rest } = splitRoot(text)
  const simple = parseSimple(rest)
  if (simple) return simplePath(text, root, variable, simple)
  const tokens = parseTokens(text, rest)
  const plus = routesToJsonPathPlus(tokens) ? jsonPathPlusArray(tokens) : undefined
  return tokenPath(text, root, variable, tokens, plus)
}

/** The evaluators a path can run on: the direct walk, jsonpath-plus, or the Jayway one here. */
export type PathEvaluator = 'direct' | 'jsonpath-plus' | 'jayway'

/** Which evaluator compilePath runs `text` on. Throws PathSyntaxError as compilePath does. */
export function pathEvaluator(text: string): PathEvaluator {
  const { rest } = splitRoot(text)
  if (parseSimple(rest)) return 'direct'
  const tokens = parseTokens(text, rest)
  return routesToJsonPathPlus(tokens) && jsonPathPlusArray(tokens) ? 'jsonpath-plus' : 'jayway'
}

/**
 * For the differential test: `text` compiled for the evaluator given, whatever the routing rules
 * say (simple paths too). 'jsonpath-plus' throws PathSyntaxError for what cannot be handed to it
 * at all (filters, `.length()`, names it would parse as syntax); its safeguards against deep
 * documents stay on.
 */
export function compilePathFor(text: string, evaluator: 'jsonpath-plus' | 'jayway'): CompiledPath {
  const { root, variable, rest } = splitRoot(text)
  const tokens = parseTokens(text, rest)
  if (evaluator === 'jayway') return tokenPath(text, root, variable, tokens, undefined)
  const plus = jsonPathPlusArray(tokens)
  if (!plus) throw new PathSyntaxError(`The path '${text}' cannot be expressed for jsonpath-plus`)
  return tokenPath(text, root, variable, tokens, plus)
}

function splitRoot(text: string): { root: PathRoot; variable?: string; rest: string } {
  if (typeof text !== 'string' || !text.startsWith('$')) {
    throw new PathSyntaxError(`The path '${String(text)}' must start with '$'`)
  }
  if (text.startsWith('$$')) return { root: 'context', rest: text.slice(2) }
  const v = VARIABLE.exec(text)
  if (v) return { root: 'variable', variable: v[1], rest: text.slice(v[0].length) }
  return { root: 'input', rest: text.slice(1) }
}

/**
 * A reference path (ResultPath and the like): only names and indexes, one node. AWS forbids
 * wildcards, `..`, filters and slices here.
 */
export function compileReferencePath(text: string): readonly Segment[] {
  if (typeof text !== 'string' || !text.startsWith('$') || text.startsWith('$$')) {
    throw new PathSyntaxError(`The reference path '${String(text)}' must start with '$'`)
  }
  const segments = parseSimple(text.slice(1)) ?? referenceSegments(text)
  if (!segments) {
    throw new PathSyntaxError(`The value '${text}' is not a valid reference path`)
  }
  return segments
}

/** Bracket names with escapes (`['it\\'s']`): single names and indexes only. */
function referenceSegments(text: string): Segment[] | null {
  let tokens: Token[]
  try {
    tokens = parseTokens(text, text.slice(1))
  } catch {
    return null
  }
  const out: Segment[] = []
  for (const t of tokens) {
    if (t.kind === 'property' && t.names.length === 1) out.push(t.names[0] as string)
    else if (t.kind === 'index' && t.indexes.length === 1 && (t.indexes[0] as number) >= 0) {
      out.push(t.indexes[0] as number)
    } else return null
  }
  return out
}

/** AWS's bracket form of a path, `$['a'][0]`, used in error causes. */
export function normalizedPath(segments: readonly Segment[]): string {
  return '$' + segments.map((s) => (typeof s === 'number' ? `[${s}]` : `['${s}']`)).join('')
}

function rootValue(
  scope: PathScope,
  root: PathRoot,
  variable: string | undefined,
): JsonValue | undefined {
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

/**
 * Parse `.name`, `['name']`, `["name"]` and `[3]` segments. Returns null for anything else, which
 * then goes to the token parser. Linear in the length of the path (no slicing per segment).
 */
function parseSimple(rest: string): Segment[] | null {
  const out: Segment[] = []
  let i = 0
  while (i < rest.length) {
    const c = rest[i]
    if (c === '.') {
      SIMPLE_NAME.lastIndex = i + 1
      const m = SIMPLE_NAME.exec(rest)
      if (!m) return null
      out.push(m[0])
      i += 1 + m[0].length
    } else if (c === '[') {
      const close = rest.indexOf(']', i)
      if (close < 0) return null
      const inner = rest.slice(i + 1, close).trim()
      if (/^\d+$/.test(inner)) out.push(Number(inner))
      else if (/^'[^'\\]*'$/.test(inner) || /^"[^"\\]*"$/.test(inner)) out.push(inner.slice(1, -1))
      else return null
      i = close + 1
    } else {
      return null
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Everything that is not a simple path: Jayway's tokens, parsed by PathCompiler's rules and
// evaluated with the *PathToken.java semantics.
// ---------------------------------------------------------------------------------------------

type Token =
  /** `.a`, `['a']`; several names (`['a','b']`) merge into one object at the end of a path. */
  | { readonly kind: 'property'; readonly names: readonly string[] }
  | { readonly kind: 'index'; readonly indexes: readonly number[] }
  | { readonly kind: 'slice'; readonly from: number | undefined; readonly to: number | undefined }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'scan' }
  | { readonly kind: 'filter'; readonly filter: Filter }
  | { readonly kind: 'length' }

/**
 * A tokenized path, evaluated by jsonpath-plus when `plus` (its path array) is given, else by the
 * Jayway evaluator below.
 */
function tokenPath(
  text: string,
  root: PathRoot,
  variable: string | undefined,
  tokens: readonly Token[],
  plus: string[] | undefined,
): CompiledPath {
  const last = tokens.length - 1
  // Jayway's isTokenDefinite: a single name or index, several names only at the end (merged into
  // one object), length(); never a wildcard, scan, slice or filter.
  const definite = tokens.every((t, i) =>
    t.kind === 'property'
      ? t.names.length === 1 || i === last
      : t.kind === 'index'
        ? t.indexes.length === 1
        : t.kind === 'length',
  )
  const normalized = '$' + tokens.map(fragment).join('')
  const jayway = (base: JsonValue): JsonValue[] => {
    try {
      return evaluateTokens(tokens, base, new Budget(MAX_EVALUATION_STEPS, MAX_REGEX_STEPS))
    } catch (err) {
      if (!(err instanceof BudgetExceededError)) throw err
      throw new AslError(
        'States.Runtime',
        `The JSONPath '${text}' is too costly to evaluate on this input (${err.message})`,
      )
    }
  }
  const select = plus === undefined ? jayway : jsonPathPlusSelect(tokens, plus, jayway)
  const tryEvaluate = (scope: PathScope): JsonValue | undefined => {
    const base = rootValue(scope, root, variable)
    if (base === undefined) return definite ? undefined : []
    const found = select(base)
    return definite ? found[0] : found
  }
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

/** Jayway's `toString()` of a token, as it prints paths in PathNotFoundException messages. */
function fragment(t: Token): string {
  switch (t.kind) {
    case 'property':
      return `[${t.names.map((n) => `'${n}'`).join(',')}]`
    case 'index':
      return `[${t.indexes.join(',')}]`
    case 'slice':
      return `[${t.from ?? ''}:${t.to ?? ''}]`
    case 'wildcard':
      return '[*]'
    case 'scan':
      return '..'
    case 'filter':
      return '[?]'
    case 'length':
      return '.length()'
  }
}

/** Parse `rest`, the part of `text` after its root; positions in messages count from `text`. */
function parseTokens(text: string, rest: string): Token[] {
  const fail = (reason: string): never => {
    throw new PathSyntaxError(`The path '${text}' is not valid JSONPath: ${reason}`)
  }
  // Jayway trims the path; a leading blank is refused above (it must start with '$').
  let end = text.length
  while (end > 0 && isBlank(text[end - 1])) end--
  const src = text.slice(0, end)
  const tokens: Token[] = []
  let pos = text.length - rest.length
  if (pos < src.length && src[pos] !== '.' && src[pos] !== '[') {
    fail("expected '.' or '[' after the root")
  }
  while (pos < src.length) {
    const c = src[pos]
    if (c === '.') {
      if (src[pos + 1] === '.') {
        tokens.push({ kind: 'scan' })
        pos += 2
      } else {
        pos += 1
      }
      if (pos >= src.length) fail("a path must not end with '.' or '..'")
      if (src[pos] === '.') fail(`'.' at position ${pos} is not valid`)
      continue
    }
    if (c === '*') {
      tokens.push({ kind: 'wildcard' })
      pos++
      continue
    }
    if (c === '[') {
      pos = bracketToken(text, src, pos, tokens, fail)
      continue
    }
    // A name runs to the next '.', '[' or '(' (PathCompiler.readPropertyOrFunctionToken).
    const start = pos
    while (pos < src.length && src[pos] !== '.' && src[pos] !== '[' && src[pos] !== '(') {
      if (src[pos] === ' ') fail("use bracket notation ['my name'] for names with blanks")
      pos++
    }
    const name = src.slice(start, pos)
    if (src[pos] === '(') {
      if (src[pos + 1] !== ')' || name !== 'length') {
        fail(`the function '${name}(…)' is not supported; only length() is`)
      }
      tokens.push({ kind: 'length' })
      pos += 2
    } else {
      tokens.push({ kind: 'property', names: [name] })
    }
  }
  const lengthAt = tokens.findIndex((t) => t.kind === 'length')
  if (lengthAt >= 0 && lengthAt !== tokens.length - 1) fail("'.length()' must end the path")
  if (lengthAt >= 0 && tokens[0]?.kind === 'scan') {
    fail("'.length()' after a leading '..' is not supported")
  }
  return tokens
}

/** Parse the bracket token at `src[open]`, push it, and answer the position after its `]`. */
function bracketToken(
  text: string,
  src: string,
  open: number,
  tokens: Token[],
  fail: (reason: string) => never,
): number {
  let i = skipBlanks(src, open + 1)
  const c = src[i]
  if (c === "'" || c === '"') {
    const names: string[] = []
    for (;;) {
      if (src[i] !== c) fail(`expected ${c} at position ${i}`)
      const start = ++i
      while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1
      if (i >= src.length) fail(`unterminated name starting at position ${start - 1}`)
      names.push(unescapeJayway(src.slice(start, i)))
      i = skipBlanks(src, i + 1)
      if (src[i] === ']') break
      if (src[i] !== ',') fail(`expected ',' or ']' at position ${i}`)
      i = skipBlanks(src, i + 1)
    }
    tokens.push({ kind: 'property', names })
    return i + 1
  }
  if (c === '*') {
    i = skipBlanks(src, i + 1)
    if (src[i] !== ']') fail(`expected ']' after '*' at position ${i}`)
    tokens.push({ kind: 'wildcard' })
    return i + 1
  }
  if (c === '?') {
    try {
      const { filter, end } = parseFilter(src, open)
      tokens.push({ kind: 'filter', filter })
      return end
    } catch (err) {
      if (!(err instanceof FilterSyntaxError)) throw err
      throw new PathSyntaxError(
        `The path '${text}' has a filter millrace cannot compile: ${err.message}`,
      )
    }
  }
  if (c === '(') {
    throw new PathSyntaxError(
      `The path '${text}' uses a script expression '[(...)]', which millrace does not evaluate`,
    )
  }
  if (c !== undefined && (c === '-' || c === ':' || (c >= '0' && c <= '9'))) {
    const close = src.indexOf(']', i)
    if (close < 0) fail(`unclosed '[' at position ${open}`)
    const expr = src.slice(i, close).trim()
    if (expr.includes(':')) tokens.push(sliceToken(expr, fail))
    else tokens.push(indexToken(expr, fail))
    return close + 1
  }
  return fail(`unexpected ${c === undefined ? 'end' : `'${c}'`} after '[' at position ${open}`)
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n'
}

function skipBlanks(src: string, i: number): number {
  while (isBlank(src[i])) i++
  return i
}

const INT = /^-?\d+$/
const INT_MAX = 2 ** 31 - 1

function parseIndex(s: string, fail: (reason: string) => never): number {
  const n = Number(s)
  if (!INT.test(s) || Math.abs(n) > INT_MAX) fail(`'${s}' is not an array index`)
  return n
}

/** `[0]`, `[-1]`, `[0, 2]` (ArrayIndexOperation.parse). */
function indexToken(expr: string, fail: (reason: string) => never): Token {
  if (!/^[-, 0-9]+$/.test(expr)) fail(`'[${expr}]' is not a valid index`)
  const indexes = expr.split(',').map((s) => parseIndex(s.trim(), fail))
  return { kind: 'index', indexes }
}

/**
 * `[1:]`, `[:2]`, `[1:3]` (ArraySliceOperation.parse). Jayway reads only the first two numbers,
 * so a step (`[0:6:2]`) is ignored, exactly as on AWS; `[:]` and `[::2]` are invalid.
 */
function sliceToken(expr: string, fail: (reason: string) => never): Token {
  if (!/^[-:0-9]+$/.test(expr)) fail(`'[${expr}]' is not a valid slice`)
  const parts = expr.split(':')
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop() // Java's String.split
  const from = parts[0] ? parseIndex(parts[0], fail) : undefined
  const to = parts[1] ? parseIndex(parts[1], fail) : undefined
  if (from === undefined && to === undefined) fail(`'[${expr}]' is not a valid slice`)
  return { kind: 'slice', from, to }
}

/** A node waiting for token `at` (or, when `at` is past the last token, a result). */
interface Entry {
  readonly node: JsonValue
  readonly at: number
}

/**
 * Apply the tokens in order to an ordered list of nodes. Jayway walks depth first; applying each
 * token to the whole list in order gives the same order, and needs no recursion however long the
 * path or deep the document.
 */
function evaluateTokens(tokens: readonly Token[], root: JsonValue, budget: Budget): JsonValue[] {
  let frontier: Entry[] = [{ node: root, at: 0 }]
  for (let s = 0; s < tokens.length; s++) {
    const token = tokens[s] as Token
    const next: Entry[] = []
    const emit = (node: JsonValue, at = s + 1): void => {
      budget.spend(1)
      next.push({ node, at })
    }
    for (const entry of frontier) {
      if (entry.at !== s) next.push(entry)
      else applyToken(tokens, s, token, entry.node, root, emit, budget)
    }
    frontier = next
  }
  return frontier.map((e) => e.node)
}

function applyToken(
  tokens: readonly Token[],
  s: number,
  token: Token,
  node: JsonValue,
  root: JsonValue,
  emit: (node: JsonValue, at?: number) => void,
  budget: Budget,
): void {
  budget.spend(1)
  switch (token.kind) {
    case 'property': {
      if (!isObject(node)) return
      if (token.names.length > 1 && s === tokens.length - 1) {
        // Several names at the end of a path: one object holding those present
        // (PathToken.handleObjectProperty, "merged").
        const merged: JsonObject = {}
        for (const name of token.names) {
          if (Object.hasOwn(node, name)) setOwn(merged, name, node[name] as JsonValue)
        }
        emit(merged)
        return
      }
      for (const name of token.names) {
        if (Object.hasOwn(node, name)) emit(node[name] as JsonValue)
      }
      return
    }
    case 'index': {
      if (!Array.isArray(node)) return
      for (const index of token.indexes) {
        const i = index < 0 ? node.length + index : index
        if (i >= 0 && i < node.length) emit(node[i] as JsonValue)
      }
      return
    }
    case 'slice':
      if (Array.isArray(node)) slice(token.from, token.to, node, emit)
      return
    case 'wildcard':
      if (Array.isArray(node)) for (const v of node) emit(v)
      else if (isObject(node)) for (const k of Object.keys(node)) emit(node[k] as JsonValue)
      return
    case 'scan':
      scan(tokens, s + 1, node, root, emit, budget)
      return
    case 'filter':
      // On an array the filter tests each element; on an object it tests the object itself
      // (PredicatePathToken.evaluate).
      if (Array.isArray(node)) {
        for (const v of node) if (token.filter.test(v, root, budget)) emit(v)
      } else if (isObject(node) && token.filter.test(node, root, budget)) {
        emit(node)
      }
      return
    case 'length':
      // Jayway's length(): array length or key count; null for anything else.
      emit(Array.isArray(node) ? node.length : isObject(node) ? Object.keys(node).length : null)
      return
  }
}

/**
 * ArraySliceToken: `[from:]` and `[:to]` count negative bounds from the end; `[from:to]` does not
 * (it clamps `to` to the length and reads each index from `from`, a negative one from the end).
 */
function slice(
  from: number | undefined,
  to: number | undefined,
  array: readonly JsonValue[],
  emit: (node: JsonValue) => void,
): void {
  const len = array.length
  if (len === 0) return
  let start: number
  let end: number
  if (to === undefined) {
    start = Math.max(0, (from as number) < 0 ? len + (from as number) : (from as number))
    end = len
  } else if (from === undefined) {
    start = 0
    end = Math.min(len, to < 0 ? len + to : to)
  } else {
    start = from
    end = Math.min(len, to)
  }
  for (let i = start; i < end; i++) {
    const j = i < 0 ? len + i : i
    if (j >= 0 && j < len) emit(array[j] as JsonValue)
  }
}

/**
 * `..` followed by token `t` (ScanPathToken.walk): visit every object and array, depth first and
 * parent before children; where the token can apply, apply it. An array that matches hands its
 * elements straight to the token after `t` when `t` is not the last one (Jayway's walkArray
 * does this; `$..[0].a` reads `a` from every element).
 */
function scan(
  tokens: readonly Token[],
  t: number,
  start: JsonValue,
  root: JsonValue,
  emit: (node: JsonValue, at?: number) => void,
  budget: Budget,
): void {
  const target = tokens[t] as Token
  const leaf = t === tokens.length - 1
  const stack: JsonValue[] = [start]
  while (stack.length > 0) {
    const node = stack.pop() as JsonValue
    budget.spend(1)
    let children: JsonValue[]
    if (Array.isArray(node)) {
      if (scanMatches(target, leaf, node, root, budget)) {
        if (leaf) emit(node, t)
        else for (const v of node) emit(v, t + 1)
      }
      children = node
    } else if (isObject(node)) {
      if (scanMatches(target, leaf, node, root, budget)) emit(node, t)
      children = Object.values(node)
    } else {
      continue
    }
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i] as JsonValue
      if (typeof child === 'object' && child !== null) stack.push(child)
    }
  }
}

/** ScanPathToken's predicates: whether token `target` can apply to `node`. */
function scanMatches(
  target: Token,
  leaf: boolean,
  node: JsonValue,
  root: JsonValue,
  budget: Budget,
): boolean {
  switch (target.kind) {
    case 'property':
      if (!isObject(node)) return false
      if (target.names.length > 1 && !leaf) return true
      return target.names.every((n) => Object.hasOwn(node, n))
    case 'index':
    case 'slice':
      return Array.isArray(node)
    case 'wildcard':
      return true
    case 'filter':
      return target.filter.test(node, root, budget)
    case 'scan':
    case 'length':
      return false
  }
}

function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

// ---------------------------------------------------------------------------------------------
// jsonpath-plus: the forms it evaluates exactly as Jayway does. Each rule below stands for a
// disagreement found by test/unit/asl/paths-jsonpath-plus.test.ts, which runs both evaluators
// over a corpus of paths and documents and requires exact agreement on every routed path.
// ---------------------------------------------------------------------------------------------

/**
 * Names that can be handed to jsonpath-plus: it prints the path array back to a string and parses
 * that again (`JSONPath.toPathString`, `toPathArray`), so a name must hold nothing its syntax
 * gives a meaning to (quotes, brackets, `.`, `,`, `:`, `*`, `$`, `@`, `~`, `^`, `` ` ``, `?`, `(`).
 */
const PLUS_NAME = /^[\p{L}\p{N}_ -]+$/u
/**
 * Names jsonpath-plus reads differently: it looks a name up with `Object.hasOwn` on any value, so
 * on an array or a string it finds `length` and the indexes (`$[*].length`, `$[*].0`); Jayway
 * reads names on objects only.
 */
const PLUS_AMBIGUOUS_NAME = /^(?:\d+|length)$/
/** Tokens in a path handed to jsonpath-plus, which recurses a few frames per token. */
const MAX_PLUS_TOKENS = 64
/**
 * jsonpath-plus walks `..` by recursion and copies the path so far at every value it reaches: it
 * runs out of stack on a document nested about 1,500 deep, its work grows as values × depth
 * (`$..*` on 100,000 values 64 deep: ~600 ms, against ~15 ms here), it costs several times the
 * Jayway evaluator per value (`$..*` on 1,000,000 flat values: ~700 ms against ~100 ms) and it has
 * no step budget. So a path with `..` goes to jsonpath-plus only on a document at most
 * MAX_PLUS_DEPTH deep whose values, each counted once per level it sits below the root, number at
 * most MAX_PLUS_SCAN_WORK: about what the Jayway evaluator's whole budget costs in time (~100 ms),
 * and more than a typical 256 KiB payload weighs (9,000 records 3 deep: ~120,000). Anything else
 * goes to the Jayway evaluator, which selects the same nodes within its budget.
 */
const MAX_PLUS_DEPTH = 64
const MAX_PLUS_SCAN_WORK = 150_000

/**
 * Whether jsonpath-plus selects exactly what Jayway does for these tokens, on any document:
 * - no filter and no `.length()` (Jayway semantics, evaluated here);
 * - names other than `length` and digits (see PLUS_AMBIGUOUS_NAME); a union of names only before
 *   another step (a final one merges into one object in Jayway), and without repeats (cost);
 * - a wildcard, `..`, index, slice or name union only first or right after an index, slice or
 *   `..`: after a name or a wildcard, jsonpath-plus first looks the step's text up as a literal
 *   key (`$.a[*]` on `{"a": {"*": 1, "b": 2}}` selects `[1]`, Jayway `[1, 2]`);
 * - `..` followed by a name or a wildcard (`..[0]`, `..[1:]` hand an array's elements on in
 *   Jayway), and only once: the rule above already keeps a second one away, and it must stay so,
 *   since two are quadratic and only the Jayway evaluator counts steps;
 * - indexes are passed as one-element slices (`i:i+1`), which select on arrays only, as Jayway's
 *   indexes do (a plain index also reads an object's key "0" and a string's characters); and,
 *   for cost rather than semantics, a union of them must be distinct and of one sign, so that no
 *   union selects a node twice (`[0,0][0,0]…` doubles at each step) and the work stays linear;
 * - slices `[a:]`, `[:b]` with b ≠ 0, `[a:b]` with 0 ≤ a and 0 < b, or with a and b < 0: Jayway
 *   does not count a negative end from the end when both bounds are given, and jsonpath-plus reads
 *   an end of 0 as "to the end". A step is dropped at parse time (Jayway ignores it).
 */
function routesToJsonPathPlus(tokens: readonly Token[]): boolean {
  if (tokens.length === 0 || tokens.length > MAX_PLUS_TOKENS) return false
  let literalFirst = false
  let scans = 0
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token
    const next = tokens[i + 1]
    switch (token.kind) {
      case 'property':
        if (token.names.some((n) => PLUS_AMBIGUOUS_NAME.test(n))) return false
        if (token.names.length > 1) {
          if (literalFirst || next === undefined) return false
          if (new Set(token.names).size !== token.names.length) return false
        }
        literalFirst = true
        break
      case 'wildcard':
        if (literalFirst) return false
        literalFirst = true
        break
      case 'scan':
        if (literalFirst || ++scans > 1) return false
        if (next?.kind !== 'wildcard' && !(next?.kind === 'property' && next.names.length === 1)) {
          return false
        }
        break
      case 'index': {
        if (literalFirst || new Set(token.indexes).size !== token.indexes.length) return false
        const negative = token.indexes.filter((n) => n < 0).length
        if (negative !== 0 && negative !== token.indexes.length) return false
        break
      }
      case 'slice': {
        if (literalFirst) return false
        const { from, to } = token
        const agrees =
          to === undefined ||
          (from === undefined ? to !== 0 : (from >= 0 && to > 0) || (from < 0 && to < 0))
        if (!agrees) return false
        break
      }
      case 'filter':
      case 'length':
        return false
    }
  }
  return true
}

/**
 * The jsonpath-plus path array for `tokens`, or undefined when they cannot be expressed (a filter,
 * `.length()`, a name outside PLUS_NAME). An index `i` becomes the slice `i:i+1` (`-1:` for -1),
 * a union of them `0:1,2:3`; a union of names `a,b`. Checked to survive jsonpath-plus's own
 * print-and-parse round trip unchanged.
 */
function jsonPathPlusArray(tokens: readonly Token[]): string[] | undefined {
  const out = ['$']
  for (const token of tokens) {
    switch (token.kind) {
      case 'property':
        if (!token.names.every((n) => PLUS_NAME.test(n))) return undefined
        out.push(token.names.join(','))
        break
      case 'wildcard':
        out.push('*')
        break
      case 'scan':
        out.push('..')
        break
      case 'index':
        out.push(token.indexes.map((i) => (i === -1 ? '-1:' : `${i}:${i + 1}`)).join(','))
        break
      case 'slice':
        out.push(`${token.from ?? ''}:${token.to ?? ''}`)
        break
      case 'filter':
      case 'length':
        return undefined
    }
  }
  const reparsed = JSONPath.toPathArray(JSONPath.toPathString(out))
  if (reparsed.length !== out.length || reparsed.some((p, i) => p !== out[i])) return undefined
  return out
}

/**
 * Selection by jsonpath-plus (`eval: false`: it never runs code, and no filter reaches it).
 * Under a scalar no step selects anything (and jsonpath-plus answers undefined for a falsy
 * document). A `..` path on a document too deep or too large for jsonpath-plus, or any stack
 * overflow, goes to the Jayway evaluator, which selects the same nodes within its step budget.
 */
function jsonPathPlusSelect(
  tokens: readonly Token[],
  path: string[],
  jayway: (base: JsonValue) => JsonValue[],
): (base: JsonValue) => JsonValue[] {
  const scans = tokens.some((t) => t.kind === 'scan')
  return (base) => {
    if (base === null || typeof base !== 'object') return []
    if (scans && !fitsJsonPathPlus(base)) return jayway(base)
    try {
      return JSONPath<JsonValue[]>({ path, json: base, wrap: true, eval: false })
    } catch (err) {
      if (!(err instanceof RangeError)) throw err
      return jayway(base)
    }
  }
}

/** Whether a `..` over `value` is within MAX_PLUS_DEPTH and MAX_PLUS_SCAN_WORK (iterative). */
function fitsJsonPathPlus(value: JsonObject | JsonValue[]): boolean {
  const stack: (JsonObject | JsonValue[])[] = [value]
  const depths: number[] = [0]
  let work = 0
  while (stack.length > 0) {
    const node = stack.pop() as JsonObject | JsonValue[]
    const depth = (depths.pop() as number) + 1
    const children = Array.isArray(node) ? node : Object.values(node)
    work += children.length * depth
    if (work > MAX_PLUS_SCAN_WORK) return false
    for (const child of children) {
      if (typeof child !== 'object' || child === null) continue
      if (depth > MAX_PLUS_DEPTH) return false
      stack.push(child)
      depths.push(depth)
    }
  }
  return true
}
