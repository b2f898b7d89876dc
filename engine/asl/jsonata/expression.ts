import jsonata from 'jsonata'
import type { JsonObject, JsonValue } from '../json.js'
import {
  AWS_FUNCTIONS,
  ENV_BINDING,
  EvaluationBoundError,
  MEMORY_LIMIT_MESSAGE,
  type JsonataFunctionEnv,
} from './functions.js'
import { unsafeRegexReason } from './regex-safety.js'

/**
 * One JSONata expression of a definition (`{% ... %}`), parsed once at compile time and evaluated
 * with the library's synchronous evaluator.
 *
 * Why jsonata 1.8 and not 2.x: 2.x only evaluates asynchronously (evaluate returns a Promise),
 * and the interpreter is a synchronous, pure step function. 1.8 evaluates synchronously when no
 * callback is given, has the same function library and error catalogue, and its 1.8.x line still
 * gets security fixes. The few differences that matter for AWS parity are handled here and in
 * functions.ts (AWS's own functions, `$now`/`$millis` from the execution clock, `$eval` refused).
 *
 * Evaluation is bounded so a hostile expression cannot hold the engine, with AWS's limits and
 * messages where AWS has them:
 * - depth: 100 nested evaluations ("Stack overflow error: …"), AWS's measured ceiling;
 * - work: EVALUATION_STEPS evaluations in all ("Expression evaluation timeout: …"), standing in
 *   for AWS's 5-second clock, which a replayable interpreter cannot read;
 * - memory: a sequence over 873,782 items or a string over 6,990,256 characters ("Expression
 *   evaluation memory limit exceeded: …"), AWS's measured bound;
 * - regular expressions whose backtracking is exponential are refused (regex-safety.ts).
 */
export interface JsonataExpression {
  /** The text between `{%` and `%}`, trimmed: what AWS quotes in error causes. */
  readonly text: string
  /** Raw library result: may be undefined, a function, a sequence, a non-finite number. */
  evaluate(bindings: JsonataBindings): unknown
}

/** What an expression can see: `$states`, the workflow variables and the env. */
export interface JsonataBindings {
  readonly states: JsonObject
  readonly variables: Readonly<Record<string, JsonValue>>
  readonly env: JsonataFunctionEnv
}

/** The library raised an error; `code` is JSONata's (T1006, D3137 …) when it has one. */
export class JsonataEvaluationError extends Error {
  constructor(
    readonly code: string | undefined,
    readonly detail: string,
  ) {
    super(code !== undefined ? `${code}: ${detail}` : detail)
  }
}

/** The text is not a JSONata expression the library can parse. */
export class JsonataSyntaxError extends Error {}

/** AWS: nesting depth 100 (`1+1+…` with 100 terms passes, 101 fails). */
export const MAX_EVALUATION_DEPTH = 100
/**
 * Evaluations allowed per expression. jsonata 1.8 runs ~250,000–500,000 per second, so this is
 * 2–4 seconds of work, within AWS's 5-second bound; a 20,000-item object transform needs ~320,000.
 */
export const EVALUATION_STEPS = 1_000_000
/** AWS's per-value memory bound, measured: `[1..873782]` passes, one element more fails. */
export const MAX_SEQUENCE_LENGTH = 873_782
export const MAX_STRING_LENGTH = 6_990_256

const DEPTH_MESSAGE =
  'Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive'
const TIMEOUT_MESSAGE = 'Expression evaluation timeout: Check for infinite loop'

const EXPRESSION = /^\{%([\s\S]*)%\}$/

/**
 * Whether a string value is a JSONata expression: it starts with `{%` and ends with `%}`, nothing
 * around them (AWS passes `" {% x %} "` through as a plain string).
 *
 * @example isJsonataExpression('{% $states.input.a %}') // true
 */
export function isJsonataExpression(value: unknown): value is string {
  return typeof value === 'string' && EXPRESSION.test(value)
}

