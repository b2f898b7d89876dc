import { sql, type RawBuilder } from 'kysely'
import type { Executor } from './database.js'
import { toJsonb, type JsonValue } from './schema.js'

/**
 * The queries of one decision (engine/runtime/decide.ts). They run inside the decision's
 * transaction, which holds the execution row lock. Reads load what the decision touches in bulk;
 * writes are collected and flushed as a few multi-row statements, so the number of round trips
 * does not grow with the number of frames or tasks a decision touches (a Map finishing forty
 * iterations at once costs about as much as one).
 */

/** The interpreter's frame snapshot, opaque to the store. */
export type Snapshot = { readonly status: string } & { readonly [key: string]: unknown }

export interface GroupRow {
  readonly id: string
  readonly parentFrameId: string
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
  isNew: boolean
  dirty: boolean
  /** Not stored: every child not started yet is known to the decision (see decide.ts). */
  queuedInMemory?: boolean
}

export interface FrameRow {
  readonly id: string
  readonly groupId: string | null
  readonly childIndex: number | null
  /** What a QUEUED child starts with (its spec); null for running frames. */
  input: JsonValue | null
  snapshot: Snapshot | null
  /** The version read; the write requires it unchanged. */
  version: number
  /** Not in the database yet: inserted at flush. */
  isNew: boolean
  dirty: boolean
  status: string
  result?: { output: JsonValue; error: string | null; cause: string | null }
}

export type TimerReason = 'Wait' | 'Retry' | 'ExecutionTimeout' | 'TaskTimeout' | 'HeartbeatTimeout'

export interface NewTask {
  readonly id: string
  readonly executionId: string
  readonly frameId: string
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

export interface NewTimer {
  readonly id: string
  readonly executionId: string
  readonly frameId: string
  readonly taskId: string | null
  readonly reason: TimerReason
  readonly fireAt: Date
}

/** A push task as the dispatcher needs it; `resource` is the Resource ARN. */
export interface PushTask {
  readonly id: string
  /**
   * push: the call's answer is the task's result. callback (`.waitForTaskToken`): the call hands
   * the task over, and SendTaskSuccess/Failure answers it later.
   */
  readonly kind: 'push' | 'callback'
  /** The execution's ARN when the scheduling decision knew it (the dispatcher's headers). */
  readonly executionArn?: string
  readonly executionId: string
  readonly frameId: string
  readonly stateName: string
  readonly attempt: number
  readonly resource: string
  readonly input: JsonValue
  readonly timeoutSeconds: number | null
  /** How many times it has been handed to a dispatcher; the idempotency key stays the same. */
  readonly dispatchCount: number
}

export interface HistoryRow {
  readonly id: number
  readonly previousEventId: number
  readonly type: string
  readonly timestamp: number
  readonly [key: string]: unknown
}

export class FencingError extends Error {}

/** Frames by id, in one query. */
export async function loadFrames(trx: Executor, ids: readonly string[]): Promise<FrameRow[]> {
  if (ids.length === 0) return []
  const rows = await trx
    .selectFrom('frames')
    .select(['id', 'group_id', 'child_index', 'input', 'snapshot', 'version', 'status'])
    .where('id', 'in', ids)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    groupId: r.group_id,
    childIndex: r.child_index,
    input: r.input,
    snapshot: r.snapshot as Snapshot | null,
    version: r.version,
    isNew: false,
    dirty: false,
    status: r.status,
  }))
}

/** Groups by id, locked (their counters decide MaxConcurrency and tolerated failures). */
export async function lockGroups(trx: Executor, ids: readonly string[]): Promise<GroupRow[]> {
  if (ids.length === 0) return []
  const rows = await trx
    .selectFrom('child_groups')
    .selectAll()
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute()
  return rows.map((r) => ({
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
    isNew: false,
    dirty: false,
  }))
}

