import { sql } from 'kysely'
import type { Executor } from './database.js'
import { toJsonb, type JsonValue } from './schema.js'

/**
 * The queries of one decision (engine/runtime/decide.ts): frames, child groups, tasks, timers,
 * history and the execution row. They run inside the decision's transaction, which holds the
 * execution row lock; frame writes are still version-checked so a lost lock shows up as an error
 * instead of a silent overwrite.
 */

/** The interpreter's frame snapshot, opaque to the store. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Snapshot = { readonly status: string } & Record<string, any>

export interface GroupRow {
  readonly id: number
  readonly parentFrameId: number
  readonly childrenId: string
  readonly stateType: 'Parallel' | 'Map'
  readonly total: number
  readonly maxConcurrency: number
  readonly toleratedFailureCount: number | null
  readonly toleratedFailurePercentage: number | null
  readonly previousEventId: number
  nextIndex: number
  running: number
  succeeded: number
  failed: number
  done: boolean
  dirty?: boolean
}

export interface FrameRow {
  readonly id: number
  readonly groupId: number | null
  childIndex: number | null
  snapshot: Snapshot | null
  version: number
  dirty: boolean
  group?: GroupRow
  result?: { status: string; output: JsonValue; error: string | null; cause: string | null }
}

export type TimerReason = 'Wait' | 'Retry' | 'ExecutionTimeout' | 'TaskTimeout' | 'HeartbeatTimeout'

export interface NewTask {
  readonly id: string
  readonly executionId: string
  readonly frameId: number
  readonly stateName: string
  readonly attempt: number
  readonly kind: 'push' | 'activity' | 'callback'
  readonly resource: string
  readonly activityName: string | null
  readonly input: JsonValue
  readonly tokenHash: string | null
  readonly timeoutSeconds: number | null
  readonly heartbeatSeconds: number | null
  readonly leaseOwner: string | null
  readonly leaseUntil: Date | null
}

/** A push task as the dispatcher needs it. `resource` is the parsed Resource. */
export interface PushTask {
  readonly id: string
  readonly executionId: string
  readonly frameId: number
  readonly stateName: string
  readonly attempt: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly resource: any
  readonly input: JsonValue
  readonly timeoutSeconds: number | null
  /** How many times it has been handed to a dispatcher; the idempotency key stays the same. */
  readonly dispatchCount: number
}

/** The row of a frame this decision has just inserted (version 0, no snapshot yet). */
export function newFrameRow(
  id: number,
  groupId: number | null,
  childIndex: number | null,
): FrameRow {
  return { id, groupId, childIndex, snapshot: null, version: 0, dirty: false }
}

