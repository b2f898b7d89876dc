import type { PollOptions } from '../runtime/dispatch/activity.js'
import { activityPolls } from './activities.js'
import { parseActivityArn } from './arns.js'
import type { ServiceContext } from './context.js'
import { activityDoesNotExist } from './describe-activity.js'
import { optionalString } from './validation.js'

export interface GetActivityTaskRequest {
  readonly activityArn: string
  /** Recorded in the execution's ActivityStarted event. 1–80 characters. */
  readonly workerName?: string | undefined
}

/** A task, or `{}` when none arrived during the poll. */
export interface GetActivityTaskResponse {
  /** Answers the task: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat. */
  readonly taskToken?: string
  /** The task's input as JSON text. */
  readonly input?: string
}

/**
 * Waits up to 60 seconds for a task of the activity, as AWS's GetActivityTask: answers the
 * oldest queued task with its token and input, or `{}` when none came. Pollers are woken at
 * once when a task is queued; each task goes to exactly one poller, and its execution records
 * ActivityStarted with the workerName. A task whose poller vanished before reading the answer is
 * recovered by its heartbeat or timeout.
 *
 * Errors: InvalidArn, ActivityDoesNotExist, ValidationException (workerName).
 *
 * @example
 * const { taskToken, input } = await getActivityTask(ctx, { activityArn, workerName: 'w1' })
 * if (taskToken) await sendTaskSuccess(ctx, { taskToken, output: input ?? '{}' })
 */
export async function getActivityTask(
  ctx: ServiceContext,
  request: GetActivityTaskRequest,
  options: PollOptions = {},
): Promise<GetActivityTaskResponse> {
  const parsed = parseActivityArn(ctx.engine, request.activityArn)
  const workerName = optionalString(request.workerName, 'workerName', 80)
  // The engine's cached activity names (kept fresh by NOTIFY), not a query per poll.
  if (!parsed.local || !(await ctx.engine.activityExists(parsed.name))) {
    throw activityDoesNotExist(parsed.arn)
  }
  const task = await activityPolls(ctx).poll(parsed.name, workerName, options)
  if (!task) return {}
  return { taskToken: task.token, input: JSON.stringify(task.input) }
}
