import { AslError } from '../errors.js'
import { isObject, type JsonObject, type JsonValue } from '../json.js'
import { compilePath, type CompiledPath, type PathScope } from '../paths/path.js'
import { compileWildcard, wildcardMatches, type WildcardPattern } from './string-matches.js'
import { compareInstants, parseTimestamp, type Instant } from './timestamp.js'

/**
 * Choice Rules in JSONPath mode: `{ "Variable": "$.x", "NumericEquals": 1 }`, the `…Path`
 * variants, the `Is…` type tests, and `And`, `Or`, `Not`.
 *
 * AWS: "Choice workflow state", Choice Rules (JSONPath).
 * - A comparison whose Variable (or `…Path` operand) holds a value of the wrong type is false,
 *   never an error: NumericEquals on "1", StringEquals on null, BooleanEquals on 0 (the
 *   `choice-operators` conformance recordings).
 * - A Variable or `…Path` operand that selects nothing fails the execution with States.Runtime,
 *   except under IsPresent, which exists to ask exactly that. The recordings hold no such case; the
 *   cause text is the one AWS users report (see `read` below).
 * - Numbers compare as numbers (1 equals 1.0, -0 equals 0); strings by Unicode code point;
 *   timestamps as instants, so `…T20:00:00+01:00` equals `…T19:00:00Z`.
 */

export type ValueType = 'String' | 'Numeric' | 'Boolean' | 'Timestamp'
export type Comparator =
  'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals'
export type TypeTest = 'IsNull' | 'IsNumeric' | 'IsString' | 'IsBoolean' | 'IsTimestamp'

/** A comparison operand after type checking: the Timestamp type is held as an Instant. */
export type Comparable = string | number | boolean | Instant

export type CompiledChoiceRule =
  | { readonly kind: 'And'; readonly rules: readonly CompiledChoiceRule[] }
  | { readonly kind: 'Or'; readonly rules: readonly CompiledChoiceRule[] }
  | { readonly kind: 'Not'; readonly rule: CompiledChoiceRule }
  | { readonly kind: 'IsPresent'; readonly variable: CompiledPath; readonly expected: boolean }
  | {
      readonly kind: 'TypeTest'
      readonly test: TypeTest
      readonly variable: CompiledPath
      readonly expected: boolean
    }
  | {
      readonly kind: 'Compare'
      readonly operator: string
      readonly type: ValueType
      readonly comparator: Comparator
      readonly variable: CompiledPath
      readonly value: Comparable
    }
  | {
      readonly kind: 'ComparePath'
      readonly operator: string
      readonly type: ValueType
      readonly comparator: Comparator
      readonly variable: CompiledPath
      readonly path: CompiledPath
    }
  | {
      readonly kind: 'StringMatches'
      readonly variable: CompiledPath
      readonly pattern: WildcardPattern
    }

interface Comparison {
  readonly type: ValueType
  readonly comparator: Comparator
  readonly path: boolean
}

const COMPARATORS: readonly Comparator[] = [
  'Equals',
  'LessThan',
  'GreaterThan',
  'LessThanEquals',
  'GreaterThanEquals',
]

/** StringEquals, StringEqualsPath, … NumericGreaterThanEqualsPath, BooleanEquals(Path). */
const COMPARISONS = new Map<string, Comparison>()
for (const type of ['String', 'Numeric', 'Timestamp'] as const) {
  for (const comparator of COMPARATORS) {
    COMPARISONS.set(type + comparator, { type, comparator, path: false })
    COMPARISONS.set(type + comparator + 'Path', { type, comparator, path: true })
  }
}
COMPARISONS.set('BooleanEquals', { type: 'Boolean', comparator: 'Equals', path: false })
COMPARISONS.set('BooleanEqualsPath', { type: 'Boolean', comparator: 'Equals', path: true })

const TYPE_TESTS: ReadonlySet<string> = new Set<TypeTest>([
  'IsNull',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
])

/** Fields a rule may carry besides its operator. Next and Assign only on a top-level rule. */
const FIELDS: ReadonlySet<string> = new Set(['Variable', 'Next', 'Comment', 'Assign'])