/** The next QUEUED children of a group, by index, starting at its next_index. */
export async function nextQueuedChildren(
  trx: Executor,
  groupId: string,
  fromIndex: number,
  limit: number,
): Promise<FrameRow[]> {
  const rows = await trx
    .selectFrom('frames')
    .select(['id', 'group_id', 'child_index', 'input', 'snapshot', 'version', 'status'])
    .where('group_id', '=', groupId)
    .where('child_index', '>=', fromIndex)
    .orderBy('child_index')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    groupId: r.group_id,
    childIndex: r.child_index,
    input: r.input,
    snapshot: null,
    version: r.version,
    isNew: false,
    dirty: false,
    status: r.status,
  }))
}

/**
 * The results of a finished group in child order: a succeeded child's output, or for a failed
 * one (only counted when tolerated) its error output. `known` holds results decided in this
 * transaction and not yet written.
 */
export async function groupOutputs(
  trx: Executor,
  groupId: string,
  known: ReadonlyMap<number, JsonValue>,
): Promise<JsonValue[]> {
  const rows = await trx
    .selectFrom('frames')
    .select(['child_index', 'status', 'output', 'error', 'cause'])
    .where('group_id', '=', groupId)
    .orderBy('child_index')
    .execute()
  return rows.map((r) => {
    const k = known.get(r.child_index ?? -1)
    if (k !== undefined) return k
    return r.status === 'SUCCEEDED' ? (r.output ?? null) : { Error: r.error, Cause: r.cause }
  })
}

/** Everything a decision writes, flushed in a fixed order of multi-row statements. */
export interface WriteSet {
  readonly executionId: string
  readonly frames: readonly FrameRow[]
  readonly groups: readonly GroupRow[]
  readonly history: readonly HistoryRow[]
  readonly tasks: readonly NewTask[]
  readonly timers: readonly NewTimer[]
  readonly nextEventId: number
  readonly finish?: {
    status: string
    output: JsonValue | undefined
    error: string | undefined
    cause: string | undefined
    stoppedAt: Date
  }
}

/** A task attempt a decision moves on, checked in the decision's statement. */
export interface TaskTransition {
  readonly taskId: string
  /** The status the attempt must still have. */
  readonly from: 'SCHEDULED' | 'STARTED'
  /** SUCCEEDED, FAILED, TIMED_OUT close the attempt; STARTED hands a callback task over. */
  readonly to: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STARTED'
  /** A dispatcher's lease, or a task token's hash, that must still hold. */
  readonly leaseOwner?: string
  readonly dispatchCount?: number
  readonly tokenHash?: string
  /** False when the attempt has no timeout or heartbeat timer to delete (default: it may). */
  readonly hasTimers?: boolean
}

/** What a decision's write checks and does besides its WriteSet. */
export interface WriteChecks {
  /** The execution's version the decision read: the write happens only if it is unchanged. */
  readonly version: number
  /** Task attempts the decision consumes: each must still be as the decision saw it. */
  readonly transitions: readonly TaskTransition[]
  /**
   * What ended frames leave behind, voided in the same statement: with `all` (the execution
   * ended) every open task, timer and running child; else the open tasks and timers of
   * `frames`. Work created by this same decision is not visible to it (one snapshot), so a
   * decision that must void what it just created does that after the write (decide.ts).
   */
  readonly cleanup: { readonly all: boolean; readonly frames: readonly string[] }
  /** Channels to NOTIFY when the write commits. */
  readonly notify: readonly string[]
}

/**
 * (The `= ANY(ids)` beside each join with jsonb_to_recordset is for the planner: it cannot know
 * how many rows the function yields and would rather scan a whole table than probe its index.)
 *
 * Write a decision in ONE statement: the execution row (guarded by the version the decision
 * read), the task attempts it consumed (each guarded by the status and lease or token it had),
 * new frames, groups, history, tasks and timers, changed frames (each guarded by its version)
 * and groups, the voiding of what ended frames left behind, and the notifications. When any
 * guard fails, millrace_fence aborts the statement (SQLSTATE 40001) and nothing is written.
 * Outside a transaction the statement is its own transaction: a decision is one round trip.
 */
