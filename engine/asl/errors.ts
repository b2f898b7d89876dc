/**
 * ASL errors are values: `{ error, cause }`. Inside the interpreter a failing evaluation throws an
 * `AslError`, which the state machinery turns into a failure that Retry and Catch can match.
 *
 * AWS: "Error handling in Step Functions" (developer guide), "Error names".
 */

export interface AslFailure {
  /** The error name; absent where AWS leaves it out (a Fail state without Error). */
  readonly error?: string
  /** The cause text; absent where AWS leaves it out. */
  readonly cause?: string
}

export const STATES_ERRORS = {
  'States.ALL': { wildcard: true },
  'States.TaskFailed': { wildcard: true },
  'States.Runtime': {},
  'States.Timeout': {},
  'States.HeartbeatTimeout': {},
  'States.DataLimitExceeded': {},
  'States.ResultPathMatchFailure': {},
  'States.ParameterPathFailure': {},
  'States.BranchFailed': {},
  'States.NoChoiceMatched': {},
  'States.IntrinsicFailure': {},
  'States.ExceedToleratedFailureThreshold': {},
  'States.ItemReaderFailed': {},
  'States.ResultWriterFailed': {},
  'States.Permissions': {},
  'States.QueryEvaluationError': {},
} as const

export type StatesErrorName = keyof typeof STATES_ERRORS

/** Thrown inside the interpreter; caught by the state machinery and turned into a failure. */
export class AslError extends Error {
  readonly error: string
  override readonly cause: string
  constructor(error: string, cause: string) {
    super(`${error}: ${cause}`)
    this.error = error
    this.cause = cause
  }
  toFailure(): AslFailure {
    return { error: this.error, cause: this.cause }
  }
}

/**
 * Whether a Retrier's or Catcher's ErrorEquals list matches an error name.
 *
 * States.ALL matches every error except States.Runtime, which AWS never retries or catches.
 * States.TaskFailed matches every error except States.Timeout and States.Runtime.
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  for (const name of errorEquals) {
    if (name === error) return true
    if (name === 'States.ALL' && error !== 'States.Runtime') return true
    if (name === 'States.TaskFailed' && isTaskFailure(error)) return true
  }
  return false
}

// AWS: "States.TaskFailed ... matches any known error name except for States.Timeout".
function isTaskFailure(error: string): boolean {
  return error !== 'States.Timeout' && error !== 'States.Runtime'
}
