import { sql } from 'kysely'
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
 * after the event id `after`. Reads only the decisions' rows that can hold the page's events
 * (the primary key (execution_id, first_event_id) and last_event_id bound them), in order, so
 * a page costs about the same early or late in a long history.
 *
 * @example
 * const first = await historyPage(db, executionId, { after: undefined, reverse: false, limit: 100 })
 */
export async function historyPage(
  db: Executor,
  executionId: string,
  page: { after: number | undefined; reverse: boolean; limit: number },
): Promise<HistoryRow[]> {
  const after = page.after ?? (page.reverse ? 2147483647 : 0)
  // Backwards: rows that start before `after`, newest first; forwards: rows that end after it.
  const [rowsBound, cmp, order] = page.reverse
    ? [sql`h.first_event_id < ${after}::int`, sql.raw('<'), sql.raw('DESC')]
    : [sql`h.last_event_id > ${after}::int`, sql.raw('>'), sql.raw('ASC')]
  const { rows } = await sql<Row>`
    SELECT h.first_event_id + e.n::int - 1 AS event_id, e.v AS event
    FROM history AS h CROSS JOIN LATERAL jsonb_array_elements(h.events) WITH ORDINALITY AS e(v, n)
    WHERE h.execution_id = ${executionId}::uuid AND ${rowsBound}
      AND h.first_event_id + e.n::int - 1 ${cmp} ${after}::int
    ORDER BY h.first_event_id ${order}, e.n ${order}
    LIMIT ${page.limit}::int`.execute(db)
  return rows.map((r) => ({
    eventId: r.event_id,
    previousEventId: r.event.previousEventId,
    type: r.event.type,
    occurredAt: new Date(r.event.occurredAt),
    details: r.event.details ?? null,
  }))
}

/** A row of a history page: an event as stored in `history.events`, and its id. */
interface Row {
  readonly event_id: number
  readonly event: {
    readonly previousEventId: number
    readonly type: string
    readonly occurredAt: string
    readonly details?: HistoryRow['details']
  }
}
