import { sql } from 'kysely'
import type { Executor } from './database.js'
import type { JsonValue } from './schema.js'

/** What a decision needs to know about an execution. */
export interface ExecutionHead {
  readonly id: string
  readonly name: string
  readonly status: string
  readonly nextEventId: number
  /** Bumped by every decision; a decision's write requires the version it read. */
  readonly version: number
  readonly revisionId: number
  readonly stateMachineName: string
  readonly roleArn: string
  readonly startedAt: Date
}

/** An execution whose row lock the reader holds. */
export interface LockedExecution extends ExecutionHead {
  /** Database time when the lock was taken, in ms. */
  readonly now: number
}

function headQuery(db: Executor, id: string) {
  return db
    .selectFrom('executions as e')
    .innerJoin('state_machines as m', 'm.id', 'e.state_machine_id')
    .innerJoin('state_machine_revisions as r', 'r.id', 'e.revision_id')
    .select([
      'e.id',
      'e.name',
      'e.status',
      'e.next_event_id',
      'e.version',
      'e.revision_id',
      'e.started_at',
      'm.name as machine_name',
      'r.role_arn',
      sql<number>`(extract(epoch from clock_timestamp()) * 1000)::float8`.as('now'),
    ])
    .where('e.id', '=', id)
}

/** An execution as it is now, without a lock (a decision whose write checks the version). */
export async function readExecution(
  db: Executor,
  id: string,
): Promise<LockedExecution | undefined> {
  const row = await headQuery(db, id).executeTakeFirst()
  return row && toHead(row)
}

/**
 * Lock an execution row for one decision. Every decision about an execution goes through here,
 * so decisions about one execution are serial; different executions proceed in parallel.
 */
export async function lockExecution(
  trx: Executor,
  id: string,
): Promise<LockedExecution | undefined> {
  const row = await headQuery(trx, id).forUpdate('e').executeTakeFirst()
  return row && toHead(row)
}

function toHead(row: {
  id: string
  name: string
  status: string
  next_event_id: number
  version: number
  revision_id: number
  started_at: Date
  machine_name: string
  role_arn: string
  now: number
}): LockedExecution {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    nextEventId: row.next_event_id,
    version: row.version,
    revisionId: row.revision_id,
    stateMachineName: row.machine_name,
    roleArn: row.role_arn,
    startedAt: row.started_at,
    now: Math.floor(Number(row.now)),
  }
}

export async function executionInput(trx: Executor, id: string): Promise<JsonValue> {
  const row = await trx
    .selectFrom('executions')
    .select('input')
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  return row.input
}

export async function revisionDefinition(trx: Executor, revisionId: number): Promise<string> {
  const row = await trx
    .selectFrom('state_machine_revisions')
    .select('definition')
    .where('id', '=', revisionId)
    .executeTakeFirstOrThrow()
  return row.definition
}

/** Database time in ms. */
export async function databaseNow(trx: Executor): Promise<number> {
  const { rows } = await sql<{
    now: number
  }>`SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now`.execute(trx)
  return Math.floor(Number(rows[0]?.now))
}
