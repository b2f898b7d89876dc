import type { Executor } from './database.js'
import type { JsonValue } from './schema.js'

/** One stored history event: `details` is `{ "<type>EventDetails": {...} }` or null. */
export interface HistoryRow {
  readonly eventId: number
  readonly previousEventId: number
  readonly type: string
  readonly occurredAt: Date
  readonly details: { readonly [detailsKey: string]: JsonValue } | null
}

/**
 * One page of an execution's history in event id order (descending when `reverse`), starting
 * after the event id `after`. Keyset pagination on the primary key (execution_id, event_id).
 *
 * @example
 * const first = await historyPage(db, executionId, { after: undefined, reverse: false, limit: 100 })
 */
export async function historyPage(
  db: Executor,
  executionId: string,
  page: { after: number | undefined; reverse: boolean; limit: number },
): Promise<HistoryRow[]> {
  let query = db
    .selectFrom('history_events')
    .select(['event_id', 'previous_event_id', 'type', 'occurred_at', 'details'])
    .where('execution_id', '=', executionId)
    .orderBy('event_id', page.reverse ? 'desc' : 'asc')
    .limit(page.limit)
  if (page.after !== undefined) {
    query = query.where('event_id', page.reverse ? '<' : '>', page.after)
  }
  const rows = await query.execute()
  return rows.map((r) => ({
    eventId: r.event_id,
    previousEventId: r.previous_event_id,
    type: r.type,
    occurredAt: r.occurred_at,
    details: r.details as HistoryRow['details'],
  }))
}