export async function writeDecision(db: Executor, w: WriteSet, checks: WriteChecks): Promise<void> {
  const f = w.finish
  const updates = w.frames.filter((r) => !r.isNew && r.dirty)
  const frameUpdates = updates.map((r) => ({
    id: r.id,
    version: r.version,
    status: r.status,
    snapshot: jsonText(r.snapshot as JsonValue | null),
    output: r.result ? JSON.stringify(r.result.output) : null,
    error: r.result?.error ?? null,
    cause: r.result?.cause ?? null,
    has_result: r.result !== undefined,
  }))
  const groupUpdates = w.groups
    .filter((g) => !g.isNew && g.dirty)
    .map((g) => ({
      id: g.id,
      next_index: g.nextIndex,
      running: g.running,
      succeeded: g.succeeded,
      failed: g.failed,
      done: g.done,
    }))
  const transitions = checks.transitions.map((t) => ({
    id: t.taskId,
    from_status: t.from,
    to_status: t.to,
    lease_owner: t.leaseOwner ?? null,
    dispatch_count: t.dispatchCount ?? null,
    token_hash: t.tokenHash ?? null,
  }))
  const closedIds = checks.transitions
    .filter((t) => t.to !== 'STARTED' && t.hasTimers !== false)
    .map((t) => t.taskId)
  const movedIds = checks.transitions.map((t) => t.taskId)
  const { all, frames: endedFrames } = checks.cleanup
  // Only the parts this decision needs: an empty part still opens its table and indexes.
  const ctes: RawBuilder<unknown>[] = [
    sql`x AS (
      UPDATE executions SET next_event_id = ${w.nextEventId}::int, version = version + 1,
        status = COALESCE(${f?.status ?? null}::text, status),
        output = CASE WHEN ${f !== undefined}::boolean THEN ${f?.output === undefined ? null : toJsonb(f.output)}::jsonb ELSE output END,
        error = CASE WHEN ${f !== undefined}::boolean THEN ${f?.error ?? null}::text ELSE error END,
        cause = CASE WHEN ${f !== undefined}::boolean THEN ${f?.cause ?? null}::text ELSE cause END,
        stopped_at = COALESCE(${f ? f.stoppedAt.toISOString() : null}::timestamptz, stopped_at)
      WHERE id = ${w.executionId}::uuid AND version = ${checks.version}::int
      RETURNING id
    )`,
  ]
  const fence: RawBuilder<unknown>[] = [sql`(SELECT count(*) FROM x) = 1`]
  if (transitions.length > 0) {
    ctes.push(sql`moved AS (
      UPDATE tasks AS t SET status = v.to_status,
        finished_at = CASE WHEN v.to_status = 'STARTED' THEN t.finished_at ELSE clock_timestamp() END,
        started_at = CASE WHEN v.to_status = 'STARTED' THEN clock_timestamp() ELSE t.started_at END,
        lease_until = CASE WHEN v.to_status = 'STARTED' THEN NULL ELSE t.lease_until END
      FROM x, jsonb_to_recordset(${JSON.stringify(transitions)}::jsonb) AS v(id uuid, from_status text,
        to_status text, lease_owner text, dispatch_count int, token_hash text)
      WHERE t.id = ANY(${movedIds}::uuid[]) AND t.id = v.id AND t.status = v.from_status
        AND (v.lease_owner IS NULL OR t.lease_owner = v.lease_owner)
        AND (v.dispatch_count IS NULL OR t.dispatch_count = v.dispatch_count)
        AND (v.token_hash IS NULL OR t.token_hash = v.token_hash)
      RETURNING t.id
    )`)
    fence.push(sql`(SELECT count(*) FROM moved) = ${transitions.length}::int`)
  }
  if (frameUpdates.length > 0) {
    ctes.push(sql`fu AS (
      UPDATE frames AS fr SET status = v.status, snapshot = v.snapshot::jsonb, version = fr.version + 1,
        output = CASE WHEN v.has_result THEN v.output::jsonb ELSE fr.output END,
        error = CASE WHEN v.has_result THEN v.error ELSE fr.error END,
        cause = CASE WHEN v.has_result THEN v.cause ELSE fr.cause END
      FROM x, jsonb_to_recordset(${JSON.stringify(frameUpdates)}::jsonb) AS v(id uuid, version int,
        status text, snapshot text, output text, error text, cause text, has_result boolean)
      WHERE fr.id = ANY(${updates.map((r) => r.id)}::uuid[]) AND fr.id = v.id AND fr.version = v.version
      RETURNING fr.id
    )`)
    fence.push(sql`(SELECT count(*) FROM fu) = ${frameUpdates.length}::int`)
  }
  if (groupUpdates.length > 0) {
    ctes.push(sql`gu AS (
      UPDATE child_groups AS g SET next_index = v.next_index, running = v.running,
        succeeded = v.succeeded, failed = v.failed, done = v.done
      FROM x, jsonb_to_recordset(${JSON.stringify(groupUpdates)}::jsonb) AS v(id uuid, next_index int,
        running int, succeeded int, failed int, done boolean)
      WHERE g.id = ANY(${groupUpdates.map((g) => g.id)}::uuid[]) AND g.id = v.id
    )`)
  }
  if (all || endedFrames.length > 0) {
    ctes.push(sql`cancelled AS (
      UPDATE tasks AS t SET status = 'CANCELLED', finished_at = clock_timestamp()
      FROM x
      WHERE t.execution_id = x.id AND t.status IN ('SCHEDULED', 'STARTED')
        AND (${all}::boolean OR t.frame_id = ANY(${endedFrames}::uuid[]))
        AND NOT (t.id = ANY(${movedIds}::uuid[]))
    )`)
  }
  if (all || endedFrames.length > 0 || closedIds.length > 0) {
    ctes.push(sql`dropped AS (
      DELETE FROM timers AS tm USING x
      WHERE tm.execution_id = x.id AND (${all}::boolean
        OR tm.frame_id = ANY(${endedFrames}::uuid[]) OR tm.task_id = ANY(${closedIds}::uuid[]))
    )`)
  }
  if (all) {
    ctes.push(sql`aborted AS (
      UPDATE frames AS fr SET status = 'ABORTED', version = fr.version + 1
      FROM x
      WHERE fr.execution_id = x.id AND fr.status IN ('QUEUED', 'RUNNING') AND fr.group_id IS NOT NULL
        AND NOT (fr.id = ANY(${updates.map((r) => r.id)}::uuid[]))
    )`)
  }
  ctes.push(...insertCtes(newRows(w), sql`x`))
  if (checks.notify.length > 0) {
    ctes.push(sql`n AS (SELECT pg_notify(c, '') FROM x, unnest(${checks.notify}::text[]) AS c)`)
    fence.push(sql`(SELECT count(*) FROM n) >= 0`)
  }
  const { rows } = await sql<{ ok: boolean }>`
    WITH ${sql.join(ctes, sql`, `)}
    SELECT millrace_fence(${sql.join(fence, sql` AND `)}) AS ok`
    .execute(db)
    .catch((err: unknown) => {
      throw isFenced(err) ? new FencingError('the execution changed since it was read') : err
    })
  if (rows[0]?.ok !== true) throw new FencingError('the decision was not written')
  for (const r of updates) r.version += 1
}

