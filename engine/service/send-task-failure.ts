import type { ServiceContext } from './context.js'
import {
  openTaskSeen,
  requireOpenTask,
  taskTimedOut,
  tokenHashOf,
  type TaskAnswerOptions,
} from './task-tokens.js'
import { optionalString } from './validation.js'

export interface SendTaskFailureRequest {
  readonly taskToken: string
  /** The error name Retry and Catch match, at most 256 characters. */
  readonly error?: string | undefined
  /** At most 32,768 characters. */
  readonly cause?: string | undefined
}

/**
 * Fails a task with an error and cause, as AWS's SendTaskFailure; the state's Retry and Catch
 * see them. Same refusals as SendTaskSuccess.
 *
 * Errors: ValidationException, InvalidToken, TaskDoesNotExist, TaskTimedOut.
 *
 * @example
 * await sendTaskFailure(ctx, { taskToken, error: 'ImageTooLarge', cause: 'over 50 MB' })
 */
export async function sendTaskFailure(
  ctx: ServiceContext,
  request: SendTaskFailureRequest,
  options: TaskAnswerOptions = {},
): Promise<Record<string, never>> {
  const tokenHash = tokenHashOf(request.taskToken)
  const error = optionalString(request.error, 'error', 256)
  const cause = optionalString(request.cause, 'cause', 32_768)
  const task = await requireOpenTask(ctx, tokenHash, options)
  const result = await ctx.engine.completeTask(
    task.executionId,
    task.id,
    {
      kind: 'failed',
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    },
    { tokenHash },
    task.kind === 'activity' ? { workerName: task.workerName ?? undefined } : undefined,
    openTaskSeen(task),
  )
  if (result !== 'applied') throw taskTimedOut()
  return {}
}
