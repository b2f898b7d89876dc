import { sql } from 'kysely'
import type { Executor } from './database.js'
import type { HistoryRow } from './history.js'
import type { ExecutionStatus, FrameStatus } from './schema.js'

/**
 * Read-only queries behind the console's views of a state machine and an execution: a slim
 * outline of a history (no payloads), chosen events in full, history filtered by type, Map
 * iterations by index, and counts of executions. Nothing here writes.
 */

/** One history event without its payloads: enough to tell which state each event belongs to. */
export interface OutlineRow {
  readonly eventId: number
  readonly previousEventId: number
  readonly type: string
  readonly occurredAt: Date
  /** `name` of stateEntered/stateExited details, or of a MapIteration event. */
  readonly name: string | null
  /** `error` of the event's details, when it has one. */
  readonly error: string | null
  /** `workerName` of an ActivityStarted event, `resource` of a *Scheduled event. */
  readonly extra: string | null
}

/**
 * The whole history of an execution in event id order, payloads left out. One row per event;
 * a Map over 10,000 items has about 40,000 of them, a few MB, read in one query.
 *
 * @example
 * const rows = await historyOutline(db, executionId)
 */
export async function historyOutline(db: Executor, executionId: string): Promise<OutlineRow[]> {
  const rows = await db
    .selectFrom('history_events')
    .select([
      'event_id',
      'previous_event_id',
      'type',
      'occurred_at',
      sql<string | null>`coalesce(details->'stateEnteredEventDetails'->>'name',
        details->'stateExitedEventDetails'->>'name',
        (select v->>'name' from jsonb_each(details) as d(k, v)
          where k like 'mapIteration%' limit 1))`.as('name'),
      sql<string | null>`(select v->>'error' from jsonb_each(details) as d(k, v) limit 1)`.as(
        'error',
      ),
      sql<string | null>`(select coalesce(v->>'workerName', v->>'resource')
        from jsonb_each(details) as d(k, v) limit 1)`.as('extra'),
    ])
    .where('execution_id', '=', executionId)
    .orderBy('event_id')
    .execute()
  return rows.map((r) => ({
    eventId: r.event_id,
    previousEventId: r.previous_event_id,
    type: r.type,
    occurredAt: r.occurred_at,
    name: r.name,
    error: r.error,
    extra: r.extra,
  }))
}

/**
 * The events of an execution with the given ids, in full, in id order.
 *
 * @example
 * const [entered] = await historyEventsByIds(db, executionId, [4])
 */
export async function historyEventsByIds(
  db: Executor,
  executionId: string,
  eventIds: readonly number[],
): Promise<HistoryRow[]> {
  if (eventIds.length === 0) return []
  const rows = await db
    .selectFrom('history_events')
    .select(['event_id', 'previous_event_id', 'type', 'occurred_at', 'details'])
    .where('execution_id', '=', executionId)
    .where('event_id', 'in', [...eventIds])
    .orderBy('event_id')
    .execute()
  return rows.map(toHistoryRow)
}

/**
 * One page of an execution's history, only events whose type is in `types` (all when empty),
 * after the event id `after`, in id order. Keyset pages on the primary key.
 *
 * @example
 * const page = await filteredHistoryPage(db, executionId, { types: ['TaskFailed'], after: undefined, limit: 100 })
 */
export async function filteredHistoryPage(
  db: Executor,
  executionId: string,
  page: { types: readonly string[]; after: number | undefined; limit: number },
): Promise<HistoryRow[]> {
  let query = db
    .selectFrom('history_events')
    .select(['event_id', 'previous_event_id', 'type', 'occurred_at', 'details'])
    .where('execution_id', '=', executionId)
    .orderBy('event_id')
    .limit(page.limit)
  if (page.types.length > 0) query = query.where('type', 'in', [...page.types])
  if (page.after !== undefined) query = query.where('event_id', '>', page.after)
  return (await query.execute()).map(toHistoryRow)
}

/** How many events of each type an execution has (for the history filter). */
export async function historyTypeCounts(
  db: Executor,
  executionId: string,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('history_events')
    .select(['type', sql<string>`count(*)`.as('n')])
    .where('execution_id', '=', executionId)
    .groupBy('type')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]))
}

function toHistoryRow(r: {
  event_id: number
  previous_event_id: number
  type: string
  occurred_at: Date
  details: unknown
}): HistoryRow {
  return {
    eventId: r.event_id,
    previousEventId: r.previous_event_id,
    type: r.type,
    occurredAt: r.occurred_at,
    details: r.details as HistoryRow['details'],
  }
}

/** One Map iteration (a child frame of a Map run). */
export interface IterationRow {
  /** Which run of the Map state, 1 for the first (a Map inside a loop or a Map runs again). */
  readonly run: number
  readonly index: number
  readonly status: FrameStatus
  readonly error: string | null
  readonly cause: string | null
}