/** millrace_fence's refusal (SQLSTATE 40001 with its own message). */
function isFenced(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown }
  return e.code === '40001' && typeof e.message === 'string' && e.message.startsWith('millrace:')
}

/**
 * Stop a group's unfinished children and everything below them: frames become ABORTED, their
 * tasks CANCELLED, their timers deleted.
 */
export async function abortGroupChildren(
  trx: Executor,
  executionId: string,
  groupId: string,
): Promise<void> {
  const { rows } = await sql<{ id: string }>`
    WITH RECURSIVE sub(id) AS (
      SELECT id FROM frames WHERE group_id = ${groupId} AND status IN ('QUEUED', 'RUNNING')
      UNION
      SELECT f.id FROM frames f JOIN child_groups g ON f.group_id = g.id JOIN sub ON g.parent_frame_id = sub.id
      WHERE f.status IN ('QUEUED', 'RUNNING')
    ) SELECT id FROM sub`.execute(trx)
  const ids = rows.map((r) => r.id)
  if (ids.length === 0) return
  await trx
    .updateTable('frames')
    .set({ status: 'ABORTED', version: sql`version + 1` })
    .where('id', 'in', ids)
    .execute()
  await trx
    .updateTable('tasks')
    .set({ status: 'CANCELLED', finished_at: sql`clock_timestamp()` })
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
  frameIds: readonly string[] | null,
): Promise<void> {
  let tasks = trx
    .updateTable('tasks')
    .set({ status: 'CANCELLED', finished_at: sql`clock_timestamp()` })
    .where('execution_id', '=', executionId)
    .where('status', 'in', ['SCHEDULED', 'STARTED'])
  let timers = trx.deleteFrom('timers').where('execution_id', '=', executionId)
  if (frameIds !== null) {
    if (frameIds.length === 0) return
    tasks = tasks.where('frame_id', 'in', frameIds)
    timers = timers.where('frame_id', 'in', frameIds)
  } else {
    await trx
      .updateTable('frames')
      .set({ status: 'ABORTED', version: sql`version + 1` })
      .where('execution_id', '=', executionId)
      .where('status', 'in', ['QUEUED', 'RUNNING'])
      .where('group_id', 'is not', null)
      .execute()
  }
  await tasks.execute()
  await timers.execute()
}

