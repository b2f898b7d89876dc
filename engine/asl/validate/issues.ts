/**
 * Validation issues: the shape AWS's ValidateStateMachineDefinition returns (severity, code,
 * location, message), collected in one place so every pass reports every problem it sees.
 *
 * AWS: API reference, "ValidateStateMachineDefinitionDiagnostic" (the code list below).
 */

export interface ValidationIssue {
  readonly severity: 'ERROR' | 'WARNING'
  /** AWS's diagnostic code where AWS has one (see ISSUE_CODES). */
  readonly code: string
  /** JSON pointer into the definition, e.g. `/States/Charge/Next`; `''` is the whole document. */
  readonly location: string
  /** Names the field, the state and the problem. */
  readonly message: string
}

/**
 * Every code validateDefinition emits. The first group are AWS's own codes; the last two are
 * millrace's, for limits AWS enforces outside the diagnostics list (the 1 MB definition quota) and
 * for JSONPath that AWS accepts but millrace's path engine does not evaluate.
 */
export const ISSUE_CODES = {
  // AWS errors
  INVALID_JSON_DESCRIPTION: 'INVALID_JSON_DESCRIPTION',
  MISSING_DESCRIPTION: 'MISSING_DESCRIPTION',
  SCHEMA_VALIDATION_FAILED: 'SCHEMA_VALIDATION_FAILED',
  INVALID_RESOURCE: 'INVALID_RESOURCE',
  MISSING_END_STATE: 'MISSING_END_STATE',
  DUPLICATE_STATE_NAME: 'DUPLICATE_STATE_NAME',
  INVALID_STATE_NAME: 'INVALID_STATE_NAME',
  DUPLICATE_LABEL_NAME: 'DUPLICATE_LABEL_NAME',
  INVALID_LABEL_NAME: 'INVALID_LABEL_NAME',
  MISSING_TRANSITION_TARGET: 'MISSING_TRANSITION_TARGET',
  TOO_DEEPLY_NESTED: 'TOO_DEEPLY_NESTED',
  INVALID_JSONATA_EXPRESSION: 'INVALID_JSONATA_EXPRESSION',
  UNSUPPORTED_JSONATA_EXPRESSION: 'UNSUPPORTED_JSONATA_EXPRESSION',
  // AWS warnings
  NO_DOLLAR: 'NO_DOLLAR',
  NO_PATH: 'NO_PATH',
  PASS_RESULT_IS_STATIC: 'PASS_RESULT_IS_STATIC',
  // millrace
  DEFINITION_TOO_LARGE: 'DEFINITION_TOO_LARGE',
  UNSUPPORTED_JSONPATH: 'UNSUPPORTED_JSONPATH',
} as const

export type IssueCode = (typeof ISSUE_CODES)[keyof typeof ISSUE_CODES]

/** A JSON pointer segment list; numbers are array indexes. */
export type Pointer = readonly (string | number)[]

/** RFC 6901: `~` becomes `~0`, `/` becomes `~1`. */
export function toPointer(segments: Pointer): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}

/** Collects issues in the order they are found, dropping exact repeats. */
export class IssueSink {
  readonly #issues: ValidationIssue[] = []
  readonly #seen = new Set<string>()

  error(code: IssueCode, location: Pointer | string, message: string): void {
    this.add({ severity: 'ERROR', code, location: loc(location), message })
  }

  warning(code: IssueCode, location: Pointer | string, message: string): void {
    this.add({ severity: 'WARNING', code, location: loc(location), message })
  }

  add(issue: ValidationIssue): void {
    const key = `${issue.severity}\u0000${issue.code}\u0000${issue.location}\u0000${issue.message}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    this.#issues.push(issue)
  }

  get issues(): readonly ValidationIssue[] {
    return this.#issues
  }
}

function loc(location: Pointer | string): string {
  return typeof location === 'string' ? location : toPointer(location)
}