/** The runs of a Map or Parallel state in an execution, oldest first, with their counters. */
export interface ChildGroupRow {
  readonly id: string
  readonly run: number
  readonly stateType: 'Parallel' | 'Map'
  readonly total: number
  readonly started: number
  readonly running: number
  readonly succeeded: number
  readonly failed: number
  readonly done: boolean
}

/**
 * The child groups (Map or Parallel runs) a state started, found through the event that started
 * them (`child_groups.previous_event_id` is the MapStateStarted/ParallelStateStarted event, whose
 * previous event is the state's StateEntered).
 */
export async function childGroupsOfState(
  db: Executor,
  executionId: string,
  stateName: string,
): Promise<ChildGroupRow[]> {
  const rows = await db
    .selectFrom('child_groups as g')
    .innerJoin('history_events as s', (join) =>
      join
        .onRef('s.execution_id', '=', 'g.execution_id')
        .onRef('s.event_id', '=', 'g.previous_event_id'),
    )
    .innerJoin('history_events as e', (join) =>
      join
        .onRef('e.execution_id', '=', 's.execution_id')
        .onRef('e.event_id', '=', 's.previous_event_id'),
    )
    .select([
      'g.id',
      'g.state_type',
      'g.total',
      'g.next_index',
      'g.running',
      'g.succeeded',
      'g.failed',
      'g.done',
    ])
    .where('g.execution_id', '=', executionId)
    .where(sql<string>`e.details->'stateEnteredEventDetails'->>'name'`, '=', stateName)
    .orderBy('g.previous_event_id')
    .execute()
  return rows.map((r, i) => ({
    id: r.id,
    run: i + 1,
    stateType: r.state_type,
    total: r.total,
    started: r.next_index,
    running: r.running,
    succeeded: r.succeeded,
    failed: r.failed,
    done: r.done,
  }))
}

/**
 * One page of the iterations of one child group, by index after `after`, optionally only those
 * of one status. Keyset pages on frames_group_idx (group_id, child_index): a page of 100 out of
 * 10,000 iterations reads 100 rows. Iterations not started yet have no row.
 */
export async function childFramesPage(
  db: Executor,
  groupId: string,
  page: { after: number | undefined; limit: number; status: FrameStatus | undefined },
): Promise<Omit<IterationRow, 'run'>[]> {
  let query = db
    .selectFrom('frames')
    .select(['child_index', 'status', 'error', 'cause'])
    .where('group_id', '=', groupId)
    .orderBy('child_index')
    .limit(page.limit)
  if (page.after !== undefined) query = query.where('child_index', '>', page.after)
  if (page.status !== undefined) query = query.where('status', '=', page.status)
  const rows = await query.execute()
  return rows.map((r) => ({
    index: r.child_index ?? 0,
    status: r.status,
    error: r.error,
    cause: r.cause,
  }))
}

/** How many executions of a state machine there are in each status. */
export async function executionCounts(
  db: Executor,
  stateMachineId: number,
): Promise<Partial<Record<ExecutionStatus, number>>> {
  const rows = await db
    .selectFrom('executions')
    .select(['status', sql<string>`count(*)`.as('n')])
    .where('state_machine_id', '=', stateMachineId)
    .groupBy('status')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
}

/** A revision of a state machine with how many executions run on it. */
export interface RevisionSummaryRow {
  readonly revision: number
  readonly createdAt: Date
  readonly executions: number
}

/** The newest `limit` revisions of a state machine, newest first, with execution counts. */
export async function listRevisions(
  db: Executor,
  stateMachineId: number,
  limit: number,
): Promise<RevisionSummaryRow[]> {
  const revisions = await db
    .selectFrom('state_machine_revisions')
    .select(['id', 'revision', 'created_at'])
    .where('state_machine_id', '=', stateMachineId)
    .orderBy('revision', 'desc')
    .limit(limit)
    .execute()
  // One grouped count over executions_list_idx (state_machine_id first) rather than one per revision.
  const counts = await db
    .selectFrom('executions')
    .select(['revision_id', sql<string>`count(*)`.as('n')])
    .where('state_machine_id', '=', stateMachineId)
    .groupBy('revision_id')
    .execute()
  const byId = new Map(counts.map((c) => [c.revision_id, Number(c.n)]))
  return revisions.map((r) => ({
    revision: r.revision,
    createdAt: r.created_at,
    executions: byId.get(r.id) ?? 0,
  }))
}

/** One revision of a state machine by its number, with its definition text. */
export async function findRevision(
  db: Executor,
  stateMachineId: number,
  revision: number,
): Promise<{ revision: number; createdAt: Date; definition: string } | undefined> {
  const row = await db
    .selectFrom('state_machine_revisions')
    .select(['revision', 'created_at', 'definition'])
    .where('state_machine_id', '=', stateMachineId)
    .where('revision', '=', revision)
    .executeTakeFirst()
  return row && { revision: row.revision, createdAt: row.created_at, definition: row.definition }
}
