import { createActivity as storeCreate } from '../store/activities.js'
import { ACTIVITIES_CHANNEL } from '../runtime/activity-names.js'
import { checkName } from './check-name.js'
import type { ServiceContext } from './context.js'

export interface CreateActivityRequest {
  /** AWS's name rule: 1–80 characters, no whitespace, brackets, wildcards or special characters. */
  readonly name: string
}

export interface CreateActivityResponse {
  readonly activityArn: string
  readonly creationDate: Date
}

/**
 * Creates an activity, as AWS's CreateActivity. Idempotent: the same name again answers the
 * existing activity's ARN and creation date. Tags and encryption settings are not kept.
 *
 * Errors: InvalidName.
 *
 * @example
 * const { activityArn } = await createActivity(ctx, { name: 'resize-images' })
 */
export async function createActivity(
  ctx: ServiceContext,
  request: CreateActivityRequest,
): Promise<CreateActivityResponse> {
  const name = checkName(request.name)
  const row = await ctx.database.db.transaction().execute(async (trx) => {
    const created = await storeCreate(trx, name)
    await ctx.database.notify(ACTIVITIES_CHANNEL, name, trx)
    return created
  })
  ctx.engine.activitiesChanged()
  return { activityArn: ctx.engine.activityArn(row.name), creationDate: row.createdAt }
}
