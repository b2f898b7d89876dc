import { AslError } from '../errors.js'
import { isObject, type JsonObject, type JsonValue } from '../json.js'
import {
  compileJsonata,
  isJsonataExpression,
  JsonataEvaluationError,
  type JsonataBindings,
  type JsonataExpression,
} from './expression.js'

/**
 * A JSONata-mode field value (Arguments, Output, Assign, ItemSelector, a Catch's Output …): any
 * JSON value in which every string that is a whole `{% ... %}` expression is evaluated and every
 * other value is taken as written. Compiled once; each expression knows the field path AWS names
 * in error causes: the field, then `/key` for each object key and `[i]` for each array index
 * (`Output/a/b[0]`, `Assign/x`, `Arguments/Payload/id`).
 *
 * AWS: "Transforming data with JSONata in Step Functions".
 */
export type JsonataTemplate =
  | { readonly kind: 'constant'; readonly value: JsonValue }
  | { readonly kind: 'expression'; readonly field: string; readonly expression: JsonataExpression }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, JsonataTemplate])[] }
  | { readonly kind: 'array'; readonly items: readonly JsonataTemplate[] }

/** AWS's error for a JSONata expression that fails, answers nothing, or answers no JSON value. */
export class QueryEvaluationError extends AslError {
  constructor(
    cause: string,
    /** The field path, e.g. `Output/result`; the history's EvaluationFailed `location`. */
    readonly location?: string,
  ) {
    super('States.QueryEvaluationError', cause)
  }
}

/**
 * Compile a field's value. `field` is the field path AWS uses (`Output`, `Catch[0]/Assign`).
 * Throws JsonataSyntaxError (from compileJsonata) for an expression the library cannot parse.
 *
 * @example compileJsonataTemplate({ total: '{% $sum($states.input.items) %}' }, 'Output')
 */
export function compileJsonataTemplate(value: JsonValue, field: string): JsonataTemplate {
  if (isJsonataExpression(value))
    return { kind: 'expression', field, expression: compileJsonata(value) }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileJsonataTemplate(item, `${field}[${i}]`))
    return items.every((n) => n.kind === 'constant')
      ? { kind: 'constant', value }
      : { kind: 'array', items }
  }
  if (isObject(value)) {
    const entries = Object.entries(value).map(
      ([key, child]) => [key, compileJsonataTemplate(child, `${field}/${key}`)] as const,
    )
    return entries.every(([, n]) => n.kind === 'constant')
      ? { kind: 'constant', value }
      : { kind: 'object', entries }
  }
  return { kind: 'constant', value }
}

/**
 * Evaluate a compiled template. An expression that throws, answers nothing (undefined) or answers
 * something that is no JSON value (a function) throws QueryEvaluationError with AWS's cause.
 */
export function evaluateJsonataTemplate(
  node: JsonataTemplate,
  bindings: JsonataBindings,
): JsonValue {
  switch (node.kind) {
    case 'constant':
      return node.value
    case 'expression':
      return evaluateField(node.expression, node.field, bindings)
    case 'array':
      return node.items.map((item) => evaluateJsonataTemplate(item, bindings))
    case 'object': {
      const out: JsonObject = {}
      for (const [key, child] of node.entries) out[key] = evaluateJsonataTemplate(child, bindings)
      return out
    }
  }
}

/**
 * Evaluate one expression written in `field`, with AWS's causes:
 * - `The JSONata expression '<text>' specified for the field '<field>' returned nothing (undefined).`
 * - `… threw an error during evaluation. T1006: Attempted to invoke a non-function` (a coded
 *   library error), or `…: Expression evaluation timeout: …` (a bound, which has no code).
 */
export function evaluateField(
  expression: JsonataExpression,
  field: string,
  bindings: JsonataBindings,
): JsonValue {
  const prefix = `The JSONata expression '${expression.text}' specified for the field '${field}'`
  let raw: unknown
  try {
    raw = expression.evaluate(bindings)
  } catch (err) {
    if (!(err instanceof JsonataEvaluationError)) throw err
    const joined = err.code !== undefined ? `. ${err.code}: ${err.detail}` : `: ${err.detail}`
    throw new QueryEvaluationError(`${prefix} threw an error during evaluation${joined}`, field)
  }
  if (raw === undefined)
    throw new QueryEvaluationError(`${prefix} returned nothing (undefined).`, field)
  const value = toJson(raw)
  if (value === undefined) {
    throw new QueryEvaluationError(`${prefix} returned an unsupported result type.`, field)
  }
  return value
}

/**
 * AWS's error for an expression whose value has the wrong type for its field, as for `Items`:
 * `The JSONata expression '$x' specified for the field 'Items' returned an unexpected result
 * type. Expected 'array', but was 'string' for value: "abc"`.
 */
export function unexpectedResultType(
  expression: JsonataExpression,
  field: string,
  expected: string,
  value: JsonValue,
): QueryEvaluationError {
  return new QueryEvaluationError(
    `The JSONata expression '${expression.text}' specified for the field '${field}' returned an unexpected result type. Expected '${expected}', but was '${jsonataType(value)}' for value: ${JSON.stringify(value)}`,
    field,
  )
}

/** JSONata's name for a value's type (`$type`). */
export function jsonataType(value: JsonValue): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/**
 * A library value as plain JSON: sequences become arrays (their flags dropped), undefined members
 * are left out, and a non-finite number becomes the text JavaScript names it by (`"Infinity"`,
 * `"NaN"`), as AWS writes it. Functions and regular expressions are no JSON: undefined.
 */
export function toJson(value: unknown): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      if (Number.isFinite(value)) return Object.is(value, -0) ? 0 : value
      return String(value)
    case 'object': {
      if (value === null) return null
      if (Array.isArray(value)) {
        const out: JsonValue[] = []
        for (const item of value as unknown[]) {
          if (item === undefined) continue
          const v = toJson(item)
          if (v === undefined) return undefined
          out.push(v)
        }
        return out
      }
      if (value instanceof RegExp || isFunctionValue(value)) return undefined
      const out: JsonObject = {}
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined || typeof item === 'function' || isFunctionValue(item)) continue
        const v = toJson(item)
        if (v !== undefined) out[key] = v
      }
      return out
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined
  }
}

function isFunctionValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return v['_jsonata_lambda'] === true || v['_jsonata_function'] === true
}
