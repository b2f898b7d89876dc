import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/**
 * The TypeScript view of the tables that `migrations/*.sql` create. Keep this file and the SQL in
 * step: a column added by a migration is added here in the same change.
 *
 * Value mapping is the same on both backends (see `database.ts`): `bigint` and `integer` read as
 * `number` (ids stay far below 2^53), `timestamptz` reads as `Date`, `jsonb` reads as parsed JSON.
 * JSON is written as text (`toJsonb(value)`), because postgres.js would send a JS array parameter
 * as a Postgres array, not as JSON.
 */
export interface Tables {
  millrace_migrations: MillraceMigrationsTable
  activities: ActivitiesTable
  state_machines: StateMachinesTable
  state_machine_revisions: StateMachineRevisionsTable
  executions: ExecutionsTable
  history_events: HistoryEventsTable
  pending_events: PendingEventsTable
  tasks: TasksTable
  timers: TimersTable
}

/** Any value JSON can carry (the store's own copy: store and asl never import each other). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** JSON text made by {@link toJsonb}, ready to bind to a `jsonb` column. */
export type JsonbText = string & { readonly __jsonb: true }

/** A `jsonb` column: reads parsed JSON, writes {@link JsonbText}. */
export type Jsonb<T extends JsonValue = JsonValue> = ColumnType<T, JsonbText, JsonbText>
/** A nullable `jsonb` column. */
export type NullableJsonb<T extends JsonValue = JsonValue> = ColumnType<
  T | null,
  JsonbText | null | undefined,
  JsonbText | null
>
/** A `jsonb` column with a database default. */
export type JsonbWithDefault<T extends JsonValue = JsonValue> = ColumnType<
  T,
  JsonbText | undefined,
  JsonbText
>

/** A `timestamptz` column: reads `Date`, writes `Date` (or an ISO string). */
export type Timestamp = ColumnType<Date, Date | string, Date | string>
/** A `timestamptz` column with a database default (usually `now()`). */
export type TimestampWithDefault = ColumnType<Date, Date | string | undefined, Date | string>
/** A nullable `timestamptz` column. */
export type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>
/** A `GENERATED ALWAYS AS IDENTITY` column: the database assigns it, nobody updates it. */
export type IdentityId = ColumnType<number, never, never>

/**
 * Serializes a value for a `jsonb` column.
 *
 * @example
 * await db.updateTable('executions').set({ output: toJsonb({ ok: true }) }).where('id', '=', id).execute()
 */
export function toJsonb(value: JsonValue): JsonbText {
  return JSON.stringify(value) as JsonbText
}

export interface MillraceMigrationsTable {
  version: number
  name: string
  checksum: string
  applied_at: TimestampWithDefault
}

export interface ActivitiesTable {
  id: IdentityId
  name: string
  created_at: TimestampWithDefault
}

export type StateMachineType = 'STANDARD' | 'EXPRESS'
export type StateMachineStatus = 'ACTIVE' | 'DELETING'

export interface StateMachinesTable {
  id: IdentityId
  name: string
  type: ColumnType<StateMachineType, StateMachineType | undefined, StateMachineType>
  status: ColumnType<StateMachineStatus, StateMachineStatus | undefined, StateMachineStatus>
  role_arn: string | null
  current_revision_id: number | null
  created_at: TimestampWithDefault
  updated_at: TimestampWithDefault
}

export interface StateMachineRevisionsTable {
  id: IdentityId
  state_machine_id: number
  revision: number
  definition: string
  definition_hash: string
  description: string | null
  created_at: TimestampWithDefault
}

export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE'

export interface ExecutionsTable {
  id: Generated<string>
  state_machine_id: number
  revision_id: number
  name: string
  status: ColumnType<ExecutionStatus, ExecutionStatus | undefined, ExecutionStatus>
  input: Jsonb
  output: NullableJsonb
  error: string | null
  cause: string | null
  snapshot: Jsonb
  version: Generated<number>
  next_event_id: Generated<number>
  started_at: TimestampWithDefault
  stopped_at: NullableTimestamp
  updated_at: TimestampWithDefault
}

export interface HistoryEventsTable {
  execution_id: string
  event_id: number
  previous_event_id: Generated<number>
  type: string
  occurred_at: TimestampWithDefault
  details: NullableJsonb
}

export interface PendingEventsTable {
  id: IdentityId
  execution_id: string
  kind: string
  payload: JsonbWithDefault
  dedupe_key: string | null
  created_at: TimestampWithDefault
}

export type TaskKind = 'function' | 'http' | 'activity' | 'callback'
export type TaskStatus = 'QUEUED' | 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED'

export interface TasksTable {
  id: IdentityId
  execution_id: string
  state_name: string
  task_key: string
  attempt: Generated<number>
  kind: TaskKind
  resource: string
  activity_id: number | null
  token_hash: string
  input: Jsonb
  status: ColumnType<TaskStatus, TaskStatus | undefined, TaskStatus>
  available_at: TimestampWithDefault
  timeout_seconds: number | null
  heartbeat_seconds: number | null
  worker_name: string | null
  last_heartbeat_at: NullableTimestamp
  created_at: TimestampWithDefault
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
}

export type TimerReason = 'Wait' | 'Retry' | 'Timeout' | 'HeartbeatTimeout'

export interface TimersTable {
  id: IdentityId
  execution_id: string
  fire_at: Timestamp
  reason: TimerReason
  payload: JsonbWithDefault
  created_at: TimestampWithDefault
}

export type Execution = Selectable<ExecutionsTable>
export type NewExecution = Insertable<ExecutionsTable>
export type ExecutionUpdate = Updateable<ExecutionsTable>
export type HistoryEventRow = Selectable<HistoryEventsTable>
export type NewHistoryEvent = Insertable<HistoryEventsTable>
export type TaskRow = Selectable<TasksTable>
export type NewTask = Insertable<TasksTable>
export type TimerRow = Selectable<TimersTable>
export type NewTimer = Insertable<TimersTable>
