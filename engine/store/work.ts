import { sql } from 'kysely'
import type { Executor } from './database.js'
import { pushLeaseSeconds, PUSH_LEASE, type PushTask } from './decisions.js'
import type { JsonValue } from './schema.js'

/**
 * Work that engines claim: due timers, push tasks whose lease ran out, and the closing of task
 * attempts. Claims use FOR UPDATE SKIP LOCKED so engines never wait on each other's claims.
 */

export interface DueTimer {
  readonly id: string
  readonly executionId: string
  readonly frameId: string
  readonly taskId: string | null
  readonly reason: string
  /** How late it was claimed: the database clock minus its fire_at, in milliseconds. */
  readonly lagMs: number
}

export async function claimDueTimers(trx: Executor, limit: number): Promise<DueTimer[]> {
  const rows = await trx
    .selectFrom('timers')
    .select(['id', 'execution_id', 'frame_id', 'task_id', 'reason'])
    .select(
      sql<number>`extract(epoch from clock_timestamp() - fire_at)::float8 * 1000`.as('lag_ms'),
    )
    .where('fire_at', '<=', sql<Date>`clock_timestamp()`)
    .orderBy('fire_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute()
  return rows.map((r) => ({
    id: r.id,
    executionId: r.execution_id,
    frameId: r.frame_id,
    taskId: r.task_id,
    reason: r.reason,
    lagMs: Number(r.lag_ms),
  }))
}

export async function deleteTimers(trx: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await trx.deleteFrom('timers').where('id', 'in', ids).execute()
}

/** Milliseconds until the next timer is due (0 if one is due), or undefined when none exist. */
export async function nextTimerDelay(db: Executor): Promise<number | undefined> {
  const { rows } = await sql<{ ms: number | null }>`
    SELECT (extract(epoch from (min(fire_at) - clock_timestamp())) * 1000)::float8 AS ms FROM timers`.execute(
    db,
  )
  const ms = rows[0]?.ms
  return ms === null || ms === undefined ? undefined : Math.max(0, Math.ceil(Number(ms)))
}

/** What narrows which attempt may be closed: a dispatcher's lease, or a task token's hash. */
export interface TaskGuard {
  readonly leaseOwner?: string
  readonly dispatchCount?: number
  readonly tokenHash?: string
}

export type TaskResult =
  | { readonly kind: 'succeeded'; readonly output: JsonValue; readonly workerName?: string }
  | { readonly kind: 'failed'; readonly error?: string; readonly cause?: string }
  | { readonly kind: 'timed-out'; readonly heartbeat?: boolean; readonly cause?: string }

export interface ClosedTask {
  readonly frameId: string
  readonly wasScheduled: boolean
}

export interface TaskClose {
  readonly taskId: string
  readonly result: TaskResult
  readonly guard: TaskGuard
  /** The attempt's frame, when known: a push task is kept on its frame's row, not in tasks. */
  readonly frameId?: string
}

/**
 * Close many open attempts in one statement (a Map's iterations answering together). Each close
 * applies only if its attempt is open and its guard holds; the same task named twice is closed
 * once, by its first close. Answers, per task id, the closed attempt or undefined.
 */
export async function closeTasks(
  trx: Executor,
  closes: readonly TaskClose[],
): Promise<Map<string, ClosedTask | undefined>> {
  const answer = new Map<string, ClosedTask | undefined>()
  const first = new Map<string, TaskClose>()
  for (const c of closes) if (!first.has(c.taskId)) first.set(c.taskId, c)
  if (first.size === 0) return answer
  const rows = [...first.values()].map((c) => ({
    id: c.taskId,
    status:
      c.result.kind === 'succeeded'
        ? 'SUCCEEDED'
        : c.result.kind === 'failed'
          ? 'FAILED'
          : 'TIMED_OUT',
    lease_owner: c.guard.leaseOwner ?? null,
    dispatch_count: c.guard.dispatchCount ?? null,
    token_hash: c.guard.tokenHash ?? null,
  }))
  const { rows: closed } = await sql<{
    id: string
    frame_id: string
    was_scheduled: boolean
    has_timers: boolean
  }>`
    UPDATE tasks AS t SET status = v.status, finished_at = clock_timestamp()
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS v(id uuid, status text, lease_owner text, dispatch_count int, token_hash text)
    WHERE t.id = ANY(${rows.map((r) => r.id)}::uuid[]) AND t.id = v.id
      AND t.status IN ('SCHEDULED', 'STARTED')
      AND (v.lease_owner IS NULL OR t.lease_owner = v.lease_owner)
      AND (v.dispatch_count IS NULL OR t.dispatch_count = v.dispatch_count)
      AND (v.token_hash IS NULL OR t.token_hash = v.token_hash)
    RETURNING t.id, t.frame_id, t.started_at IS NULL AS was_scheduled,
      (t.timeout_seconds IS NOT NULL OR t.heartbeat_seconds IS NOT NULL) AS has_timers`.execute(trx)
  const withTimers = closed.filter((r) => r.has_timers).map((r) => r.id)
  for (const r of closed) answer.set(r.id, { frameId: r.frame_id, wasScheduled: r.was_scheduled })
  const onFrames = [...first.values()].filter(
    (c) => c.frameId !== undefined && c.guard.tokenHash === undefined && !answer.has(c.taskId),
  )
  for (const id of await closePushTasks(trx, onFrames)) {
    withTimers.push(id)
    answer.set(id, { frameId: (first.get(id) as TaskClose).frameId as string, wasScheduled: true })
  }
  if (withTimers.length > 0)
    await trx.deleteFrom('timers').where('task_id', 'in', withTimers).execute()
  return answer
}

/**
 * Close push tasks kept on their frames' rows (migrations/0006): each frame gives up its push
 * task if it still holds that one under the lease the close names. Answers the ids closed.
 */
async function closePushTasks(trx: Executor, closes: readonly TaskClose[]): Promise<string[]> {
  if (closes.length === 0) return []
  const rows = closes.map((c) => ({
    id: c.taskId,
    frame_id: c.frameId,
    lease_owner: c.guard.leaseOwner ?? null,
    dispatch_count: c.guard.dispatchCount ?? null,
  }))
  // The id array lets the planner find the frames by key; the join pairs each with its close.
  const { rows: closed } = await sql<{ id: string }>`
    UPDATE frames AS f SET push_task = NULL, lease_owner = NULL, lease_until = NULL,
      dispatch_count = NULL
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS v(id uuid, frame_id uuid, lease_owner text, dispatch_count int)
    WHERE f.id = ANY(${rows.map((r) => r.frame_id)}::uuid[]) AND f.id = v.frame_id
      AND f.push_task->>'id' = v.id::text
      AND (v.lease_owner IS NULL OR f.lease_owner = v.lease_owner)
      AND (v.dispatch_count IS NULL OR f.dispatch_count = v.dispatch_count)
    RETURNING v.id`.execute(trx)
  return closed.map((r) => r.id)
}

export async function rootFrameId(trx: Executor, executionId: string): Promise<string> {
  const row = await trx
    .selectFrom('frames')
    .select('id')
    .where('execution_id', '=', executionId)
    .where('group_id', 'is', null)
    .executeTakeFirstOrThrow()
  return row.id
}

/**
 * Take over push tasks whose lease ran out: this engine becomes the owner and the dispatch count
 * goes up, so an answer from the previous owner is refused (fencing). Push tasks are kept on
 * their frames' rows; a callback task (.waitForTaskToken) has a tasks row and is taken over
 * until its call handed it over (STARTED).
 */
export async function takeExpiredPushTasks(
  trx: Executor,
  engineId: string,
  limit: number,
): Promise<PushTask[]> {
  const { rows: frames } = await sql<{
    id: string
    execution_id: string
    push_task: StoredPushTask
    dispatch_count: number
  }>`
    UPDATE frames AS f SET lease_owner = ${engineId}, dispatch_count = f.dispatch_count + 1,
      lease_until = clock_timestamp() + make_interval(secs =>
        coalesce((f.push_task->>'timeout_seconds')::int, ${PUSH_LEASE.defaultTimeoutSeconds})
          + ${PUSH_LEASE.marginSeconds})
    WHERE f.id IN (
      SELECT id FROM frames WHERE lease_until < clock_timestamp()
      ORDER BY lease_until LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING f.id, f.execution_id, f.push_task, f.dispatch_count`.execute(trx)
  const tasks: PushTask[] = frames.map((r) => ({
    id: r.push_task.id,
    kind: 'push',
    executionId: r.execution_id,
    frameId: r.id,
    stateName: r.push_task.state_name,
    attempt: r.push_task.attempt,
    resource: r.push_task.resource,
    input: r.push_task.input,
    timeoutSeconds: r.push_task.timeout_seconds,
    dispatchCount: r.dispatch_count,
  }))
  const rows = await trx
    .selectFrom('tasks')
    .select([
      'id',
      'execution_id',
      'frame_id',
      'state_name',
      'attempt',
      'resource',
      'input',
      'timeout_seconds',
      'dispatch_count',
    ])
    .where('kind', '=', 'callback')
    .where('status', '=', 'SCHEDULED')
    .where('lease_until', '<', sql<Date>`clock_timestamp()`)
    .orderBy('lease_until')
    .limit(Math.max(0, limit - tasks.length))
    .forUpdate()
    .skipLocked()
    .execute()
  for (const r of rows) {
    const leaseSeconds = pushLeaseSeconds(r.timeout_seconds)
    await trx
      .updateTable('tasks')
      .set({
        lease_owner: engineId,
        lease_until: sql<Date>`clock_timestamp() + make_interval(secs => ${leaseSeconds})`,
        dispatch_count: r.dispatch_count + 1,
      })
      .where('id', '=', r.id)
      .execute()
    tasks.push({
      id: r.id,
      kind: 'callback',
      executionId: r.execution_id,
      frameId: r.frame_id,
      stateName: r.state_name,
      attempt: r.attempt,
      resource: r.resource,
      input: r.input,
      timeoutSeconds: r.timeout_seconds,
      dispatchCount: r.dispatch_count + 1,
    })
  }
  return tasks
}

/** frames.push_task (migrations/0006). */
interface StoredPushTask {
  readonly id: string
  readonly state_name: string
  readonly attempt: number
  readonly resource: string
  readonly input: JsonValue
  readonly timeout_seconds: number | null
}

/** On shutdown: give up this engine's push leases so another engine takes them over at once. */
export async function releaseLeases(db: Executor, engineId: string): Promise<void> {
  await db
    .updateTable('frames')
    .set({ lease_until: sql<Date>`clock_timestamp()` })
    .where('lease_owner', '=', engineId)
    .where('lease_until', 'is not', null)
    .execute()
  await db
    .updateTable('tasks')
    .set({ lease_until: sql<Date>`clock_timestamp()` })
    .where('lease_owner', '=', engineId)
    .where('status', 'in', ['SCHEDULED', 'STARTED'])
    .execute()
}
