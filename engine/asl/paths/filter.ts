import { isObject, jsonEquals, type JsonObject, type JsonValue } from '../json.js'

/**
 * JSONPath filter expressions, `[?(@.status == 0 && @.name =~ /a.*z/i)]`, with the semantics of
 * Jayway JsonPath, which AWS Step Functions uses for JSONPath (json-path/JsonPath:
 * `internal/filter/FilterCompiler.java`, `EvaluatorFactory.java`, `ValueNodes.java`).
 *
 * A definition is user input, so nothing in it is ever run as code: the filter is parsed once,
 * at compile time, into the small AST below and evaluated by this file. Regular expressions run
 * on our own Thompson NFA (no backtracking), so their cost is linear in the input.
 *
 * Supported: `@`-relative and `$`-rooted definite paths (`@.a.b`, `@['x']`, `@[0]`, `@[-1]`,
 * optionally ending in `.length()`), literals (numbers, `'…'`/`"…"` strings, true, false, null,
 * arrays of those), `==` `!=` `<` `<=` `>` `>=` `=~ /re/flags` `in` `nin` `size` `empty`,
 * existence tests (`@.a`, `!@.a`), `&&`, `||`, `!` and parentheses.
 */

export class FilterSyntaxError extends Error {}

/** Thrown when an evaluation runs past its step budget (see Budget). */
export class BudgetExceededError extends Error {}

/**
 * Work allowed for one path evaluation. Indefinite paths multiply (`$..*..*` is quadratic) and a
 * regex costs input length × live states, so every evaluation carries a budget and is abandoned,
 * not hung, when it runs out. Node steps (nodes visited or selected) also bound memory, since
 * selected nodes are held until the path ends; regex steps cost time only, so they have their own
 * larger allowance.
 */
export class Budget {
  constructor(
    private nodes: number,
    private regex: number = nodes,
  ) {}

  /** Count nodes visited or selected. */
  spend(steps: number): void {
    this.nodes -= steps
    if (this.nodes < 0) throw new BudgetExceededError('JSONPath evaluation step budget exceeded')
  }

  /** Count regex states advanced. */
  spendRegex(steps: number): void {
    this.regex -= steps
    if (this.regex < 0) throw new BudgetExceededError('regular expression step budget exceeded')
  }
}

/** A compiled `[?(...)]`. */
export interface Filter {
  /** The filter text as written, `[?(@.a == 1)]`. */
  readonly text: string
  /** Whether `item` passes. `root` is the document the whole path is evaluated on (`$`). */
  test(item: JsonValue, root: JsonValue, budget: Budget): boolean
}

type Segment = string | number

interface OperandPath {
  readonly kind: 'path'
  readonly root: '@' | '$'
  readonly segments: readonly Segment[]
  /** Ends in `.length()`. */
  readonly length: boolean
}

type Operand =
  | OperandPath
  | { readonly kind: 'literal'; readonly value: JsonValue }
  | { readonly kind: 'pattern'; readonly pattern: Pattern }

type Relation = '==' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | 'in' | 'nin' | 'size' | 'empty'

type FilterExpr =
  | { readonly kind: 'or'; readonly of: readonly FilterExpr[] }
  | { readonly kind: 'and'; readonly of: readonly FilterExpr[] }
  | { readonly kind: 'not'; readonly of: FilterExpr }
  | { readonly kind: 'exists'; readonly path: OperandPath }
  | {
      readonly kind: 'compare'
      readonly op: Relation
      readonly left: Operand
      readonly right: Operand
    }

/** Nesting allowed for parentheses and `!` in a filter, and for groups in a regex. */
const MAX_NESTING = 32
/** NFA states a regex may compile to; `x{1000}` expands, so repetition counts are bounded too. */
const MAX_REGEX_STATES = 2000
const MAX_REPEAT = 1000

const SUPPORTED_OPERATORS = new Set(['==', '!=', '<', '<=', '>', '>=', '=~'])
const WORD_OPERATORS = new Set(['in', 'nin', 'size', 'empty'])
const UNSUPPORTED_WORD_OPERATORS = new Set([
  'subsetof',
  'anyof',
  'noneof',
  'contains',
  'all',
  'type',
  'matches',
])
// Both are unambiguous (each digit can only be matched one way), so they run in linear time on
// hostile text; DECIMAL is tested against strings from the input at run time.
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
/** java.math.BigDecimal's string form, which Jayway uses to compare a number with a string. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Parse the filter whose `[` is at `src[open]`; it runs to its closing `]`.
 *
 * @example parseFilter('$.a[?(@.b > 1)]', 3) // { filter, end: 15 }
 */
export function parseFilter(src: string, open: number): { filter: Filter; end: number } {
  const parser = new FilterParser(src, open + 1)
  const expr = parser.parse()
  const text = src.slice(open, parser.pos)
  return {
    end: parser.pos,
    filter: {
      text,
      test: (item, root, budget) => evaluate(expr, item, root, budget) === true,
    },
  }
}

/**
 * Jayway's `Utils.unescape`: `\\` `\'` `\"` `\n` `\r` `\t` `\f` `\b` `\uXXXX`; any other escaped
 * character stands for itself.
 *
 * @example unescapeJayway("it\\'s") // "it's"
 */