/** A new execution's row, written together with everything its first decision made. */
export interface NewExecution {
  readonly id: string
  readonly stateMachineId: number
  readonly revisionId: number
  readonly name: string
  readonly input: JsonValue
  readonly startedAt: Date
}

/** A new execution to insert, with everything its first decision made. */
export interface StartedExecution {
  readonly execution: NewExecution
  readonly writeSet: WriteSet
  /** Channels to NOTIFY when it commits. */
  readonly notify: readonly string[]
}

/**
 * Insert new executions and everything their first decisions made in ONE statement (data-
 * modifying CTEs, rows passed as jsonb arrays), so starting executions that run to their end or
 * first suspension costs one round trip and one commit however many start together. An
 * execution whose machine already has one of that name is skipped with all its rows. Answers
 * the ids inserted.
 */
export async function insertStartedExecutions(
  db: Executor,
  starts: readonly StartedExecution[],
): Promise<Set<string>> {
  // In one order, so two statements inserting the same names cannot deadlock on them.
  const sorted = [...starts].sort(
    (a, b) =>
      a.execution.stateMachineId - b.execution.stateMachineId ||
      (a.execution.name < b.execution.name ? -1 : a.execution.name > b.execution.name ? 1 : 0),
  )
  const executions = sorted.map(({ execution: e, writeSet: w }) => {
    const f = w.finish
    return {
      id: e.id,
      state_machine_id: e.stateMachineId,
      revision_id: e.revisionId,
      name: e.name,
      status: f?.status ?? 'RUNNING',
      input: JSON.stringify(e.input),
      output: f?.output === undefined ? null : JSON.stringify(f.output),
      error: f?.error ?? null,
      cause: f?.cause ?? null,
      next_event_id: w.nextEventId,
      started_at: e.startedAt.toISOString(),
      stopped_at: f ? f.stoppedAt.toISOString() : null,
    }
  })
  const notify = [...new Set(sorted.flatMap((s) => s.notify))]
  const { rows } = await sql<{ id: string }>`
    WITH e AS (
      INSERT INTO executions (id, state_machine_id, revision_id, name, status, input, output, error,
        cause, next_event_id, started_at, stopped_at)
      SELECT r.id, r.state_machine_id, r.revision_id, r.name, r.status, r.input::jsonb,
        r.output::jsonb, r.error, r.cause, r.next_event_id, r.started_at, r.stopped_at
      FROM jsonb_to_recordset(${JSON.stringify(executions)}::jsonb) AS r(id uuid,
        state_machine_id bigint, revision_id bigint, name text, status text, input text,
        output text, error text, cause text, next_event_id int, started_at timestamptz,
        stopped_at timestamptz)
      ON CONFLICT (state_machine_id, name) DO NOTHING
      RETURNING id
    ), ${sql.join([
      ...insertCtes(newRows(...sorted.map((s) => s.writeSet)), sql`e`),
      sql`n AS (
      SELECT pg_notify(c, '') FROM (SELECT 1 FROM e LIMIT 1) AS inserted, unnest(${notify}::text[]) AS c
    )`,
    ])}
    SELECT id, (SELECT count(*) FROM n) AS notified FROM e`.execute(db)
  return new Set(rows.map((r) => r.id))
}

