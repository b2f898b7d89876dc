import { MillraceError } from '../errors.js'
import { findExecution } from '../store/execution-queries.js'
import type { ServiceContext } from './context.js'
import { requireExecution } from './lookups.js'
import { isStorableText, optionalString, validationError } from './validation.js'

export interface StopExecutionRequest {
  readonly executionArn: string
  /** At most 256 characters. */
  readonly error?: string | undefined
  /** At most 32,768 characters. */
  readonly cause?: string | undefined
}

export interface StopExecutionResponse {
  readonly stopDate: Date
}

/** AWS's limits on StopExecution's error and cause. */
export const MAX_ERROR_LENGTH = 256
export const MAX_CAUSE_LENGTH = 32_768

/**
 * Stops a running execution, as AWS's StopExecution: it ends ABORTED with the given error and
 * cause (an ExecutionAborted event closes its history), its open tasks are cancelled (a late
 * answer is refused) and its timers dropped. Stopping an execution that has already ended
 * changes nothing and answers the date it ended.
 *
 * Errors: InvalidArn, ExecutionDoesNotExist, ValidationException (error or cause too long).
 *
 * @example
 * const { stopDate } = await stopExecution(ctx, { executionArn, error: 'Cancelled', cause: 'by the user' })
 */
export async function stopExecution(
  ctx: ServiceContext,
  request: StopExecutionRequest,
): Promise<StopExecutionResponse> {
  const error = optionalString(request.error, 'error', MAX_ERROR_LENGTH)
  const cause = optionalString(request.cause, 'cause', MAX_CAUSE_LENGTH)
  for (const [field, text] of [
    ['error', error],
    ['cause', cause],
  ] as const) {
    if (text !== undefined && !isStorableText(text)) {
      throw validationError(field, 'Member must not contain \\u0000 or an unpaired surrogate')
    }
  }
  const execution = await requireExecution(ctx, request.executionArn)
  if (execution.status === 'RUNNING') {
    await ctx.engine.stopExecution(execution.id, error, cause)
  }
  const after = await findExecution(ctx.database.db, execution.stateMachineName, execution.name)
  if (!after?.stoppedAt) {
    // The row was there a moment ago and an ended execution always has a stop date.
    throw new MillraceError('InternalError', `execution ${execution.arn} did not stop`)
  }
  return { stopDate: after.stoppedAt }
}
