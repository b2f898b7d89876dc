import { beat, findTaskByToken } from '../store/activities.js'
import type { ServiceContext } from './context.js'
import {
  taskDoesNotExist,
  taskTimedOut,
  tokenHashOf,
  type TaskAnswerOptions,
} from './task-tokens.js'

export interface SendTaskHeartbeatRequest {
  readonly taskToken: string
}

/**
 * Says the worker is still on the task, as AWS's SendTaskHeartbeat: the task's HeartbeatSeconds
 * start over. The task's TimeoutSeconds still holds, however many heartbeats arrive. A closed
 * task answers TaskTimedOut, which tells the worker to stop.
 *
 * Errors: ValidationException, InvalidToken, TaskDoesNotExist, TaskTimedOut.
 *
 * @example
 * await sendTaskHeartbeat(ctx, { taskToken })
 */
export async function sendTaskHeartbeat(
  ctx: ServiceContext,
  request: SendTaskHeartbeatRequest,
  options: TaskAnswerOptions = {},
): Promise<Record<string, never>> {
  const tokenHash = tokenHashOf(request.taskToken)
  if (options.authorize) {
    const task = await findTaskByToken(ctx.database.db, tokenHash)
    if (task) options.authorize(task)
  }
  if (await beat(ctx.database.db, tokenHash)) return {}
  if (await findTaskByToken(ctx.database.db, tokenHash)) throw taskTimedOut()
  throw taskDoesNotExist()
}
