import jsonata from 'jsonata'
import type { StateInfo, ValidationContext } from './context.js'
import { ISSUE_CODES, type Pointer } from './issues.js'
import { label } from './schema.js'

/**
 * JSONata expressions (`{% ... %}`) in JSONata states, checked when the definition is validated,
 * as AWS checks them (measured on ValidateStateMachineDefinition / CreateStateMachine):
 *
 * - the expression parses (INVALID_JSONATA_EXPRESSION, with the library's code and message);
 * - it does not read the context item: an expression runs with no input, so a path whose first
 *   step is a bare name (`phone`, `items[0]`) reads nothing, and AWS refuses it as
 *   `Reference to 'phone' at the top level is not supported.` Names after the first step, in
 *   predicates, sort terms, object groupings and transforms have an item to read and are fine;
 * - it does not reference `$$` (`Reference to '$$' is not supported.`);
 * - `$states.errorOutput` appears only in a Catch's Output or Assign, the one place it exists.
 *
 * AWS: "Transforming data with JSONata in Step Functions".
 */
export function checkJsonataExpression(
  ctx: ValidationContext,
  info: StateInfo,
  rel: Pointer,
  source: string,
): void {
  const at = [...info.location, ...rel]
  const text = source.slice(2, -2).trim()
  if (text === '') {
    ctx.sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      at,
      `${info.subject}: field '${label(rel)}' holds an empty JSONata expression '${source}'`,
    )
    return
  }
  let ast: unknown
  try {
    ast = jsonata(text).ast()
  } catch (err) {
    const e = err as { code?: string; message?: string }
    ctx.sink.error(
      ISSUE_CODES.INVALID_JSONATA_EXPRESSION,
      at,
      `${info.subject}: field '${label(rel)}' holds a JSONata expression that does not parse: ` +
        `${e.code ?? 'S0000'}: ${e.message ?? String(err)}`,
    )
    return
  }
  const inCatch = rel[0] === 'Catch' && (rel[2] === 'Output' || rel[2] === 'Assign')
  for (const problem of unsupportedReferences(ast, inCatch)) {
    ctx.sink.error(
      ISSUE_CODES.UNSUPPORTED_JSONATA_EXPRESSION,
      at,
      `${info.subject}: field '${label(rel)}': ${problem}`,
    )
  }
}

type Node = Record<string, unknown>

/**
 * What the expression references that AWS does not support, one message each. `top` says whether
 * a node is evaluated against the (absent) context item.
 */
export function unsupportedReferences(ast: unknown, inCatch: boolean): string[] {
  const problems = new Set<string>()
  const visit = (value: unknown, top: boolean): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, top)
      return
    }
    if (value === null || typeof value !== 'object') return
    const node = value as Node
    switch (node['type']) {
      case 'path': {
        const steps = (node['steps'] as Node[] | undefined) ?? []
        const first = steps[0]
        if (
          !inCatch &&
          first?.['type'] === 'variable' &&
          first['value'] === 'states' &&
          steps[1]?.['type'] === 'name' &&
          steps[1]['value'] === 'errorOutput'
        ) {
          problems.add(
            `Reference to '$states.errorOutput' is not supported outside the Output and Assign of a Catch.`,
          )
        }
        steps.forEach((step, i) => visit(step, top && i === 0))
        visitStages(node)
        return
      }
      case 'variable':
        if (node['value'] === '$') problems.add(`Reference to '$$' is not supported.`)
        visitStages(node)
        return
      case 'name':
      case 'wildcard':
      case 'descendant':
        if (top)
          problems.add(`Reference to '${String(node['value'])}' at the top level is not supported.`)
        visitStages(node)
        return
      case 'transform':
        // The pattern and update run against each matched item.
        visit(node['pattern'], false)
        visit(node['update'], false)
        visit(node['delete'], false)
        return
      default:
        // Filters, groupings and sort terms have an item to read; everything else keeps the context.
        for (const [key, child] of Object.entries(node)) {
          if (key === 'predicate' || key === 'stages' || key === 'group' || key === 'terms') {
            visit(child, false)
          } else if (key !== 'value' && key !== 'position') visit(child, top)
        }
    }
  }
  const visitStages = (node: Node): void => {
    visit(node['predicate'], false)
    visit(node['stages'], false)
    visit(node['group'], false)
  }
  visit(ast, true)
  return [...problems]
}
