import { sql } from 'kysely'
import type { Executor } from './database.js'
import type { JsonValue } from './schema.js'

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
  /** The push task the row holds (migrations/0006): its id, or null. */
  pushTaskId: string | null
  /**
   * What the write does to the row's push task: undefined keeps it, a task (scheduled by this
   * decision) replaces it, null clears it (answered, or the frame moved on).
   */
  push?: FramePushTask | null | undefined
}

/**
 * How long the engine that scheduled a push or callback task owns its dispatch: the task's
 * timeout (60 s without one, the HTTP dispatcher's default) and a margin. Past that, any engine
 * takes it over (the owner died). The call itself is bounded by the task's timeout.
 */
export const PUSH_LEASE = { defaultTimeoutSeconds: 60, marginSeconds: 30 } as const

export function pushLeaseSeconds(timeoutSeconds: number | null | undefined): number {
  return (timeoutSeconds ?? PUSH_LEASE.defaultTimeoutSeconds) + PUSH_LEASE.marginSeconds
}

/** A push task (function endpoint) kept on the row of the frame that waits for it. */
export interface FramePushTask extends Pick<
  PushTask,
  'id' | 'stateName' | 'attempt' | 'resource' | 'input' | 'timeoutSeconds'
> {
  readonly leaseOwner: string
  readonly leaseUntil: Date
}

/** A frame as its write left the database (mutated: the decision's rows are its own). */
export function settleFrame(f: FrameRow): void {
  if (f.push !== undefined) f.pushTaskId = f.push === null ? null : f.push.id
  f.push = undefined
  f.isNew = false
  f.dirty = false
}

export type TimerReason = 'Wait' | 'Retry' | 'ExecutionTimeout' | 'TaskTimeout' | 'HeartbeatTimeout'

/** A task attempt with a row of its own: an activity or callback task (push: FramePushTask). */
export interface NewTask {
  readonly id: string
  readonly executionId: string
  readonly frameId: string
  readonly stateName: string
  readonly attempt: number
  readonly kind: 'activity' | 'callback'
  readonly resource: string
  readonly activityName: string | null
  readonly input: JsonValue
  readonly tokenHash: string | null
  readonly timeoutSeconds: number | null
  readonly heartbeatSeconds: number | null
  readonly leaseOwner: string | null
  readonly leaseUntil: Date | null
  /**
   * An activity task handed to a waiting GetActivityTask poll of this process as it is written:
   * inserted STARTED with the poll's token hash and worker name, so no claim is needed.
   */
  readonly handedTo?: { readonly tokenHash: string; readonly workerName: string | null }
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
    .select(sql<string | null>`push_task->>'id'`.as('push_task_id'))
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
    pushTaskId: r.push_task_id,
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
    pushTaskId: null,
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
  /** Set for a push task: it is kept on this frame's row, not in tasks. */
  readonly pushFrameId?: string
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
   * What ended frames leave behind, voided by the same write: with `all` (the execution
   * ended) every open task, timer and running child; else the open tasks and timers of
   * `frames`. The write voids before it inserts the decision's new rows, so a decision that
   * must void what it just created does that after the write (decide.ts).
   */
  readonly cleanup: { readonly all: boolean; readonly frames: readonly string[] }
  /** Channels to NOTIFY when the write commits. */
  readonly notify: readonly string[]
}

/** One decision to write: what it made and what the write checks. */
export interface DecisionWrite {
  readonly writeSet: WriteSet
  readonly checks: WriteChecks
}

/**
 * Write a decision (see writeDecisions). Throws FencingError when the execution or a task
 * attempt it consumes is no longer as the decision saw it; then nothing is written.
 */
export async function writeDecision(db: Executor, w: WriteSet, checks: WriteChecks): Promise<void> {
  const refused = await writeDecisions(db, [{ writeSet: w, checks }])
  if (refused.size > 0) throw new FencingError('the execution changed since it was read')
}