export function unescapeJayway(raw: string): string {
  if (!raw.includes('\\')) return raw
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const e = raw[++i]
    if (e === undefined) return out + '\\'
    if (e === 'u') {
      const hex = raw.slice(i + 1, i + 5)
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new FilterSyntaxError(`invalid escape '\\u${hex}'`)
      out += String.fromCharCode(parseInt(hex, 16))
      i += 4
    } else {
      out += ESCAPES[e] ?? e
    }
  }
  return out
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  f: '\f',
  b: '\b',
}

// ---------------------------------------------------------------------------------------------
// Parser. Grammar (FilterCompiler.java):
//   or      = and { '||' and }
//   and     = operand { '&&' operand }
//   operand = '!' operand | '!' path | '(' or ')' | value [ relation value ]
// The path compiler requires one outer group: `[?(...)]` (PathCompiler.readFilterToken).
// ---------------------------------------------------------------------------------------------

class FilterParser {
  pos: number
  private depth = 0

  constructor(
    private readonly src: string,
    start: number,
  ) {
    this.pos = start
  }

  parse(): FilterExpr {
    this.ws()
    this.expect('?')
    this.ws()
    const next = this.src[this.pos]
    if (next === ']' || next === ',') {
      throw new FilterSyntaxError(
        "placeholder filters '[?]' need Java predicates and are not supported",
      )
    }
    if (next !== '(') throw new FilterSyntaxError("a filter must be written '[?(...)]'")
    this.pos++
    const expr = this.or()
    this.ws()
    this.expect(')')
    this.ws()
    this.expect(']')
    return expr
  }

  private or(): FilterExpr {
    this.enter()
    const of = [this.and()]
    while (this.eat('||')) of.push(this.and())
    this.depth--
    return of.length === 1 ? (of[0] as FilterExpr) : { kind: 'or', of }
  }

  private and(): FilterExpr {
    const of = [this.unary()]
    while (this.eat('&&')) of.push(this.unary())
    return of.length === 1 ? (of[0] as FilterExpr) : { kind: 'and', of }
  }

  private unary(): FilterExpr {
    this.ws()
    const c = this.src[this.pos]
    if (c === '!') {
      this.pos++
      this.ws()
      const n = this.src[this.pos]
      if (n === '@' || n === '$') {
        const path = this.path()
        if (this.peekOperator()) {
          // Jayway silently ignores this '!' (`!@.a == 1` means `@.a == 1`); refuse rather than mislead.
          throw new FilterSyntaxError(
            "'!' before a path negates an existence test; write '!(@.a == 1)' to negate a comparison",
          )
        }
        return { kind: 'not', of: { kind: 'exists', path } }
      }
      this.enter()
      const of = this.unary()
      this.depth--
      return { kind: 'not', of }
    }
    if (c === '(') {
      this.pos++
      const expr = this.or()
      this.ws()
      this.expect(')')
      return expr
    }
    return this.relation()
  }

  private relation(): FilterExpr {
    const left = this.operand()
    const op = this.operator()
    if (op === undefined) {
      if (left.kind !== 'path') {
        throw new FilterSyntaxError(
          `expected a relational operator after a literal at position ${this.pos}`,
        )
      }
      return { kind: 'exists', path: left }
    }
    const right = this.operand()
    return { kind: 'compare', op, left, right }
  }

  private peekOperator(): boolean {
    const save = this.pos
    this.ws()
    const c = this.src[this.pos]
    this.pos = save
    return c !== undefined && ('<>=~!'.includes(c) || /[A-Za-z]/.test(c))
  }

  /** A relational operator, or undefined at `)`, `&&`, `||` and the end of the filter. */
  private operator(): Relation | undefined {
    this.ws()
    const start = this.pos
    const c = this.src[start]
    if (c === undefined) return undefined
    if ('<>=~!'.includes(c)) {
      while (this.pos < this.src.length && '<>=~!'.includes(this.src[this.pos] as string))
        this.pos++
      const op = this.src.slice(start, this.pos)
      if (!SUPPORTED_OPERATORS.has(op)) throw new FilterSyntaxError(`unsupported operator '${op}'`)
      return op as Relation
    }
    if (/[A-Za-z]/.test(c)) {
      while (this.pos < this.src.length && /[A-Za-z]/.test(this.src[this.pos] as string)) this.pos++
      const word = this.src.slice(start, this.pos)
      if (WORD_OPERATORS.has(word)) return word as Relation
      if (UNSUPPORTED_WORD_OPERATORS.has(word)) {
        throw new FilterSyntaxError(`the operator '${word}' is not supported`)
      }
      throw new FilterSyntaxError(`unknown operator '${word}'`)
    }
    if (c === ')' || c === ']' || c === '&' || c === '|') return undefined
    throw new FilterSyntaxError(`unexpected '${c}' at position ${start}`)
  }

  private operand(): Operand {
    this.ws()
    const c = this.src[this.pos]
    switch (c) {
      case '@':
      case '$':
        return this.path()
      case "'":
      case '"':
        return { kind: 'literal', value: this.string(c) }
      case '[':
        return { kind: 'literal', value: this.array() }
      case '/':
        return { kind: 'pattern', pattern: this.pattern() }
      case '{':
        throw new FilterSyntaxError('object literals are not supported in filters')
      case undefined:
        throw new FilterSyntaxError('the filter ends where a value was expected')
      default:
        return { kind: 'literal', value: this.scalar() }
    }
  }

