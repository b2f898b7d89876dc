/**
 * The engine's and the API's errors: one table of codes, each with its HTTP status. The code is
 * AWS's API error name where AWS has one, so AWS SDKs raise the exception they raise against AWS.
 * Callers match on `err.code`, never on `instanceof` (two copies of a package break instanceof).
 * docs/errors.md lists every code; a test keeps the two in step.
 */
export const ERROR_CODES = {
  ValidationException: {
    status: 400,
    message: 'The input fails to satisfy the constraints of the API',
  },
  InvalidArn: { status: 400, message: 'The ARN is not valid' },
  InvalidName: { status: 400, message: 'The name is not valid' },
  InvalidDefinition: { status: 400, message: 'The state machine definition is not valid' },
  InvalidExecutionInput: { status: 400, message: 'The execution input is not valid JSON' },
  InvalidOutput: { status: 400, message: 'The task output is not valid JSON' },
  // AWS uses one name for a bad task token and a bad pagination nextToken.
  InvalidToken: { status: 400, message: 'The task token or pagination token is not valid' },
  StateMachineDoesNotExist: { status: 400, message: 'The state machine does not exist' },
  StateMachineAlreadyExists: { status: 400, message: 'A state machine with that name exists' },
  StateMachineDeleting: { status: 400, message: 'The state machine is being deleted' },
  ExecutionDoesNotExist: { status: 400, message: 'The execution does not exist' },
  ExecutionAlreadyExists: { status: 400, message: 'An execution with that name exists' },
  ExecutionLimitExceeded: { status: 400, message: 'Too many executions are running' },
  ActivityDoesNotExist: { status: 400, message: 'The activity does not exist' },
  TaskDoesNotExist: { status: 400, message: 'The task does not exist' },
  TaskTimedOut: { status: 400, message: 'The task has timed out or is no longer open' },
  FunctionDoesNotExist: { status: 404, message: 'The function is not registered' },
  PayloadTooLarge: { status: 413, message: 'The payload is larger than the limit' },
  Unauthorized: { status: 401, message: 'Authentication is required' },
  Forbidden: { status: 403, message: 'The key does not allow this action' },
  UnknownOperation: { status: 400, message: 'The action is not known' },
  InternalError: { status: 500, message: 'Internal error' },
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class MillraceError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: ErrorCode, message?: string, details: Record<string, unknown> = {}) {
    super(message ?? ERROR_CODES[code].message)
    this.name = 'MillraceError'
    this.code = code
    this.status = ERROR_CODES[code].status
    this.details = details
  }
}

export function isMillraceError(err: unknown): err is MillraceError {
  return (
    typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'MillraceError'
  )
}
