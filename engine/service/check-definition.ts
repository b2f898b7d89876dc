import { createHash } from 'node:crypto'
import { validateDefinition, type ValidationIssue } from '../asl/index.js'
import { MillraceError } from '../errors.js'
import { validationError } from './validation.js'

/**
 * Checks a definition for CreateStateMachine and UpdateStateMachine. Throws InvalidDefinition when
 * validateDefinition reports an ERROR: the message lists each one as AWS does (code, message,
 * location), and `details.diagnostics` holds them as objects. Warnings do not refuse it.
 *
 * @example
 * checkDefinition('{"StartAt":"A","States":{"A":{"Type":"Pass"}}}')
 * // throws InvalidDefinition: "Invalid State Machine Definition: 'MISSING_END_STATE: … at /States/A'"
 */
export function checkDefinition(definition: unknown, field = 'definition'): string {
  if (typeof definition !== 'string') throw validationError(field, 'Member must not be null')
  const errors = validateDefinition(definition).filter((i) => i.severity === 'ERROR')
  if (errors.length > 0) {
    throw new MillraceError(
      'InvalidDefinition',
      `Invalid State Machine Definition: '${errors.map(describeIssue).join(', ')}'`,
      { field, diagnostics: errors },
    )
  }
  return definition
}

/** `CODE: message at /json/pointer`, the way AWS lists a diagnostic in its message. */
export function describeIssue(issue: ValidationIssue): string {
  return `${issue.code}: ${issue.message} at ${issue.location === '' ? '/' : issue.location}`
}

/** SHA-256 of the definition text, kept with each revision. */
export function definitionHash(definition: string): string {
  return createHash('sha256').update(definition, 'utf8').digest('hex')
}
