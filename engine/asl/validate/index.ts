import { isObject } from '../json.js'
import { IssueSink, ISSUE_CODES, type ValidationIssue } from './issues.js'
import { checkJsonValue, parseDefinitionText } from './json-text.js'
import { walkDefinition } from './walk.js'

export { ISSUE_CODES, type IssueCode, type ValidationIssue } from './issues.js'
export { MAX_DEFINITION_LENGTH } from './json-text.js'

/**
 * Validates an Amazon States Language definition the way AWS's ValidateStateMachineDefinition
 * does, and answers every problem at once (an empty array means valid). Never throws.
 *
 * `definition` is the parsed definition object, or its JSON text (then parse errors, duplicate
 * keys and the 1 MB limit are checked on the text itself). Issues with severity `ERROR` make the
 * definition invalid; `WARNING`s do not.
 *
 * Checks: the JSON Schema of every state type in JSONPath and JSONata mode (schema.ts), field
 * combinations (state-fields.ts), Retry/Catch (retry-catch.ts), Choice rules (choice.ts), paths,
 * `.$` templates and intrinsics (data.ts), and each scope's transitions, terminal states and
 * reachability (graph.ts), recursively through Parallel branches and Map processors.
 *
 * @example
 * validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } })
 * // [{ severity: 'ERROR', code: 'MISSING_TRANSITION_TARGET', location: '/States/A/Next', … },
 * //  { severity: 'ERROR', code: 'MISSING_END_STATE', location: '', … }]
 */
export function validateDefinition(definition: unknown): ValidationIssue[] {
  const sink = new IssueSink()
  let value: unknown = definition
  if (typeof definition === 'string') {
    const parsed = parseDefinitionText(definition, sink)
    if (!parsed) return [...sink.issues]
    value = parsed.value
  } else if (definition === undefined || definition === null) {
    sink.error(ISSUE_CODES.MISSING_DESCRIPTION, '', 'The definition is missing (null or undefined)')
    return [...sink.issues]
  } else if (!checkJsonValue(definition, sink)) {
    return [...sink.issues]
  }
  if (!isObject(value)) {
    sink.error(
      ISSUE_CODES.SCHEMA_VALIDATION_FAILED,
      '',
      `The definition must be a JSON object with StartAt and States, not ${kind(value)}`,
    )
    return [...sink.issues]
  }
  walkDefinition(value, sink)
  return [...sink.issues]
}

/** True when the issues hold no ERROR (warnings allowed): the definition can be created. */
export function isValidDefinition(issues: readonly ValidationIssue[]): boolean {
  return issues.every((i) => i.severity !== 'ERROR')
}

function kind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}
