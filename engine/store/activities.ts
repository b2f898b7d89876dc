import { sql } from 'kysely'
import type { Executor } from './database.js'
import type { JsonValue, TaskKind, TaskStatus } from './schema.js'

/**
 * Activities and the tasks answered by token: CreateActivity and friends, the claim of
 * GetActivityTask, and the lookups of SendTaskSuccess/Failure/Heartbeat.
 */

export interface ActivityRow {
  readonly id: number
  readonly name: string
  readonly createdAt: Date
}

/** Create an activity, or answer the one of that name (CreateActivity is idempotent on AWS). */
export async function createActivity(db: Executor, name: string): Promise<ActivityRow> {
  await db
    .insertInto('activities')
    .values({ name })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  return (await findActivity(db, name)) as ActivityRow
}

export async function findActivity(db: Executor, name: string): Promise<ActivityRow | undefined> {
  const row = await db
    .selectFrom('activities')
    .select(['id', 'name', 'created_at'])
    .where('name', '=', name)
    .executeTakeFirst()
  return row ? { id: row.id, name: row.name, createdAt: row.created_at } : undefined
}

/** Answers whether it existed. Its queued tasks stay; they time out as on AWS. */
export async function deleteActivity(db: Executor, name: string): Promise<boolean> {
  const result = await db.deleteFrom('activities').where('name', '=', name).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function listActivities(
  db: Executor,
  page: { after: number | undefined; limit: number },
): Promise<ActivityRow[]> {
  let query = db
    .selectFrom('activities')
    .select(['id', 'name', 'created_at'])
    .orderBy('id')
    .limit(page.limit)
  if (page.after !== undefined) query = query.where('id', '>', page.after)
  return (await query.execute()).map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }))
}

export async function activityNames(db: Executor): Promise<string[]> {
  return (await db.selectFrom('activities').select('name').execute()).map((r) => r.name)
}

/** An activity task claimed for a poller. */
export interface ClaimedTask {
  readonly id: string
  readonly executionId: string
  readonly frameId: string
  readonly input: JsonValue
  readonly heartbeatSeconds: number | null
  /** Whether it has a timeout or heartbeat timer. */
  readonly hasTimers: boolean
  /** Which of the claims it answers (index into the `claims` argument). */
  readonly index: number
}

/**
 * Claim up to `claims.length` queued tasks of an activity, oldest first, in one statement:
 * each becomes STARTED with its claim's token hash and worker name, and its heartbeat timer
 * starts over (now + HeartbeatSeconds: the worker has its full interval from the moment it holds
 * the task; task and heartbeat timeouts are never scaled). Tasks another claim holds are skipped
 * (SKIP LOCKED): each task goes to one poller, and pollers never wait on each other.
 */
export async function claimActivityTasks(
  db: Executor,
  activityName: string,
  claims: readonly { readonly tokenHash: string; readonly workerName: string | null }[],
): Promise<ClaimedTask[]> {
  const values = claims.map((c, i) => ({
    n: i + 1,
    token_hash: c.tokenHash,
    worker_name: c.workerName,
  }))
  const { rows } = await sql<{
    id: string
    execution_id: string
    frame_id: string
    input: JsonValue
    heartbeat_seconds: number | null
    timeout_seconds: number | null
    n: number
  }>`
    WITH picked AS (
      SELECT id FROM tasks
      WHERE activity_name = ${activityName} AND status = 'SCHEDULED' AND kind = 'activity'
      ORDER BY created_at
      LIMIT ${claims.length}
      FOR UPDATE SKIP LOCKED
    ), numbered AS (
      SELECT id, row_number() OVER () AS n FROM picked
    ), claimed AS (
      UPDATE tasks AS t SET status = 'STARTED', token_hash = v.token_hash,
        worker_name = v.worker_name, started_at = clock_timestamp()
      FROM numbered, jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
        AS v(n int, token_hash text, worker_name text)
      WHERE t.id = ANY(ARRAY(SELECT id FROM picked)) AND t.id = numbered.id AND v.n = numbered.n
      RETURNING t.id, t.execution_id, t.frame_id, t.input, t.heartbeat_seconds, t.timeout_seconds, v.n
    ), beats AS (
      UPDATE timers AS m
      SET fire_at = clock_timestamp() + make_interval(secs => c.heartbeat_seconds)
      FROM claimed AS c
      WHERE m.task_id = c.id AND m.reason = 'HeartbeatTimeout'
      RETURNING m.id
    )
    SELECT id, execution_id, frame_id, input, heartbeat_seconds, timeout_seconds, n
    FROM claimed ORDER BY n`.execute(db)
  return rows.map((r) => ({
    id: r.id,
    executionId: r.execution_id,
    frameId: r.frame_id,
    input: r.input,
    heartbeatSeconds: r.heartbeat_seconds,
    hasTimers: r.heartbeat_seconds !== null || r.timeout_seconds !== null,
    index: Number(r.n) - 1,
  }))
}