/**
 * Write decisions about different running executions in ONE statement
 * (millrace_write_decisions, migrations/0002): each execution row guarded by the version its
 * decision read, the task attempts consumed (each guarded by the status and lease or token it
 * had), changed frames (guarded by their versions) and groups, the voiding of what ended frames
 * left behind, the new rows and the notifications. Outside a transaction the statement is its
 * own transaction: the decisions share one round trip and one commit. Answers the executions
 * whose decisions were refused (nothing of those is written): another decision came first, or
 * the decision answers a push task on a frame it does not change. Throws FencingError, with
 * nothing written, when a task attempt or frame changed although its execution's version did
 * not.
 */
export async function writeDecisions(
  db: Executor,
  decisions: readonly DecisionWrite[],
): Promise<Set<string>> {
  // In one order, so two statements lock executions in the same order.
  const sorted = [...decisions].sort((a, b) =>
    a.writeSet.executionId < b.writeSet.executionId ? -1 : 1,
  )
  const refused = new Set<string>()
  const documents: object[] = []
  const kept: WriteSet[] = []
  for (const d of sorted) {
    const document = decisionDocument(d)
    if (document === undefined) {
      refused.add(d.writeSet.executionId)
    } else {
      documents.push(document)
      kept.push(d.writeSet)
    }
  }
  if (documents.length > 0) {
    const doc = { decisions: documents, ...newRows(kept) }
    const { rows } = await sql<{ refused: string[] }>`
      SELECT millrace_write_decisions(${JSON.stringify(doc)}::jsonb) AS refused`
      .execute(db)
      .catch((err: unknown) => {
        throw isFenced(err) ? new FencingError((err as Error).message) : err
      })
    for (const id of rows[0]?.refused ?? []) refused.add(id)
  }
  for (const d of sorted) {
    if (refused.has(d.writeSet.executionId)) continue
    for (const r of d.writeSet.frames) if (!r.isNew && r.dirty) r.version += 1
  }
  return refused
}

/**
 * A decision as millrace_write_decisions reads it, but its new rows (see the migration); or
 * undefined when it cannot be written: it answers a push task on a frame it does not change.
 * (Applying an answer changes the frame that waits for it; one that does not wait for it any
 * more, having ended, no longer holds the task, so the answer is stale.)
 */
function decisionDocument({ writeSet: w, checks }: DecisionWrite): object | undefined {
  const f = w.finish
  const closed = checks.transitions
    .filter((t) => t.to !== 'STARTED' && t.hasTimers !== false)
    .map((t) => t.taskId)
  const moved = checks.transitions
    .filter((t) => t.pushFrameId === undefined)
    .map((t) => ({
      id: t.taskId,
      from_status: t.from,
      to_status: t.to,
      lease_owner: t.leaseOwner ?? null,
      dispatch_count: t.dispatchCount ?? null,
      token_hash: t.tokenHash ?? null,
    }))
  // A push task answered is checked (and cleared) by the update of its frame's row.
  const consumed = new Map<string, object>()
  for (const t of checks.transitions) {
    if (t.pushFrameId === undefined) continue
    consumed.set(t.pushFrameId, {
      id: t.taskId,
      lease_owner: t.leaseOwner ?? null,
      dispatch_count: t.dispatchCount ?? null,
    })
  }
  const frameUpdates = w.frames
    .filter((r) => !r.isNew && r.dirty)
    .map((r) => {
      const consumes = consumed.get(r.id)
      consumed.delete(r.id)
      return {
        id: r.id,
        version: r.version,
        status: r.status,
        ...(r.snapshot === null ? {} : { snapshot: r.snapshot }),
        ...(r.result ? { result: r.result } : {}),
        ...(r.push === undefined ? {} : { push: pushDocument(r.push) }),
        ...(consumes ? { consumes } : {}),
      }
    })
  if (consumed.size > 0) return undefined
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
  return {
    id: w.executionId,
    version: checks.version,
    next_event_id: w.nextEventId,
    ...(f
      ? {
          finish: {
            status: f.status,
            ...(f.output === undefined ? {} : { output: [f.output] }),
            error: f.error ?? null,
            cause: f.cause ?? null,
            stopped_at: f.stoppedAt.toISOString(),
          },
        }
      : {}),
    ...part('moved', moved),
    ...part('closed', closed),
    ...part('frame_updates', frameUpdates),
    ...part('group_updates', groupUpdates),
    ...(checks.cleanup.all ? { cleanup_all: true } : {}),
    ...part('cleanup_frames', checks.cleanup.frames),
    ...part('notify', checks.notify),
  }
}