/** The rows a decision adds, as JSON arrays for jsonb_to_recordset (one parameter per table). */
interface NewRows {
  readonly frames: string
  readonly groups: string
  readonly history: string
  readonly tasks: string
  readonly timers: string
}

function newRows(...sets: readonly WriteSet[]): NewRows {
  const rows = sets.map(newRowObjects)
  const join = (pick: (r: ReturnType<typeof newRowObjects>) => object[]) =>
    JSON.stringify(rows.flatMap(pick))
  return {
    frames: join((r) => r.frames),
    groups: join((r) => r.groups),
    history: join((r) => r.history),
    tasks: join((r) => r.tasks),
    timers: join((r) => r.timers),
  }
}

/** Each row names its execution, so one statement can insert the rows of many. */
function newRowObjects(w: WriteSet) {
  const execution_id = w.executionId
  const frames = w.frames
    .filter((r) => r.isNew)
    .map((r) => ({
      execution_id,
      id: r.id,
      group_id: r.groupId,
      child_index: r.childIndex,
      status: r.status,
      input: jsonText(r.input),
      snapshot: jsonText(r.snapshot as JsonValue | null),
      output: r.result ? JSON.stringify(r.result.output) : null,
      error: r.result?.error ?? null,
      cause: r.result?.cause ?? null,
    }))
  const groups = w.groups
    .filter((g) => g.isNew)
    .map((g) => ({
      execution_id,
      id: g.id,
      parent_frame_id: g.parentFrameId,
      children_id: g.childrenId,
      state_type: g.stateType,
      total: g.total,
      max_concurrency: g.maxConcurrency,
      tolerated_failure_count: g.toleratedFailureCount,
      tolerated_failure_percentage: g.toleratedFailurePercentage,
      previous_event_id: g.previousEventId,
      next_index: g.nextIndex,
      running: g.running,
      succeeded: g.succeeded,
      failed: g.failed,
      done: g.done,
    }))
  const first = w.history[0]
  const last = w.history[w.history.length - 1]
  const history =
    first && last
      ? [
          {
            execution_id,
            first_event_id: first.id,
            last_event_id: last.id,
            events: w.history.map((h) => {
              const details = detailsObject(h)
              return {
                previousEventId: h.previousEventId,
                type: h.type,
                occurredAt: new Date(h.timestamp).toISOString(),
                ...(details !== null ? { details } : {}),
              }
            }),
          },
        ]
      : []
  const tasks = w.tasks.map((t) => ({
    execution_id,
    id: t.id,
    frame_id: t.frameId,
    state_name: t.stateName,
    attempt: t.attempt,
    kind: t.kind,
    resource: t.resource,
    activity_name: t.activityName,
    input: JSON.stringify(t.input),
    token_hash: t.tokenHash,
    timeout_seconds: t.timeoutSeconds,
    heartbeat_seconds: t.heartbeatSeconds,
    lease_owner: t.leaseOwner,
    lease_until: t.leaseUntil?.toISOString() ?? null,
    dispatch_count: t.kind === 'activity' ? 0 : 1,
  }))
  const timers = w.timers.map((t) => ({
    execution_id,
    id: t.id,
    frame_id: t.frameId,
    task_id: t.taskId,
    reason: t.reason,
    fire_at: t.fireAt.toISOString(),
  }))
  return { frames, groups, history, tasks, timers }
}

/**
 * Data-modifying CTEs inserting a decision's new rows, each table from one jsonb array, so a
 * decision's inserts are one statement whatever their number. Each row names its execution;
 * only rows whose execution is in `executions` (a CTE of the rows the statement wrote: the
 * guarded update, or the executions inserted) are inserted.
 */
