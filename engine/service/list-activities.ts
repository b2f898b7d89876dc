import { listActivities as listPage } from '../store/activities.js'
import { describeActivityRow, type ActivityDescription } from './activities.js'
import type { ServiceContext } from './context.js'
import { decodeToken, encodeToken, isPositiveInteger, pageSize } from './pagination.js'

export interface ListActivitiesRequest {
  /** 1–1000; absent or 0 means 100 (AWS). */
  readonly maxResults?: number | undefined
  readonly nextToken?: string | undefined
}

export interface ListActivitiesResponse {
  readonly activities: readonly ActivityDescription[]
  readonly nextToken?: string
}

/**
 * Lists activities in creation order, a page at a time, as AWS's ListActivities.
 * Errors: ValidationException (maxResults), InvalidToken (nextToken).
 *
 * @example
 * const { activities } = await listActivities(ctx, { maxResults: 50 })
 */
export async function listActivities(
  ctx: ServiceContext,
  request: ListActivitiesRequest = {},
): Promise<ListActivitiesResponse> {
  const limit = pageSize(request.maxResults)
  const after = decodeToken(request.nextToken, 'activities', '', isPositiveInteger)
  const rows = await listPage(ctx.database.db, { after, limit: limit + 1 })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    activities: page.map((r) => describeActivityRow(ctx, r)),
    ...(rows.length > limit && last ? { nextToken: encodeToken('activities', '', last.id) } : {}),
  }
}