  /** `@`/`$` followed by `.name`, `['name']`, `[index]`, optionally ending in `.length()`. */
  private path(): OperandPath {
    const src = this.src
    const root = src[this.pos] as '@' | '$'
    this.pos++
    if (root === '$' && /[$A-Za-z_]/.test(src[this.pos] ?? '')) {
      throw new FilterSyntaxError("only '@' and '$' paths can be used inside a filter")
    }
    const segments: Segment[] = []
    let length = false
    for (;;) {
      const c = src[this.pos]
      if (c === '.') {
        if (length) throw new FilterSyntaxError("'.length()' must end a path")
        this.pos++
        const n = src[this.pos]
        if (n === '.') throw new FilterSyntaxError("'..' is not supported inside a filter")
        if (n === '*') throw new FilterSyntaxError("'*' is not supported inside a filter")
        if (n === '[') continue
        const start = this.pos
        while (this.pos < src.length && !NAME_END.has(src[this.pos] as string)) this.pos++
        const name = src.slice(start, this.pos)
        if (name === '') throw new FilterSyntaxError(`expected a name at position ${start}`)
        if (src[this.pos] === '(') {
          if (src[this.pos + 1] !== ')' || name !== 'length') {
            throw new FilterSyntaxError(`the function '${name}(…)' is not supported; only length()`)
          }
          this.pos += 2
          length = true
        } else {
          segments.push(name)
        }
      } else if (c === '[') {
        if (length) throw new FilterSyntaxError("'.length()' must end a path")
        segments.push(this.bracket())
      } else {
        return { kind: 'path', root, segments, length }
      }
    }
  }

  private bracket(): Segment {
    this.pos++
    this.ws()
    const c = this.src[this.pos]
    let seg: Segment
    if (c === "'" || c === '"') {
      seg = this.string(c)
    } else {
      const m = /-?\d+/y
      m.lastIndex = this.pos
      const found = m.exec(this.src)
      if (!found) {
        throw new FilterSyntaxError(
          'paths inside a filter take names and indexes only (no wildcards, slices, unions or filters)',
        )
      }
      seg = Number(found[0])
      this.pos += found[0].length
    }
    this.ws()
    if (this.src[this.pos] !== ']') {
      throw new FilterSyntaxError(
        'paths inside a filter take names and indexes only (no wildcards, slices, unions or filters)',
      )
    }
    this.pos++
    return seg
  }

  private string(quote: string): string {
    const src = this.src
    const start = ++this.pos
    while (this.pos < src.length && src[this.pos] !== quote) {
      if (src[this.pos] === '\\') this.pos++
      this.pos++
    }
    if (this.pos >= src.length)
      throw new FilterSyntaxError(`unterminated string starting at ${start - 1}`)
    const raw = src.slice(start, this.pos)
    this.pos++
    return unescapeJayway(raw)
  }

  /** `true`, `false`, `null` or a number. */
  private scalar(): JsonValue {
    const m = /[A-Za-z]+|[-+.0-9eE]+/y
    m.lastIndex = this.pos
    const word = m.exec(this.src)?.[0] ?? ''
    let value: JsonValue
    if (word === 'true') value = true
    else if (word === 'false') value = false
    else if (word === 'null') value = null
    else if (NUMBER.test(word)) value = Number(word)
    else
      throw new FilterSyntaxError(
        `unexpected '${word || this.src[this.pos]}' at position ${this.pos}`,
      )
    this.pos += word.length
    return value
  }

  /** `['a', "b", 1, true, null]`: an array literal of scalars (for `in`, `nin`, `==`). */
  private array(): JsonValue[] {
    this.pos++
    const out: JsonValue[] = []
    this.ws()
    if (this.src[this.pos] === ']') {
      this.pos++
      return out
    }
    for (;;) {
      this.ws()
      const c = this.src[this.pos]
      if (c === "'" || c === '"') out.push(this.string(c))
      else if (c === '[' || c === '{') {
        throw new FilterSyntaxError(
          'array literals in filters hold strings, numbers, booleans and null',
        )
      } else out.push(this.scalar())
      this.ws()
      const n = this.src[this.pos]
      this.pos++
      if (n === ']') return out
      if (n !== ',') throw new FilterSyntaxError(`expected ',' or ']' in an array literal`)
    }
  }

  /** `/pattern/flags` (Jayway reads up to the next unescaped `/`). */
  private pattern(): Pattern {
    const src = this.src
    const start = ++this.pos
    while (this.pos < src.length && src[this.pos] !== '/') {
      if (src[this.pos] === '\\') this.pos++
      this.pos++
    }
    if (this.pos >= src.length) throw new FilterSyntaxError('unterminated regular expression')
    const source = src.slice(start, this.pos)
    this.pos++
    const flagStart = this.pos
    while (this.pos < src.length && /[A-Za-z]/.test(src[this.pos] as string)) this.pos++
    return compilePattern(source, src.slice(flagStart, this.pos))
  }