/**
 * Compile one Choice Rule (a member of a Choice state's `Choices`) once, with its paths. Throws an
 * Error naming the JSON pointer of the offending field when the rule is malformed.
 *
 * @example
 * const rule = compileChoiceRule(
 *   { Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' },
 *   '/States/Check/Choices/0',
 * )
 * evaluateChoiceRule(rule, { input: { n: 11 }, context: {} }) // true
 */
export function compileChoiceRule(rule: JsonObject, location: string): CompiledChoiceRule {
  return compileRule(rule, location, false)
}

/**
 * Evaluate a compiled rule against the state's effective input (and context and variables).
 * Throws AslError('States.Runtime', …) when a path the rule needs selects nothing.
 *
 * @example
 * evaluateChoiceRule(rule, { input: { n: '11' }, context: {} }) // false: "11" is no number
 * evaluateChoiceRule(rule, { input: {}, context: {} }) // throws States.Runtime: Invalid path '$.n': …
 */
export function evaluateChoiceRule(rule: CompiledChoiceRule, scope: PathScope): boolean {
  switch (rule.kind) {
    case 'And':
      return rule.rules.every((r) => evaluateChoiceRule(r, scope))
    case 'Or':
      return rule.rules.some((r) => evaluateChoiceRule(r, scope))
    case 'Not':
      return !evaluateChoiceRule(rule.rule, scope)
    case 'IsPresent':
      return (rule.variable.tryEvaluate(scope) !== undefined) === rule.expected
    case 'TypeTest':
      return hasType(rule.test, read(rule.variable, scope)) === rule.expected
    case 'Compare': {
      const left = asType(rule.type, read(rule.variable, scope))
      return left !== undefined && holds(rule.comparator, order(left, rule.value))
    }
    case 'ComparePath': {
      const left = asType(rule.type, read(rule.variable, scope))
      const right = asType(rule.type, read(rule.path, scope))
      return left !== undefined && right !== undefined && holds(rule.comparator, order(left, right))
    }
    case 'StringMatches': {
      const value = read(rule.variable, scope)
      return typeof value === 'string' && wildcardMatches(rule.pattern, value)
    }
  }
}

function compileRule(rule: JsonValue, at: string, nested: boolean): CompiledChoiceRule {
  if (!isObject(rule)) throw malformed(at, 'a Choice Rule must be a JSON object')
  for (const key of nested ? ['Next', 'Assign'] : []) {
    if (key in rule) throw malformed(`${at}/${key}`, 'is only allowed on a top-level Choice Rule')
  }
  const operators = Object.keys(rule).filter((key) => !FIELDS.has(key))
  if (operators.length === 0) {
    throw malformed(at, 'the Choice Rule has no comparison operator (or And, Or, Not)')
  }
  if (operators.length > 1) {
    throw malformed(
      at,
      `a Choice Rule can only have one comparison operator, found ${operators.join(', ')}`,
    )
  }
  const operator = operators[0] as string
  const value = rule[operator] as JsonValue
  const field = `${at}/${operator}`

  if (operator === 'And' || operator === 'Or' || operator === 'Not') {
    if ('Variable' in rule) throw malformed(`${at}/Variable`, `is not allowed with ${operator}`)
    if (operator === 'Not') return { kind: 'Not', rule: compileRule(value, field, true) }
    if (!Array.isArray(value) || value.length === 0) {
      throw malformed(field, 'must be a non-empty array of Choice Rules')
    }
    const rules = value.map((r, i) => compileRule(r, `${field}/${i}`, true))
    return { kind: operator, rules }
  }

  const comparison = COMPARISONS.get(operator)
  const known =
    comparison !== undefined ||
    TYPE_TESTS.has(operator) ||
    operator === 'IsPresent' ||
    operator === 'StringMatches'
  if (!known) throw malformed(field, 'is not a Choice Rule operator')
  if (!('Variable' in rule)) throw malformed(`${at}/Variable`, `is required with ${operator}`)
  const variable = compileRulePath(rule['Variable'], `${at}/Variable`)

  if (operator === 'IsPresent' || TYPE_TESTS.has(operator)) {
    if (typeof value !== 'boolean') throw malformed(field, 'must be true or false')
    return operator === 'IsPresent'
      ? { kind: 'IsPresent', variable, expected: value }
      : { kind: 'TypeTest', test: operator as TypeTest, variable, expected: value }
  }
  if (operator === 'StringMatches') {
    if (typeof value !== 'string') throw malformed(field, 'must be a string')
    return { kind: 'StringMatches', variable, pattern: compileWildcard(value) }
  }
  const { type, comparator, path } = comparison as Comparison
  if (path) {
    const compiled = compileRulePath(value, field)
    return { kind: 'ComparePath', operator, type, comparator, variable, path: compiled }
  }
  const literal = asType(type, value)
  if (literal === undefined) throw malformed(field, `must be ${LITERAL_NAMES[type]}`)
  return { kind: 'Compare', operator, type, comparator, variable, value: literal }
}

