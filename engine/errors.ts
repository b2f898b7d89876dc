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
  // AWS's JSON protocol answers this for a body that is not JSON or a field of the wrong type.
  SerializationException: {
    status: 400,
    message: 'The request body is not valid JSON or a field has the wrong type',
  },
  InvalidArn: { status: 400, message: 'The ARN is not valid' },
  InvalidName: { status: 400, message: 'The name is not valid' },
  InvalidDefinition: { status: 400, message: 'The state machine definition is not valid' },
  InvalidExecutionInput: { status: 400, message: 'The execution input is not valid JSON' },
  InvalidOutput: { status: 400, message: 'The task output is not valid JSON' },
  // AWS uses one name for a bad task token and a bad pagination nextToken.
  InvalidToken: { status: 400, message: 'The task token or pagination token is not valid' },
  StateMachineDoesNotExist: {
    status: 400,
    restStatus: 404,
    message: 'The state machine does not exist',
  },
  StateMachineAlreadyExists: {
    status: 400,
    restStatus: 409,
    message: 'A state machine with that name exists',
  },
  StateMachineDeleting: {
    status: 400,
    restStatus: 409,
    message: 'The state machine is being deleted',
  },
  ExecutionDoesNotExist: { status: 400, restStatus: 404, message: 'The execution does not exist' },
  ExecutionAlreadyExists: {
    status: 400,
    restStatus: 409,
    message: 'An execution with that name exists',
  },
  ExecutionLimitExceeded: { status: 400, message: 'Too many executions are running' },
  // StartSyncExecution on a STANDARD state machine (AWS runs it for EXPRESS ones only).
  StateMachineTypeNotSupported: {
    status: 400,
    message: 'The action is not supported for this type of state machine',
  },
  ActivityDoesNotExist: { status: 400, restStatus: 404, message: 'The activity does not exist' },
  TaskDoesNotExist: { status: 400, message: 'The task does not exist' },
  TaskTimedOut: { status: 400, message: 'The task has timed out or is no longer open' },
  FunctionDoesNotExist: { status: 404, message: 'The function is not registered' },
  PayloadTooLarge: { status: 413, message: 'The payload is larger than the limit' },
  UnsupportedMediaType: {
    status: 415,
    message: 'The request body has a content type not accepted',
  },
  NotFound: { status: 404, message: 'There is no such route' },
  // REST door (Authorization: Bearer <key>).
  Unauthorized: { status: 401, message: 'Authentication is required' },
  Forbidden: { status: 403, message: 'The key does not allow this action' },
  // AWS JSON door (SigV4): AWS's names for the same refusals, so SDKs raise what they raise on AWS.
  MissingAuthenticationTokenException: {
    status: 403,
    message: 'Missing Authentication Token',
  },
  IncompleteSignatureException: {
    status: 403,
    message: 'The request signature does not conform to AWS standards',
  },
  UnrecognizedClientException: {
    status: 403,
    message: 'The security token included in the request is invalid',
  },
  InvalidSignatureException: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided',
  },
  AccessDeniedException: {
    status: 403,
    message: 'The credentials do not allow this action',
  },
  UnknownOperationException: { status: 400, message: 'The action is not known' },
  InternalError: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>

/**
 * `status` is the HTTP status on the AWS JSON door (AWS's own); `restStatus`, when present, is the
 * status the REST door answers instead (404 for a missing resource, 409 for a conflict), which is
 * what HTTP clients and curl users expect.
 */
export interface ErrorSpec {
  readonly status: number
  readonly restStatus?: number
  readonly message: string
}

export type ErrorCode = keyof typeof ERROR_CODES

/** The HTTP status the REST door answers for a code. */
export function restStatusOf(code: ErrorCode): number {
  const spec: ErrorSpec = ERROR_CODES[code]
  return spec.restStatus ?? spec.status
}

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