  private ws(): void {
    while (this.pos < this.src.length && WHITESPACE.has(this.src[this.pos] as string)) this.pos++
  }

  private eat(token: string): boolean {
    this.ws()
    if (!this.src.startsWith(token, this.pos)) return false
    this.pos += token.length
    return true
  }

  private expect(c: string): void {
    if (this.src[this.pos] !== c) {
      const found = this.src[this.pos]
      throw new FilterSyntaxError(
        `expected '${c}' at position ${this.pos} but found ${found === undefined ? 'the end' : `'${found}'`}`,
      )
    }
    this.pos++
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) {
      throw new FilterSyntaxError(`the filter nests deeper than ${MAX_NESTING} levels`)
    }
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])
/** Where a dotted name inside a filter path ends. */
const NAME_END = new Set([...'.[]() \t\n\r<>=~!&|,\'"'])

// ---------------------------------------------------------------------------------------------
// Evaluation. A verdict of undefined means Jayway threw while testing the item (for example
// `in` against a value that is not a list): PredicatePathToken.accept then rejects the item
// whatever the rest of the expression says.
// ---------------------------------------------------------------------------------------------

type Verdict = boolean | undefined
/** A filter value: JSON, a regex, or undefined for a path that selects nothing. */
type Value = JsonValue | Pattern | undefined

function evaluate(expr: FilterExpr, item: JsonValue, root: JsonValue, budget: Budget): Verdict {
  switch (expr.kind) {
    case 'or':
      for (const e of expr.of) {
        const v = evaluate(e, item, root, budget)
        if (v !== false) return v
      }
      return false
    case 'and':
      for (const e of expr.of) {
        const v = evaluate(e, item, root, budget)
        if (v !== true) return v
      }
      return true
    case 'not': {
      const v = evaluate(expr.of, item, root, budget)
      return v === undefined ? undefined : !v
    }
    case 'exists':
      // Jayway's existence check evaluates the path against the current item even when it is
      // written with `$` (ValueNodes.PathNode.evaluate passes ctx.item() as the document).
      return readPath(expr.path, item, budget) !== undefined
    case 'compare':
      return compare(
        expr.op,
        operandValue(expr.left, item, root, budget),
        operandValue(expr.right, item, root, budget),
        budget,
      )
  }
}

function operandValue(op: Operand, item: JsonValue, root: JsonValue, budget: Budget): Value {
  switch (op.kind) {
    case 'literal':
      return op.value
    case 'pattern':
      return op.pattern
    case 'path':
      return readPath(op, op.root === '@' ? item : root, budget)
  }
}

function readPath(path: OperandPath, base: JsonValue, budget: Budget): JsonValue | undefined {
  let node: JsonValue | undefined = base
  for (const seg of path.segments) {
    budget.spend(1)
    if (typeof seg === 'number') {
      if (!Array.isArray(node)) return undefined
      node = node[seg < 0 ? node.length + seg : seg]
    } else {
      if (!isObject(node) || !Object.hasOwn(node, seg)) return undefined
      node = node[seg]
    }
    if (node === undefined) return undefined
  }
  if (!path.length) return node
  // Jayway's length(): array length or key count; null for anything else.
  if (Array.isArray(node)) return node.length
  return isObject(node) ? Object.keys(node).length : null
}

function compare(op: Relation, l: Value, r: Value, budget: Budget): Verdict {
  switch (op) {
    case '==':
      return equals(l, r)
    case '!=':
      return !equals(l, r)
    case '<':
      return ordered(l, r, (c) => c < 0)
    case '<=':
      return ordered(l, r, (c) => c <= 0)
    case '>':
      return ordered(l, r, (c) => c > 0)
    case '>=':
      return ordered(l, r, (c) => c >= 0)
    case '=~':
      return regexMatch(l, r, budget)
    case 'in':
      return contains(r, l)
    case 'nin': {
      const v = contains(r, l)
      return v === undefined ? undefined : !v
    }
    case 'size': {
      if (typeof r !== 'number') return false
      const expected = Math.trunc(r)
      if (typeof l === 'string') return l.length === expected
      if (Array.isArray(l)) return l.length === expected
      if (isObject(l)) return expected === -1 // JsonNode.length() is -1 for an object
      return false
    }
    case 'empty': {
      if (typeof r !== 'boolean') return undefined // asBooleanNode() throws
      if (typeof l === 'string') return (l.length === 0) === r
      if (Array.isArray(l)) return (l.length === 0) === r
      if (isObject(l)) return (Object.keys(l).length === 0) === r
      return false
    }
  }
}

function isJson(v: Value): v is JsonValue[] | JsonObject {
  return typeof v === 'object' && v !== null && !(v instanceof Pattern)
}

/**
 * Jayway's `==` (EvaluatorFactory.EqualsEvaluator and the ValueNode equals methods): arrays and
 * objects compare deeply; a missing value equals nothing; other types never equal each other,
 * except number and string: `@.n == '1'` compares '1' as a decimal, `'1' == @.n` compares the
 * number's text.
 */
