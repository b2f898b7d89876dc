import { validateDefinition, type ValidationIssue } from '../asl/index.js'
import { validationError } from './validation.js'

export interface ValidateStateMachineDefinitionRequest {
  readonly definition: string
  readonly type?: 'STANDARD' | 'EXPRESS' | undefined
  /** The lowest severity returned: `ERROR` (AWS's default) or `WARNING` (both). */
  readonly severity?: 'ERROR' | 'WARNING' | undefined
  /** At most this many diagnostics (AWS: default and maximum 100; 0 means 100). */
  readonly maxResults?: number | undefined
}

export interface ValidateStateMachineDefinitionResponse {
  /** `FAIL` when there is at least one ERROR, whatever `severity` asks to list. */
  readonly result: 'OK' | 'FAIL'
  readonly diagnostics: readonly ValidationIssue[]
  /** True when there were more diagnostics than `maxResults`. */
  readonly truncated: boolean
}

const MAX_DIAGNOSTICS = 100

/**
 * Validates a definition without saving anything, as AWS's ValidateStateMachineDefinition:
 * every problem at once, each with severity, code, location (a JSON pointer) and message.
 * Synchronous: it touches no database (throws ValidationException for a malformed request).
 *
 * @example
 * validateStateMachineDefinition({ definition: '{"StartAt":"A","States":{}}' })
 * // { result: 'FAIL', diagnostics: [{ severity: 'ERROR', code: 'MISSING_TRANSITION_TARGET', … }], truncated: false }
 */
export function validateStateMachineDefinition(
  request: ValidateStateMachineDefinitionRequest,
): ValidateStateMachineDefinitionResponse {
  const { definition, type, severity, maxResults } = request as Partial<
    Record<keyof ValidateStateMachineDefinitionRequest, unknown>
  >
  if (typeof definition !== 'string') throw validationError('definition', 'Member must not be null')
  if (type !== undefined && type !== null && type !== 'STANDARD' && type !== 'EXPRESS') {
    throw validationError('type', 'Member must satisfy enum value set: [STANDARD, EXPRESS]')
  }
  if (
    severity !== undefined &&
    severity !== null &&
    severity !== 'ERROR' &&
    severity !== 'WARNING'
  ) {
    throw validationError('severity', 'Member must satisfy enum value set: [ERROR, WARNING]')
  }
  let limit = MAX_DIAGNOSTICS
  if (maxResults !== undefined && maxResults !== null && maxResults !== 0) {
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 0) {
      throw validationError('maxResults', 'Member must have value greater than or equal to 0')
    }
    if (maxResults > MAX_DIAGNOSTICS) {
      throw validationError(
        'maxResults',
        `Member must have value less than or equal to ${MAX_DIAGNOSTICS}`,
      )
    }
    limit = maxResults
  }
  const issues = validateDefinition(definition)
  const listed = severity === 'WARNING' ? issues : issues.filter((i) => i.severity === 'ERROR')
  return {
    result: issues.some((i) => i.severity === 'ERROR') ? 'FAIL' : 'OK',
    diagnostics: listed.slice(0, limit),
    truncated: listed.length > limit,
  }
}
