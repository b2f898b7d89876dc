import { isObject, type JsonValue } from '../json.js'
import type { StateInfo, ValidationContext } from './context.js'
import { checkAssign, checkPath } from './data.js'
import { ISSUE_CODES, type Pointer } from './issues.js'
import { CHOICE_OPERATORS, CHOICE_PATH_OPERATORS, label } from './schema.js'

/**
 * Choice rules in JSONPath states (JSONata rules are `Condition` + `Next`, fully covered by the
 * schema). The schema fixes each operand's type; this pass checks how the fields combine.
 *
 * AWS: "Choice Rules" — a rule is either a comparison (`Variable` plus exactly one operator) or a
 * Boolean combination (`And`, `Or` with a non-empty array of rules, `Not` with one rule). Top-level
 * rules MUST have `Next`; rules nested in And/Or/Not MUST NOT.
 */

const OPERATORS = new Set(CHOICE_OPERATORS)
const COMBINATORS = ['And', 'Or', 'Not'] as const

export function checkChoice(ctx: ValidationContext, info: StateInfo): void {
  const choices = info.node?.['Choices']
  if (!Array.isArray(choices)) return
  choices.forEach((rule, i) => {
    const rel = ['Choices', i]
    if (isObject(rule)) checkAssign(ctx, info, [...rel, 'Assign'], rule['Assign'])
    if (info.ql === 'JSONPath') checkRule(ctx, info, rel, rule, true)
  })
}

function checkRule(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  rule: JsonValue,
  topLevel: boolean,
): void {
  if (!isObject(rule)) return // the schema reports the type
  const at = [...info.location, ...rel]
  const where = `${info.subject}: choice rule '${label(rel)}'`
  const operators = Object.keys(rule).filter((k) => OPERATORS.has(k))
  const combinators = COMBINATORS.filter((k) => Object.hasOwn(rule, k))
  const all = [...operators, ...combinators]

  if (all.length === 0) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${where} has no comparison operator (such as StringEquals or IsPresent) and no And, Or or Not`,
    )
  } else if (all.length > 1) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${where} has ${all.length} operators (${all.join(', ')}); a rule holds exactly one`,
    )
  }

  const variable = rule['Variable']
  if (operators.length > 0 && variable === undefined) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${where}: field 'Variable' is required with the comparison operator '${operators[0]}'`,
    )
  }
  if (operators.length === 0 && combinators.length > 0 && variable !== undefined) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      [...at, 'Variable'],
      `${where}: field 'Variable' cannot be used with '${combinators[0]}'; put it in the nested rules`,
    )
  }
  if (typeof variable === 'string') checkPath(ctx, info, [...rel, 'Variable'], variable, 'path')
  for (const op of operators) {
    const operand = rule[op]
    if (CHOICE_PATH_OPERATORS.has(op) && typeof operand === 'string') {
      checkPath(ctx, info, [...rel, op], operand, 'path')
    }
  }

  if (topLevel && rule['Next'] === undefined) {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${where}: field 'Next' is required in a top-level choice rule`,
    )
  }
  if (!topLevel) {
    for (const f of ['Next', 'Assign'] as const) {
      if (rule[f] !== undefined) {
        ctx.sink.error(
          ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
          [...at, f],
          `${where}: field '${f}' is only allowed in a top-level choice rule, not inside And, Or or Not`,
        )
      }
    }
  }

  for (const k of ['And', 'Or'] as const) {
    const list = rule[k]
    if (Array.isArray(list)) list.forEach((r, i) => checkRule(ctx, info, [...rel, k, i], r, false))
  }
  if (rule['Not'] !== undefined) checkRule(ctx, info, [...rel, 'Not'], rule['Not'], false)
}