function equals(l: Value, r: Value): boolean {
  if (l === undefined || r === undefined || l instanceof Pattern || r instanceof Pattern)
    return false
  if (isJson(l) || isJson(r)) return isJson(l) && isJson(r) && jsonEquals(l, r)
  if (typeof l === 'number') {
    if (typeof r === 'number') return l === r
    return typeof r === 'string' && DECIMAL.test(r) && Number(r) === l
  }
  if (typeof l === 'string') {
    if (typeof r === 'string') return l === r
    return typeof r === 'number' && l === numberText(r)
  }
  return l === r
}

/** `<` `<=` `>` `>=`: numbers with numbers, strings with strings (UTF-16 order, as Java's compareTo). */
function ordered(l: Value, r: Value, test: (c: number) => boolean): boolean {
  if (typeof l === 'number' && typeof r === 'number') return test(l < r ? -1 : l > r ? 1 : 0)
  if (typeof l === 'string' && typeof r === 'string') return test(l < r ? -1 : l > r ? 1 : 0)
  return false
}

/** `in`: a list on the right (a value that is not a list makes Jayway throw: undefined). */
function contains(list: Value, v: Value): Verdict {
  if (Array.isArray(list)) return list.some((e) => equals(v, e))
  if (isObject(list)) return false
  return undefined
}

/** `=~`: Java's Pattern.matcher(input).matches(), so the whole input must match. */
function regexMatch(l: Value, r: Value, budget: Budget): boolean {
  const lp = l instanceof Pattern
  if (lp === r instanceof Pattern) return false
  const pattern = (lp ? l : r) as Pattern
  const other = lp ? r : l
  if (Array.isArray(other)) return other.some((e) => pattern.matches(regexInput(e), budget))
  return pattern.matches(regexInput(other), budget)
}

function regexInput(v: Value): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberText(v)
  if (typeof v === 'boolean') return String(v)
  return ''
}

/** A number as Java prints it for comparison (integers without a fraction). */
function numberText(n: number): string {
  return String(n)
}

// ---------------------------------------------------------------------------------------------
// Regular expressions: a java.util.regex subset compiled to a Thompson NFA and run by keeping
// the set of live states (Russ Cox, "Regular Expression Matching Can Be Simple And Fast"). The
// cost is O(input length × states) whatever the pattern, so `(a+)+$` cannot backtrack
// catastrophically. Only a yes/no full match is needed, so greedy and lazy quantifiers agree.
//
// Supported: literals and escapes (\t \n \r \f \a \e \xhh \x{h…} \uhhhh \0ooo \cX \Q…\E, escaped
// punctuation), `.`, classes `[a-z]` `[^…]` with \d \D \w \W \s \S, `^` `$` \b \B \A \z \Z,
// groups `(…)` `(?:…)` `(?<name>…)`, `|`, `*` `+` `?` `{n}` `{n,}` `{n,m}` (and their lazy `?`
// forms), flags i (ASCII case folding, Unicode with u), m, s, d.
// Refused: backreferences, lookaround, atomic groups, possessive quantifiers, inline flags,
// \p{…} classes, class unions and intersections, flags x and U.
// ---------------------------------------------------------------------------------------------

type CharTest = (cp: number) => boolean
type AssertKind = 'bol' | 'eol' | 'start' | 'end' | 'endZ' | 'word' | 'notWord'

type RegexNode =
  /** `cp` is set for a single literal character, which a class range may use as a bound. */
  | { readonly kind: 'char'; readonly test: CharTest; readonly cp?: number }
  | { readonly kind: 'assert'; readonly at: AssertKind }
  | { readonly kind: 'alt'; readonly of: readonly (readonly RegexNode[])[] }
  | {
      readonly kind: 'repeat'
      readonly node: RegexNode
      readonly min: number
      readonly max: number
    }

type NfaState =
  | { readonly op: 'char'; readonly test: CharTest; next: number }
  | { readonly op: 'split'; a: number; b: number }
  | { readonly op: 'assert'; readonly at: AssertKind; readonly next: number }
  | { readonly op: 'match' }

interface RegexFlags {
  readonly ignoreCase: boolean
  readonly unicodeCase: boolean
  readonly multiline: boolean
  readonly dotAll: boolean
  readonly unixLines: boolean
}

/** A compiled `/pattern/flags`. */
export class Pattern {
  constructor(
    readonly source: string,
    readonly flags: RegexFlags,
    private readonly states: readonly NfaState[],
    private readonly start: number,
  ) {}

  /** Whether the whole of `input` matches. */
  matches(input: string, budget: Budget): boolean {
    const cps = Array.from(input, (ch) => ch.codePointAt(0) as number)
    budget.spendRegex(cps.length + 1)
    const marks = new Int32Array(this.states.length).fill(-1)
    let current: number[] = []
    this.add(current, this.start, cps, 0, marks)
    for (let pos = 0; pos < cps.length; pos++) {
      if (current.length === 0) return false
      budget.spendRegex(current.length)
      const cp = cps[pos] as number
      const next: number[] = []
      for (const s of current) {
        const st = this.states[s] as NfaState
        if (st.op === 'char' && st.test(cp)) this.add(next, st.next, cps, pos + 1, marks)
      }
      current = next
    }
    return current.some((s) => (this.states[s] as NfaState).op === 'match')
  }