/**
 * Parse `{% ... %}` once. Throws JsonataSyntaxError with the library's code and message.
 *
 * @example compileJsonata('{% $states.input.n + 1 %}').text // '$states.input.n + 1'
 */
export function compileJsonata(source: string): JsonataExpression {
  const m = EXPRESSION.exec(source)
  if (!m) throw new JsonataSyntaxError(`'${source}' is not a JSONata expression ({% ... %})`)
  const text = (m[1] as string).trim()
  if (text === '') throw new JsonataSyntaxError('The JSONata expression is empty')
  let compiled: jsonata.Expression
  try {
    compiled = jsonata(text)
  } catch (err) {
    const e = err as { code?: string; message?: string }
    throw new JsonataSyntaxError(`${e.code ?? 'S0000'}: ${e.message ?? String(err)}`)
  }
  for (const [name, spec] of Object.entries(AWS_FUNCTIONS)) {
    compiled.registerFunction(
      name,
      spec.implementation as (...args: unknown[]) => unknown,
      spec.signature,
    )
  }
  const refusal = findUnsafeRegex(compiled.ast())
  return {
    text,
    evaluate(bindings) {
      if (refusal !== undefined) throw new JsonataEvaluationError('D1004', refusal)
      return run(compiled, bindings)
    },
  }
}

function run(compiled: jsonata.Expression, bindings: JsonataBindings): unknown {
  let depth = 0
  let steps = 0
  const frame: Record<string, unknown> = { ...bindings.variables }
  // AWS disables $eval; an unbound name answers T1006 when called, as AWS does.
  frame['eval'] = undefined
  frame['states'] = bindings.states
  frame[ENV_BINDING] = bindings.env
  frame['__evaluate_entry'] = () => {
    depth++
    steps++
    if (depth > MAX_EVALUATION_DEPTH) throw new EvaluationBoundError(DEPTH_MESSAGE)
    if (steps > EVALUATION_STEPS) throw new EvaluationBoundError(TIMEOUT_MESSAGE)
  }
  frame['__evaluate_exit'] = (_expr: unknown, _input: unknown, _env: unknown, result: unknown) => {
    depth--
    if (
      Array.isArray(result)
        ? result.length > MAX_SEQUENCE_LENGTH
        : typeof result === 'string' && result.length > MAX_STRING_LENGTH
    ) {
      throw new EvaluationBoundError(MEMORY_LIMIT_MESSAGE)
    }
  }
  try {
    return compiled.evaluate(undefined, frame)
  } catch (err) {
    throw toEvaluationError(err)
  }
}

function toEvaluationError(err: unknown): JsonataEvaluationError {
  if (err instanceof EvaluationBoundError) return new JsonataEvaluationError(undefined, err.message)
  if (err instanceof RangeError) {
    // The host's own limits (call stack, string or array length) behave as AWS's bounds do.
    return new JsonataEvaluationError(
      undefined,
      /call stack/i.test(err.message) ? DEPTH_MESSAGE : MEMORY_LIMIT_MESSAGE,
    )
  }
  const e = err as { code?: unknown; message?: unknown }
  const code = typeof e?.code === 'string' ? e.code : undefined
  const message = typeof e?.message === 'string' ? e.message : String(err)
  return new JsonataEvaluationError(code, message)
}

/** The first regular expression literal in the AST whose shape can backtrack without bound. */
function findUnsafeRegex(ast: unknown): string | undefined {
  const seen = new Set<unknown>()
  const visit = (node: unknown): string | undefined => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return undefined
    seen.add(node)
    if (node instanceof RegExp) {
      const reason = unsafeRegexReason(node.source)
      return reason && `The regular expression /${node.source}/ is refused: ${reason}`
    }
    for (const child of Object.values(node)) {
      const found = visit(child)
      if (found !== undefined) return found
    }
    return undefined
  }
  return visit(ast)
}