/** A frame's push task as the write functions store it (frames.push_task and its lease). */
function pushDocument(p: FramePushTask | null): object | null {
  if (p === null) return null
  return {
    task: {
      id: p.id,
      state_name: p.stateName,
      attempt: p.attempt,
      resource: p.resource,
      input: p.input,
      timeout_seconds: p.timeoutSeconds,
    },
    lease_owner: p.leaseOwner,
    lease_until: p.leaseUntil.toISOString(),
    dispatch_count: 1,
  }
}

/** A write function's refusal (SQLSTATE 40001 with its own message). */
function isFenced(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown }
  return e.code === '40001' && typeof e.message === 'string' && e.message.startsWith('millrace:')
}

/** A frame row's columns without a push task (a frame that ended waits for nothing). */
export const NO_PUSH_TASK = {
  push_task: null,
  lease_owner: null,
  lease_until: null,
  dispatch_count: null,
} as const

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
    .set({ status: 'ABORTED', version: sql`version + 1`, ...NO_PUSH_TASK })
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
      .set({ status: 'ABORTED', version: sql`version + 1`, ...NO_PUSH_TASK })
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
 * Insert new executions and everything their first decisions made in ONE statement
 * (millrace_insert_executions, migrations/0002), so starting executions that run to their end
 * or first suspension costs one round trip and one commit however many start together. An
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
  const executions = sorted.map(({ execution: e, writeSet: w, notify }) => {
    const f = w.finish
    return {
      id: e.id,
      state_machine_id: e.stateMachineId,
      revision_id: e.revisionId,
      name: e.name,
      status: f?.status ?? 'RUNNING',
      input: [e.input],
      output: f?.output === undefined ? null : [f.output],
      error: f?.error ?? null,
      cause: f?.cause ?? null,
      next_event_id: w.nextEventId,
      started_at: e.startedAt.toISOString(),
      stopped_at: f ? f.stoppedAt.toISOString() : null,
      notify: notify.length > 0 ? notify : null,
    }
  })
  const doc = { executions, ...newRows(sorted.map((s) => s.writeSet)) }
  const { rows } = await sql<{ inserted: string[] }>`
    SELECT millrace_insert_executions(${JSON.stringify(doc)}::jsonb) AS inserted`.execute(db)
  return new Set(rows[0]?.inserted)
}

/** `{ [name]: items }`, or nothing when there are no items (the write functions skip it). */
function part(name: string, items: readonly unknown[]): object {
  return items.length > 0 ? { [name]: items } : {}
}

/**
 * The rows decisions add, one array per table (tables without rows left out), each row naming
 * its execution. A value that may be JSON null and must stay so (a task's input, a frame's
 * output) is wrapped in an array.
 */
function newRows(sets: readonly WriteSet[]): object {
  const rows = sets.map(newRowsOf)
  const doc: Record<string, unknown[]> = {}
  for (const table of ['frames', 'groups', 'history', 'tasks', 'timers'] as const) {
    const all = rows.flatMap((r): readonly unknown[] => r[table])
    if (all.length > 0) doc[table] = all
  }
  return doc
}

function newRowsOf(w: WriteSet) {
  const execution_id = w.executionId
  const frames = w.frames
    .filter((r) => r.isNew)
    .map((r) => ({
      execution_id,
      id: r.id,
      group_id: r.groupId,
      child_index: r.childIndex,
      status: r.status,
      input: r.input,
      snapshot: r.snapshot,
      ...(r.result
        ? { output: [r.result.output], error: r.result.error, cause: r.result.cause }
        : {}),
      ...(r.push ? { push: pushDocument(r.push) } : {}),
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
    input: [t.input],
    ...(t.handedTo
      ? { status: 'STARTED', token_hash: t.handedTo.tokenHash, worker_name: t.handedTo.workerName }
      : { token_hash: t.tokenHash }),
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

function detailsObject(e: HistoryRow): JsonValue {
  for (const key of Object.keys(e)) {
    if (key.endsWith('EventDetails')) return { [key]: e[key] as JsonValue }
  }
  return null
}