export async function insertRootFrame(trx: Executor, executionId: string): Promise<number> {
  const row = await trx
    .insertInto('frames')
    .values({ execution_id: executionId, status: 'RUNNING' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function loadFrame(trx: Executor, id: number): Promise<FrameRow> {
  const row = await trx
    .selectFrom('frames')
    .select(['id', 'group_id', 'child_index', 'snapshot', 'version'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  return {
    id: row.id,
    groupId: row.group_id,
    childIndex: row.child_index,
    snapshot: row.snapshot as Snapshot | null,
    version: row.version,
    dirty: false,
  }
}

export class FencingError extends Error {}

/** Write a frame's snapshot if nobody else wrote it since it was read. */
export async function saveFrame(trx: Executor, row: FrameRow): Promise<void> {
  const snapshot = row.snapshot as Snapshot
  const result = row.result
  const res = await trx
    .updateTable('frames')
    .set({
      snapshot: toJsonb(snapshot as JsonValue),
      status: snapshot.status as FrameStatusColumn,
      version: row.version + 1,
      ...(result
        ? { output: toJsonb(result.output), error: result.error, cause: result.cause }
        : {}),
    })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .executeTakeFirst()
  if (Number(res.numUpdatedRows) !== 1) {
    throw new FencingError(`frame ${row.id} was changed by another engine (version ${row.version})`)
  }
  row.version += 1
}

type FrameStatusColumn = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT'

export async function insertChildGroup(
  trx: Executor,
  g: {
    executionId: string
    parentFrameId: number
    childrenId: string
    stateType: 'Parallel' | 'Map'
    total: number
    maxConcurrency: number
    toleratedFailureCount: number | null
    toleratedFailurePercentage: number | null
    previousEventId: number
  },
): Promise<GroupRow> {
  const row = await trx
    .insertInto('child_groups')
    .values({
      execution_id: g.executionId,
      parent_frame_id: g.parentFrameId,
      children_id: g.childrenId,
      state_type: g.stateType,
      total: g.total,
      max_concurrency: g.maxConcurrency,
      tolerated_failure_count: g.toleratedFailureCount,
      tolerated_failure_percentage: g.toleratedFailurePercentage,
      previous_event_id: g.previousEventId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return {
    id: row.id,
    parentFrameId: g.parentFrameId,
    childrenId: g.childrenId,
    stateType: g.stateType,
    total: g.total,
    maxConcurrency: g.maxConcurrency,
    toleratedFailureCount: g.toleratedFailureCount,
    toleratedFailurePercentage: g.toleratedFailurePercentage,
    previousEventId: g.previousEventId,
    nextIndex: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    done: false,
  }
}

export async function lockGroup(trx: Executor, id: number): Promise<GroupRow> {
  const r = await trx
    .selectFrom('child_groups')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow()
  return {
    id: r.id,
    parentFrameId: r.parent_frame_id,
    childrenId: r.children_id,
    stateType: r.state_type,
    total: r.total,
    maxConcurrency: r.max_concurrency,
    toleratedFailureCount: r.tolerated_failure_count,
    toleratedFailurePercentage: r.tolerated_failure_percentage,
    previousEventId: r.previous_event_id,
    nextIndex: r.next_index,
    running: r.running,
    succeeded: r.succeeded,
    failed: r.failed,
    done: r.done,
  }
}

export async function saveGroup(trx: Executor, g: GroupRow): Promise<void> {
  if (!g.dirty) return
  await trx
    .updateTable('child_groups')
    .set({
      next_index: g.nextIndex,
      running: g.running,
      succeeded: g.succeeded,
      failed: g.failed,
      done: g.done,
    })
    .where('id', '=', g.id)
    .execute()
  g.dirty = false
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface QueuedChild {
  readonly id: number
  readonly childIndex: number
  readonly spec: any
}

/** Insert a group's children as QUEUED frames, in index order. Returns their ids in order. */
export async function insertChildFrames(
  trx: Executor,
  executionId: string,
  groupId: number,
  children: readonly { input: JsonValue; spec: unknown }[],
): Promise<number[]> {
  const ids: number[] = []
  // Chunked so one statement stays under PostgreSQL's 65,535 parameters.
  for (let start = 0; start < children.length; start += 5000) {
    const chunk = children.slice(start, start + 5000)
    const rows = await trx
      .insertInto('frames')
      .values(
        chunk.map((c, i) => ({
          execution_id: executionId,
          group_id: groupId,
          child_index: start + i,
          status: 'QUEUED' as const,
          input: toJsonb(c.spec as JsonValue),
        })),
      )
      .returning(['id', 'child_index'])
      .execute()
    rows.sort((a, b) => (a.child_index ?? 0) - (b.child_index ?? 0))
    ids.push(...rows.map((r) => r.id))
  }
  return ids
}

export async function queuedChildrenByIds(
  trx: Executor,
  ids: readonly number[],
): Promise<QueuedChild[]> {
  if (ids.length === 0) return []
  const rows = await trx
    .selectFrom('frames')
    .select(['id', 'child_index', 'input'])
    .where('id', 'in', ids)
    .orderBy('child_index')
    .execute()
  return rows.map((r) => ({ id: r.id, childIndex: r.child_index ?? 0, spec: r.input }))
}

export async function nextQueuedChildren(
  trx: Executor,
  groupId: number,
  limit: number,
): Promise<QueuedChild[]> {
  const rows = await trx
    .selectFrom('frames')
    .select(['id', 'child_index', 'input'])
    .where('group_id', '=', groupId)
    .where('status', '=', 'QUEUED')
    .orderBy('child_index')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ id: r.id, childIndex: r.child_index ?? 0, spec: r.input }))
}

/**
 * The results of a finished group in child order: a succeeded child's output, or for a failed
 * one (only counted when tolerated) its error output.
 */
export async function groupOutputs(trx: Executor, groupId: number): Promise<JsonValue[]> {
  const rows = await trx
    .selectFrom('frames')
    .select(['status', 'output', 'error', 'cause'])
    .where('group_id', '=', groupId)
    .orderBy('child_index')
    .execute()
  return rows.map((r) =>
    r.status === 'SUCCEEDED' ? (r.output ?? null) : { Error: r.error, Cause: r.cause },
  )
}

/**
 * Stop a group's unfinished children and everything below them: frames become ABORTED, their
 * tasks CANCELLED, their timers deleted.
 */
export async function abortGroupChildren(
  trx: Executor,
  executionId: string,
  groupId: number,
): Promise<void> {
  const subtree = sql<{ id: number }>`
    WITH RECURSIVE sub(id) AS (
      SELECT id FROM frames WHERE group_id = ${groupId} AND status IN ('QUEUED', 'RUNNING')
      UNION
      SELECT f.id FROM frames f JOIN child_groups g ON f.group_id = g.id JOIN sub ON g.parent_frame_id = sub.id
      WHERE f.status IN ('QUEUED', 'RUNNING')
    ) SELECT id FROM sub`
  const ids = (await subtree.execute(trx)).rows.map((r) => r.id)
  if (ids.length === 0) return
  await trx.updateTable('frames').set({ status: 'ABORTED' }).where('id', 'in', ids).execute()
  await trx
    .updateTable('tasks')
    .set({ status: 'CANCELLED', finished_at: sql`now()` })
    .where('execution_id', '=', executionId)
    .where('frame_id', 'in', ids)
    .where('status', 'in', ['SCHEDULED', 'STARTED'])
    .execute()
  await trx
    .deleteFrom('timers')
    .where('execution_id', '=', executionId)
    .where('frame_id', 'in', ids)
    .execute()
}

/**
 * Void what a finished frame (or, with frameId null, a finished execution) still waits for:
 * its open tasks are CANCELLED (a late answer is then refused) and its timers deleted.
 */
export async function cancelOutstanding(
  trx: Executor,
  executionId: string,
  frameId: number | null,
): Promise<void> {
  let tasks = trx
    .updateTable('tasks')
    .set({ status: 'CANCELLED', finished_at: sql`now()` })
    .where('execution_id', '=', executionId)
    .where('status', 'in', ['SCHEDULED', 'STARTED'])
  let timers = trx.deleteFrom('timers').where('execution_id', '=', executionId)
  if (frameId !== null) {
    tasks = tasks.where('frame_id', '=', frameId)
    timers = timers.where('frame_id', '=', frameId)
  } else {
    await trx
      .updateTable('frames')
      .set({ status: 'ABORTED' })
      .where('execution_id', '=', executionId)
      .where('status', 'in', ['QUEUED', 'RUNNING'])
      .where('group_id', 'is not', null)
      .execute()
  }
  await tasks.execute()
  await timers.execute()
}

export async function insertTask(trx: Executor, t: NewTask): Promise<void> {
  await trx
    .insertInto('tasks')
    .values({
      id: t.id,
      execution_id: t.executionId,
      frame_id: t.frameId,
      state_name: t.stateName,
      attempt: t.attempt,
      kind: t.kind,
      resource: t.resource,
      activity_name: t.activityName,
      input: toJsonb(t.input),
      token_hash: t.tokenHash,
      status: 'SCHEDULED',
      timeout_seconds: t.timeoutSeconds,
      heartbeat_seconds: t.heartbeatSeconds,
      lease_owner: t.leaseOwner,
      lease_until: t.leaseUntil,
      dispatch_count: t.kind === 'activity' ? 0 : 1,
    })
    .execute()
}

export async function insertTimer(
  trx: Executor,
  t: {
    id: string
    executionId: string
    frameId: number
    taskId: string | null
    reason: TimerReason
    fireAt: Date
  },
): Promise<void> {
  await trx
    .insertInto('timers')
    .values({
      id: t.id,
      execution_id: t.executionId,
      frame_id: t.frameId,
      task_id: t.taskId,
      reason: t.reason,
      fire_at: t.fireAt,
    })
    .execute()
}

export async function appendHistory(
  trx: Executor,
  executionId: string,
  events: readonly ({
    id: number
    previousEventId: number
    type: string
    timestamp: number
  } & Record<string, unknown>)[],
): Promise<void> {
  for (let start = 0; start < events.length; start += 5000) {
    await trx
      .insertInto('history_events')
      .values(
        events.slice(start, start + 5000).map((e) => ({
          execution_id: executionId,
          event_id: e.id,
          previous_event_id: e.previousEventId,
          type: e.type,
          occurred_at: new Date(e.timestamp),
          details: detailsOf(e),
        })),
      )
      .execute()
  }
}

/** The one `<type>EventDetails` object of an event, stored as { key: details }. */
function detailsOf(e: Record<string, unknown>): ReturnType<typeof toJsonb> | null {
  for (const key of Object.keys(e)) {
    if (key.endsWith('EventDetails')) return toJsonb({ [key]: e[key] as JsonValue })
  }
  return null
}

export async function advanceExecution(
  trx: Executor,
  executionId: string,
  nextEventId: number,
): Promise<void> {
  await trx
    .updateTable('executions')
    .set({ next_event_id: nextEventId, version: sql`version + 1` })
    .where('id', '=', executionId)
    .execute()
}

export async function finishExecution(
  trx: Executor,
  executionId: string,
  f: {
    status: string
    output: JsonValue | undefined
    error: string | undefined
    cause: string | undefined
    stoppedAt: Date
  },
): Promise<void> {
  await trx
    .updateTable('executions')
    .set({
      status: f.status as 'SUCCEEDED',
      output: f.output === undefined ? null : toJsonb(f.output),
      error: f.error ?? null,
      cause: f.cause ?? null,
      stopped_at: f.stoppedAt,
    })
    .where('id', '=', executionId)
    .execute()
}
