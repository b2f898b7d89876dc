/**
 * ASL intrinsic functions (JSONPath states): parse once at compile time, evaluate per state.
 *
 * AWS: "Intrinsic functions for JSONPath states in Step Functions".
 *
 * @example
 * const call = parseIntrinsic("States.Format('{} items', States.ArrayLength($.items))")
 * evaluateIntrinsic(call, { input: { items: [1, 2] }, context: {} }, env) // '2 items'
 */
export type {
  IntrinsicArg,
  IntrinsicCall,
  IntrinsicEnv,
  IntrinsicLiteral,
  IntrinsicPath,
} from './ast.js'
export { applyIntrinsic, evaluateIntrinsic } from './evaluate.js'
export { INTRINSICS } from './functions.js'
export { IntrinsicSyntaxError, isIntrinsicCall, MAX_NESTING, parseIntrinsic } from './parse.js'