  /** Add a state and everything reachable from it without input (marks dedupe per position). */
  private add(
    list: number[],
    s: number,
    cps: readonly number[],
    pos: number,
    marks: Int32Array,
  ): void {
    const stack = [s]
    while (stack.length > 0) {
      const i = stack.pop() as number
      if (marks[i] === pos) continue
      marks[i] = pos
      const st = this.states[i] as NfaState
      switch (st.op) {
        case 'split':
          stack.push(st.b, st.a)
          break
        case 'assert':
          if (assertHolds(st.at, cps, pos, this.flags)) stack.push(st.next)
          break
        case 'char':
        case 'match':
          list.push(i)
          break
      }
    }
  }
}

function isLineTerminator(cp: number | undefined, flags: RegexFlags): boolean {
  if (cp === undefined) return false
  if (flags.unixLines) return cp === 0x0a
  return cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029
}

const WORD_CHAR = /[\p{L}\p{Nd}_]/u
function isWordChar(cp: number | undefined): boolean {
  return cp !== undefined && WORD_CHAR.test(String.fromCodePoint(cp))
}

/** Whether the rest of the input, from `pos`, is one final line terminator (Java's `$` and \Z). */
function atFinalTerminator(cps: readonly number[], pos: number, flags: RegexFlags): boolean {
  const rest = cps.length - pos
  if (rest === 0) return true
  if (rest === 1) return isLineTerminator(cps[pos], flags)
  return rest === 2 && !flags.unixLines && cps[pos] === 0x0d && cps[pos + 1] === 0x0a
}

function assertHolds(
  at: AssertKind,
  cps: readonly number[],
  pos: number,
  flags: RegexFlags,
): boolean {
  switch (at) {
    case 'start':
      return pos === 0
    case 'end':
      return pos === cps.length
    case 'endZ':
      return atFinalTerminator(cps, pos, flags)
    case 'bol':
      if (pos === 0) return true
      if (!flags.multiline || pos === cps.length) return false
      return isLineTerminator(cps[pos - 1], flags) && !(cps[pos - 1] === 0x0d && cps[pos] === 0x0a)
    case 'eol':
      if (!flags.multiline) return atFinalTerminator(cps, pos, flags)
      if (pos === cps.length) return true
      return isLineTerminator(cps[pos], flags) && !(cps[pos - 1] === 0x0d && cps[pos] === 0x0a)
    case 'word':
      return isWordChar(cps[pos - 1]) !== isWordChar(cps[pos])
    case 'notWord':
      return isWordChar(cps[pos - 1]) === isWordChar(cps[pos])
  }
}

/**
 * Compile `/source/flags` to an NFA.
 *
 * @example compilePattern('a+b', 'i').matches('AAB', new Budget(100)) // true
 */
export function compilePattern(source: string, flagText: string): Pattern {
  for (const f of flagText) {
    if (!'imsdu'.includes(f)) {
      throw new FilterSyntaxError(
        `the regular expression flag '${f}' is not supported (use i, m, s, d, u)`,
      )
    }
  }
  const flags: RegexFlags = {
    ignoreCase: flagText.includes('i'),
    unicodeCase: flagText.includes('u'),
    multiline: flagText.includes('m'),
    dotAll: flagText.includes('s'),
    unixLines: flagText.includes('d'),
  }
  const ast = new RegexParser(source, flags).parse()
  const states: NfaState[] = []
  const push = (s: NfaState): number => {
    if (states.length >= MAX_REGEX_STATES) {
      throw new FilterSyntaxError(
        `the regular expression /${source}/ is too large (over ${MAX_REGEX_STATES} states)`,
      )
    }
    states.push(s)
    return states.length - 1
  }
  const match = push({ op: 'match' })
  const start = compileNode(ast, match, push, states)
  return new Pattern(source, flags, states, start)
}

/** Compile `node` so that it continues with state `next`; answers its first state. */
function compileNode(
  node: RegexNode,
  next: number,
  push: (s: NfaState) => number,
  states: NfaState[],
): number {
  switch (node.kind) {
    case 'char':
      return push({ op: 'char', test: node.test, next })
    case 'assert':
      return push({ op: 'assert', at: node.at, next })
    case 'alt': {
      const starts = node.of.map((seq) => {
        let k = next
        for (let i = seq.length - 1; i >= 0; i--)
          k = compileNode(seq[i] as RegexNode, k, push, states)
        return k
      })
      let k = starts[starts.length - 1] as number
      for (let i = starts.length - 2; i >= 0; i--)
        k = push({ op: 'split', a: starts[i] as number, b: k })
      return k
    }
    case 'repeat': {
      let k = next
      if (node.max === Infinity) {
        const loop = push({ op: 'split', a: -1, b: next })
        const body = compileNode(node.node, loop, push, states)
        ;(states[loop] as { a: number }).a = body
        k = loop
      } else {
        for (let i = node.min; i < node.max; i++) {
          k = push({ op: 'split', a: compileNode(node.node, k, push, states), b: k })
        }
      }
      for (let i = 0; i < node.min; i++) k = compileNode(node.node, k, push, states)
      return k
    }
  }
}

class RegexParser {
  private pos = 0
  private depth = 0

  constructor(
    private readonly src: string,
    private readonly flags: RegexFlags,
  ) {}

  parse(): RegexNode {
    const node = this.alternation()
    if (this.pos < this.src.length) this.fail("unmatched ')'")
    return node
  }

