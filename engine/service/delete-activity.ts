import { deleteActivity as storeDelete } from '../store/activities.js'
import { ACTIVITIES_CHANNEL } from '../runtime/activity-names.js'
import { parseActivityArn } from './arns.js'
import type { ServiceContext } from './context.js'

export interface DeleteActivityRequest {
  readonly activityArn: string
}

/**
 * Deletes an activity, as AWS's DeleteActivity. Tasks already queued stay and are answered or
 * time out; a Task that reaches the activity afterwards fails with States.Runtime ("The activity
 * … does not exist."), as on AWS. Deleting an activity that does not exist succeeds.
 *
 * Errors: InvalidArn.
 *
 * @example
 * await deleteActivity(ctx, { activityArn })
 */
export async function deleteActivity(
  ctx: ServiceContext,
  request: DeleteActivityRequest,
): Promise<Record<string, never>> {
  const parsed = parseActivityArn(ctx.engine, request.activityArn)
  if (!parsed.local) return {}
  await ctx.database.db.transaction().execute(async (trx) => {
    if (await storeDelete(trx, parsed.name)) {
      await ctx.database.notify(ACTIVITIES_CHANNEL, parsed.name, trx)
    }
  })
  ctx.engine.activitiesChanged()
  return {}
}