const LITERAL_NAMES: Readonly<Record<ValueType, string>> = {
  String: 'a string',
  Numeric: 'a number',
  Boolean: 'true or false',
  Timestamp: 'an RFC 3339 timestamp such as 2016-08-18T17:33:00Z',
}

function compileRulePath(text: JsonValue, at: string): CompiledPath {
  if (typeof text !== 'string') throw malformed(at, 'must be a path string starting with $')
  try {
    return compilePath(text)
  } catch (err) {
    throw malformed(at, (err as Error).message)
  }
}

function malformed(at: string, message: string): Error {
  return new Error(`${at}: ${message}`)
}

/**
 * The value a rule's path selects. AWS fails the execution when it selects nothing, with this
 * cause for the Variable and for a `…Path` operand alike (States.Runtime, which no Catch handles).
 */
function read(path: CompiledPath, scope: PathScope): JsonValue {
  const value = path.tryEvaluate(scope)
  if (value === undefined) {
    throw new AslError(
      'States.Runtime',
      `Invalid path '${path.text}': The choice state's condition path references an invalid value.`,
    )
  }
  return value
}

/** The value as the operator's type, or undefined when it is of another type (comparison false). */
function asType(type: ValueType, value: JsonValue): Comparable | undefined {
  switch (type) {
    case 'String':
      return typeof value === 'string' ? value : undefined
    case 'Numeric':
      return typeof value === 'number' ? value : undefined
    case 'Boolean':
      return typeof value === 'boolean' ? value : undefined
    case 'Timestamp':
      return typeof value === 'string' ? parseTimestamp(value) : undefined
  }
}

function hasType(test: TypeTest, value: JsonValue): boolean {
  switch (test) {
    case 'IsNull':
      return value === null
    case 'IsNumeric':
      return typeof value === 'number'
    case 'IsString':
      return typeof value === 'string'
    case 'IsBoolean':
      return typeof value === 'boolean'
    case 'IsTimestamp':
      return typeof value === 'string' && parseTimestamp(value) !== undefined
  }
}

/** Both operands have the same type here (asType checked them). Booleans only meet Equals. */
function order(a: Comparable, b: Comparable): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b)
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'object' && typeof b === 'object') return compareInstants(a, b)
  return a === b ? 0 : 1
}

function holds(comparator: Comparator, order: number): boolean {
  switch (comparator) {
    case 'Equals':
      return order === 0
    case 'LessThan':
      return order < 0
    case 'GreaterThan':
      return order > 0
    case 'LessThanEquals':
      return order <= 0
    case 'GreaterThanEquals':
      return order >= 0
  }
}

/**
 * Compare strings by Unicode code point. JavaScript's `<` compares UTF-16 units, which puts
 * U+E000–U+FFFF after the surrogate pairs of U+10000 and above; at the first differing unit,
 * moving surrogates above U+E000–U+FFFF restores code point order.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000
  if (unit >= 0xe000) return unit - 0x800
  return unit
}
