import { ActivityPolls } from '../runtime/dispatch/activity.js'
import { ACTIVITIES_CHANNEL } from '../runtime/activity-names.js'
import type { Engine } from '../runtime/engine.js'
import type { ActivityRow } from '../store/activities.js'
import type { ServiceContext } from './context.js'

/** What the activity use cases share. */

export { ACTIVITIES_CHANNEL }

/** An activity as DescribeActivity and ListActivities answer it. */
export interface ActivityDescription {
  readonly activityArn: string
  readonly name: string
  readonly creationDate: Date
}

export function describeActivityRow(ctx: ServiceContext, row: ActivityRow): ActivityDescription {
  return {
    activityArn: ctx.engine.activityArn(row.name),
    name: row.name,
    creationDate: row.createdAt,
  }
}

const polls = new WeakMap<Engine, ActivityPolls>()

/** The GetActivityTask long polls of this process's engine (one set per engine). */
export function activityPolls(ctx: ServiceContext): ActivityPolls {
  let p = polls.get(ctx.engine)
  if (!p) {
    p = new ActivityPolls(ctx.engine, ctx.database)
    polls.set(ctx.engine, p)
  }
  return p
}

/**
 * Answer every GetActivityTask still waiting with no task and stop listening for the engine's
 * activities: call it when the API shuts down, before the engine stops.
 *
 * @example
 * app.addHook('onClose', () => closeActivityPolls(ctx))
 */
export async function closeActivityPolls(ctx: ServiceContext): Promise<void> {
  const p = polls.get(ctx.engine)
  polls.delete(ctx.engine)
  await p?.close()
}