  private alternation(): RegexNode {
    if (++this.depth > MAX_NESTING) this.fail(`groups nest deeper than ${MAX_NESTING} levels`)
    const of: RegexNode[][] = [this.sequence()]
    while (this.src[this.pos] === '|') {
      this.pos++
      of.push(this.sequence())
    }
    this.depth--
    return { kind: 'alt', of }
  }

  private sequence(): RegexNode[] {
    const seq: RegexNode[] = []
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]
      if (c === '|' || c === ')') break
      if (this.src.startsWith('\\Q', this.pos)) {
        // \Q…\E quotes literally; a following quantifier applies to the last character only.
        const end = this.src.indexOf('\\E', this.pos + 2)
        const text = this.src.slice(this.pos + 2, end < 0 ? this.src.length : end)
        this.pos = end < 0 ? this.src.length : end + 2
        const chars = Array.from(text, (ch) => this.literal(ch.codePointAt(0) as number))
        const last = chars.pop()
        seq.push(...chars)
        if (last) seq.push(this.quantified(last))
        continue
      }
      const atom = this.atom()
      seq.push(this.quantified(atom))
    }
    return seq
  }

  private quantified(atom: RegexNode): RegexNode {
    const c = this.src[this.pos]
    let min: number
    let max: number
    if (c === '*') [min, max] = [0, Infinity]
    else if (c === '+') [min, max] = [1, Infinity]
    else if (c === '?') [min, max] = [0, 1]
    else if (c === '{') {
      const m = /\{(\d+)(,(\d*))?\}/y
      m.lastIndex = this.pos
      const found = m.exec(this.src)
      if (!found) this.fail("illegal repetition '{'")
      min = Number(found[1])
      max = found[2] === undefined ? min : found[3] === '' ? Infinity : Number(found[3])
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) {
        this.fail(`repetition counts above ${MAX_REPEAT} are not supported`)
      }
      if (max < min) this.fail('illegal repetition range')
      this.pos += found[0].length - 1
    } else {
      return atom
    }
    this.pos++
    if (atom.kind === 'assert') this.fail('a quantifier cannot follow an anchor')
    const mode = this.src[this.pos]
    if (mode === '+') this.fail('possessive quantifiers are not supported')
    if (mode === '?') this.pos++
    const next = this.src[this.pos]
    if (
      next === '*' ||
      next === '+' ||
      next === '?' ||
      (next === '{' && /^\{\d/.test(this.src.slice(this.pos, this.pos + 2)))
    ) {
      this.fail('a quantifier cannot follow another quantifier')
    }
    return { kind: 'repeat', node: atom, min, max }
  }

  private atom(): RegexNode {
    const c = this.src[this.pos] as string
    switch (c) {
      case '(':
        return this.group()
      case '[':
        return this.charClass()
      case '.': {
        this.pos++
        const flags = this.flags
        return {
          kind: 'char',
          test: flags.dotAll ? () => true : (cp) => !isLineTerminator(cp, flags),
        }
      }
      case '^':
        this.pos++
        return { kind: 'assert', at: 'bol' }
      case '$':
        this.pos++
        return { kind: 'assert', at: 'eol' }
      case '\\':
        return this.escape()
      case '*':
      case '+':
      case '?':
        return this.fail(`dangling meta character '${c}'`)
      case '{':
        return this.fail("illegal repetition '{'")
      default: {
        const cp = this.src.codePointAt(this.pos) as number
        this.pos += cp > 0xffff ? 2 : 1
        return this.literal(cp)
      }
    }
  }

  private group(): RegexNode {
    this.pos++
    if (this.src[this.pos] === '?') {
      const kind = this.src[this.pos + 1]
      if (kind === ':') {
        this.pos += 2
      } else if (kind === '<' && /[A-Za-z]/.test(this.src[this.pos + 2] ?? '')) {
        const close = this.src.indexOf('>', this.pos)
        if (close < 0) this.fail('unterminated group name')
        this.pos = close + 1
      } else {
        return this.fail(
          'lookaround, atomic groups and inline flags are not supported (only (…), (?:…) and (?<name>…))',
        )
      }
    }
    const node = this.alternation()
    if (this.src[this.pos] !== ')') this.fail("unclosed group '('")
    this.pos++
    return node
  }

  private charClass(): RegexNode {
    this.pos++
    const negate = this.src[this.pos] === '^'
    if (negate) this.pos++
    const tests: CharTest[] = []
    let first = true
    for (;;) {
      const c = this.src[this.pos]
      if (c === undefined) this.fail("unclosed character class '['")
      if (c === ']') {
        if (first) this.fail("a character class cannot be empty or start with ']'")
        this.pos++
        break
      }
      if (c === '[' || (c === '&' && this.src[this.pos + 1] === '&')) {
        this.fail('character class unions and intersections are not supported')
      }
      first = false
      const lo = this.classAtom()
      if (typeof lo !== 'number') {
        tests.push(lo)
        continue
      }
      if (
        this.src[this.pos] === '-' &&
        this.src[this.pos + 1] !== ']' &&
        this.src[this.pos + 1] !== undefined
      ) {
        this.pos++
        const hi = this.classAtom()
        if (typeof hi !== 'number') this.fail('illegal character range')
        if (hi < lo) this.fail('illegal character range')
        tests.push(this.fold((cp) => cp >= lo && cp <= hi))
      } else {
        tests.push(this.fold((cp) => cp === lo))
      }
    }
    const any: CharTest = (cp) => tests.some((t) => t(cp))
    return { kind: 'char', test: negate ? (cp) => !any(cp) : any }
  }

  /** One character in a class, or a class escape such as \d. */
  private classAtom(): number | CharTest {
    if (this.src[this.pos] === '\\') {
      const node = this.escape(true)
      if (node.kind === 'char') return node.cp ?? node.test
      return this.fail('anchors cannot appear in a character class')
    }
    const cp = this.src.codePointAt(this.pos) as number
    this.pos += cp > 0xffff ? 2 : 1
    return cp
  }

  private escape(inClass = false): RegexNode {
    this.pos++
    const c = this.src[this.pos]
    if (c === undefined) return this.fail('trailing backslash')
    this.pos++
    switch (c) {
      case 'd':
        return { kind: 'char', test: isDigit }
      case 'D':
        return { kind: 'char', test: (cp) => !isDigit(cp) }
      case 'w':
        return { kind: 'char', test: isAsciiWord }
      case 'W':
        return { kind: 'char', test: (cp) => !isAsciiWord(cp) }
      case 's':
        return { kind: 'char', test: isSpace }
      case 'S':
        return { kind: 'char', test: (cp) => !isSpace(cp) }
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
        if (inClass) return this.fail(`'\\${c}' cannot appear in a character class`)
        return {
          kind: 'assert',
          at:
            c === 'b'
              ? 'word'
              : c === 'B'
                ? 'notWord'
                : c === 'A'
                  ? 'start'
                  : c === 'z'
                    ? 'end'
                    : 'endZ',
        }
      case 't':
        return this.literal(0x09)
      case 'n':
        return this.literal(0x0a)
      case 'r':
        return this.literal(0x0d)
      case 'f':
        return this.literal(0x0c)
      case 'a':
        return this.literal(0x07)
      case 'e':
        return this.literal(0x1b)
      case 'x': {
        const m = /\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2})/y
        m.lastIndex = this.pos
        const found = m.exec(this.src)
        if (!found) return this.fail('illegal hexadecimal escape')
        this.pos += found[0].length
        const cp = parseInt(found[1] ?? (found[2] as string), 16)
        if (cp > 0x10ffff) return this.fail('hexadecimal code point out of range')
        return this.literal(cp)
      }
      case 'u': {
        const hex = this.src.slice(this.pos, this.pos + 4)
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return this.fail('illegal Unicode escape')
        this.pos += 4
        return this.literal(parseInt(hex, 16))
      }
      case '0': {
        const m = /[0-3][0-7]{0,2}|[0-7]{1,2}/y
        m.lastIndex = this.pos
        const found = m.exec(this.src)
        if (!found) return this.fail('illegal octal escape')
        this.pos += found[0].length
        return this.literal(parseInt(found[0], 8))
      }
      case 'c': {
        const ch = this.src.charCodeAt(this.pos)
        if (Number.isNaN(ch)) return this.fail('illegal control escape')
        this.pos++
        return this.literal(ch ^ 64)
      }
      case 'Q':
        return this.fail("'\\Q' cannot appear in a character class")
      case 'p':
      case 'P':
        return this.fail('Unicode property classes \\p{…} are not supported')
      case 'k':
        return this.fail('backreferences are not supported')
      default:
        if (/[1-9]/.test(c)) return this.fail('backreferences are not supported')
        if (/[A-Za-z0-9]/.test(c)) return this.fail(`the escape '\\${c}' is not supported`)
        return this.literal(c.codePointAt(0) as number)
    }
  }

  private literal(cp: number): RegexNode {
    return { kind: 'char', test: this.fold((x) => x === cp), cp }
  }

  /** Apply case-insensitive matching to a positive test. */
  private fold(test: CharTest): CharTest {
    if (!this.flags.ignoreCase) return test
    const unicode = this.flags.unicodeCase
    return (cp) =>
      test(cp) || test(otherCase(cp, unicode, true)) || test(otherCase(cp, unicode, false))
  }

  private fail(message: string): never {
    throw new FilterSyntaxError(`invalid regular expression /${this.src}/: ${message}`)
  }
}

function isDigit(cp: number): boolean {
  return cp >= 0x30 && cp <= 0x39
}

function isAsciiWord(cp: number): boolean {
  return isDigit(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f
}

function isSpace(cp: number): boolean {
  return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d)
}

/** Java's CASE_INSENSITIVE folds US-ASCII only; with UNICODE_CASE it folds every letter. */
function otherCase(cp: number, unicode: boolean, upper: boolean): number {
  if (!unicode) {
    if (upper && cp >= 0x61 && cp <= 0x7a) return cp - 32
    if (!upper && cp >= 0x41 && cp <= 0x5a) return cp + 32
    return cp
  }
  const s = String.fromCodePoint(cp)
  const t = upper ? s.toUpperCase() : s.toLowerCase()
  const out = t.codePointAt(0) as number
  return t.length === String.fromCodePoint(out).length ? out : cp
}