/** A task found by the hash of its token. */
export interface TokenTask {
  readonly id: string
  readonly executionId: string
  readonly frameId: string
  readonly kind: TaskKind
  /** The activity of an activity task; null for a `.waitForTaskToken` task. */
  readonly activityName: string | null
  readonly status: TaskStatus
  readonly workerName: string | null
  readonly heartbeatSeconds: number | null
  /** Whether it has a timeout or heartbeat timer. */
  readonly hasTimers: boolean
}

export async function findTaskByToken(
  db: Executor,
  tokenHash: string,
): Promise<TokenTask | undefined> {
  const row = await db
    .selectFrom('tasks')
    .select([
      'id',
      'execution_id',
      'frame_id',
      'kind',
      'activity_name',
      'status',
      'worker_name',
      'heartbeat_seconds',
      'timeout_seconds',
    ])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst()
  return row
    ? {
        id: row.id,
        executionId: row.execution_id,
        frameId: row.frame_id,
        kind: row.kind,
        activityName: row.activity_name,
        status: row.status,
        workerName: row.worker_name,
        heartbeatSeconds: row.heartbeat_seconds,
        hasTimers: row.heartbeat_seconds !== null || row.timeout_seconds !== null,
      }
    : undefined
}

/**
 * SendTaskHeartbeat: push the task's heartbeat timer to now + HeartbeatSeconds, if
 * the task is still open. One statement; it locks the timer row, so a heartbeat and the timer
 * firing are ordered: a heartbeat that lost the race finds no open task. Answers whether the
 * task is open (with or without a heartbeat timer).
 */
export async function beat(trx: Executor, tokenHash: string): Promise<boolean> {
  const { rows } = await sql<{ open: boolean }>`
    WITH task AS (
      SELECT id, heartbeat_seconds FROM tasks
      WHERE token_hash = ${tokenHash} AND status IN ('SCHEDULED', 'STARTED')
    ), moved AS (
      UPDATE timers AS m
      SET fire_at = clock_timestamp() + make_interval(secs => task.heartbeat_seconds)
      FROM task WHERE m.task_id = task.id AND m.reason = 'HeartbeatTimeout'
      RETURNING m.id
    )
    SELECT EXISTS (SELECT 1 FROM task) AS open, (SELECT count(*) FROM moved) AS moved`.execute(trx)
  return rows[0]?.open ?? false
}

/**
 * A `.waitForTaskToken` task's call answered: the task is STARTED and its lease ends (nothing is
 * dispatched again; the token answers it). Only the dispatcher holding the lease may do this.
 */
export async function markCallbackSubmitted(
  trx: Executor,
  taskId: string,
  leaseOwner: string,
  dispatchCount: number,
): Promise<boolean> {
  const result = await trx
    .updateTable('tasks')
    .set({ status: 'STARTED', started_at: sql<Date>`clock_timestamp()`, lease_until: null })
    .where('id', '=', taskId)
    .where('status', '=', 'SCHEDULED')
    .where('lease_owner', '=', leaseOwner)
    .where('dispatch_count', '=', dispatchCount)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
