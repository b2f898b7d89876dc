/**
 * JSONata for JSONata-mode states: expressions compiled once per definition, evaluated with
 * `$states`, the workflow variables and AWS's added functions, within AWS's bounds.
 *
 * AWS: "Transforming data with JSONata in Step Functions".
 *
 * @example
 * const t = compileJsonataTemplate({ sum: '{% $sum($states.input.n) %}' }, 'Output')
 * evaluateJsonataTemplate(t, { states: { input: { n: [1, 2] } }, variables: {}, env })
 * // { sum: 3 }
 */
export {
  compileJsonata,
  isJsonataExpression,
  JsonataSyntaxError,
  type JsonataBindings,
  type JsonataExpression,
} from './expression.js'
export type { JsonataFunctionEnv } from './functions.js'
export {
  compileJsonataTemplate,
  evaluateField,
  evaluateJsonataTemplate,
  jsonataType,
  QueryEvaluationError,
  toJson,
  unexpectedResultType,
  type JsonataTemplate,
} from './template.js'