function insertCtes(rows: NewRows, executions: RawBuilder<unknown>): RawBuilder<unknown>[] {
  const ctes: RawBuilder<unknown>[] = []
  if (rows.frames !== '[]') {
    ctes.push(sql`f AS (
      INSERT INTO frames (id, execution_id, group_id, child_index, status, input, snapshot, output, error, cause)
      SELECT r.id, r.execution_id, r.group_id, r.child_index, r.status, r.input::jsonb, r.snapshot::jsonb,
        r.output::jsonb, r.error, r.cause
      FROM ${executions} AS ex JOIN jsonb_to_recordset(${rows.frames}::jsonb) AS r(execution_id uuid, id uuid, group_id uuid, child_index int,
        status text, input text, snapshot text, output text, error text, cause text) ON r.execution_id = ex.id
    )`)
  }
  if (rows.groups !== '[]') {
    ctes.push(sql`g AS (
      INSERT INTO child_groups (id, execution_id, parent_frame_id, children_id, state_type, total,
        max_concurrency, tolerated_failure_count, tolerated_failure_percentage, previous_event_id,
        next_index, running, succeeded, failed, done)
      SELECT r.id, r.execution_id, r.parent_frame_id, r.children_id, r.state_type, r.total, r.max_concurrency,
        r.tolerated_failure_count, r.tolerated_failure_percentage, r.previous_event_id, r.next_index,
        r.running, r.succeeded, r.failed, r.done
      FROM ${executions} AS ex JOIN jsonb_to_recordset(${rows.groups}::jsonb) AS r(execution_id uuid, id uuid, parent_frame_id uuid,
        children_id text, state_type text, total int, max_concurrency int, tolerated_failure_count int,
        tolerated_failure_percentage float8, previous_event_id int, next_index int, running int,
        succeeded int, failed int, done boolean) ON r.execution_id = ex.id
    )`)
  }
  if (rows.history !== '[]') {
    ctes.push(sql`h AS (
      INSERT INTO history (execution_id, first_event_id, last_event_id, events)
      SELECT r.execution_id, r.first_event_id, r.last_event_id, r.events
      FROM ${executions} AS ex JOIN jsonb_to_recordset(${rows.history}::jsonb) AS r(execution_id uuid,
        first_event_id int, last_event_id int, events jsonb) ON r.execution_id = ex.id
    )`)
  }
  if (rows.tasks !== '[]') {
    ctes.push(sql`t AS (
      INSERT INTO tasks (id, execution_id, frame_id, state_name, attempt, kind, resource, activity_name,
        input, token_hash, status, timeout_seconds, heartbeat_seconds, lease_owner, lease_until,
        dispatch_count)
      SELECT r.id, r.execution_id, r.frame_id, r.state_name, r.attempt, r.kind, r.resource, r.activity_name,
        r.input::jsonb, r.token_hash, 'SCHEDULED', r.timeout_seconds, r.heartbeat_seconds, r.lease_owner,
        r.lease_until, r.dispatch_count
      FROM ${executions} AS ex JOIN jsonb_to_recordset(${rows.tasks}::jsonb) AS r(execution_id uuid, id uuid, frame_id uuid,
        state_name text, attempt int, kind text, resource text, activity_name text, input text,
        token_hash text, timeout_seconds int, heartbeat_seconds int, lease_owner text,
        lease_until timestamptz, dispatch_count int) ON r.execution_id = ex.id
    )`)
  }
  if (rows.timers !== '[]') {
    ctes.push(sql`tm AS (
      INSERT INTO timers (id, execution_id, frame_id, task_id, reason, fire_at)
      SELECT r.id, r.execution_id, r.frame_id, r.task_id, r.reason, r.fire_at
      FROM ${executions} AS ex JOIN jsonb_to_recordset(${rows.timers}::jsonb) AS r(execution_id uuid, id uuid, frame_id uuid,
        task_id uuid, reason text, fire_at timestamptz) ON r.execution_id = ex.id
    )`)
  }
  return ctes
}

/**
 * JSON values travel as JSON text inside the jsonb row arrays: jsonb_to_recordset would turn a
 * JSON null into SQL NULL, and a task input or a frame output may well be null.
 */
function jsonText(value: JsonValue | null): string | null {
  return value === null ? null : JSON.stringify(value)
}

function detailsObject(e: HistoryRow): JsonValue {
  for (const key of Object.keys(e)) {
    if (key.endsWith('EventDetails')) return { [key]: e[key] as JsonValue }
  }
  return null
}
