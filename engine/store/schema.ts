import type { ColumnType, Generated } from 'kysely'

/**
 * The TypeScript view of the tables that `migrations/*.sql` create. Keep this file and the SQL in
 * step: a column added by a migration is added here in the same change.
 *
 * Value mapping is the same on both backends (see `database.ts`): `bigint` and `integer` read as
 * `number` (ids stay far below 2^53), `timestamptz` reads as `Date`, `jsonb` reads as parsed JSON.
 * JSON is written as text (`toJsonb(value)`): postgres.js types a parameter by its JS value, so a
 * bare `true` or an array of Dates would reach a jsonb column as boolean or timestamptz[].
 */
export interface Tables {
  millrace_migrations: MillraceMigrationsTable
  activities: ActivitiesTable
  functions: FunctionsTable
  state_machines: StateMachinesTable
  state_machine_revisions: StateMachineRevisionsTable
  executions: ExecutionsTable
  frames: FramesTable
  child_groups: ChildGroupsTable
  history: HistoryTable
  /** A view: one row per event of `history`. */
  history_events: HistoryEventsTable
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

export interface FunctionsTable {
  name: string
  url: string
  timeout_seconds: ColumnType<number, number | undefined, number>
  headers: JsonbWithDefault<Record<string, string>>
  max_concurrency: number | null
  created_at: TimestampWithDefault
  updated_at: TimestampWithDefault
}

export type StateMachineType = 'STANDARD' | 'EXPRESS'

export interface StateMachinesTable {
  id: IdentityId
  name: string
  type: ColumnType<StateMachineType, StateMachineType | undefined, StateMachineType>
  role_arn: string
  current_revision_id: number | null
  created_at: TimestampWithDefault
  deleted_at: NullableTimestamp
}

export interface StateMachineRevisionsTable {
  id: IdentityId
  state_machine_id: number
  revision: number
  definition: string
  definition_hash: string
  role_arn: string
  created_at: TimestampWithDefault
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'

/** Every execution status, in AWS's order. */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
]

export interface ExecutionsTable {
  id: Generated<string>
  seq: ColumnType<string, never, never>
  state_machine_id: number
  revision_id: number
  name: string
  status: ColumnType<ExecutionStatus, ExecutionStatus | undefined, ExecutionStatus>
  input: Jsonb
  output: NullableJsonb
  error: string | null
  cause: string | null
  next_event_id: Generated<number>
  version: Generated<number>
  started_at: Timestamp
  stopped_at: NullableTimestamp
}

export type FrameStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT'

export interface FramesTable {
  id: string
  execution_id: string
  group_id: string | null
  child_index: number | null
  status: FrameStatus
  input: NullableJsonb
  snapshot: NullableJsonb
  output: NullableJsonb
  error: string | null
  cause: string | null
  version: Generated<number>
  /** The push task the frame waits for (migrations/0006), with its dispatcher's lease. */
  push_task: NullableJsonb
  lease_owner: string | null
  lease_until: NullableTimestamp
  dispatch_count: number | null
}

export interface ChildGroupsTable {
  id: string
  execution_id: string
  parent_frame_id: string
  children_id: string
  state_type: 'Parallel' | 'Map'
  total: number
  max_concurrency: number
  tolerated_failure_count: number | null
  tolerated_failure_percentage: number | null
  previous_event_id: number
  next_index: Generated<number>
  running: Generated<number>
  succeeded: Generated<number>
  failed: Generated<number>
  done: Generated<boolean>
}

export interface HistoryTable {
  execution_id: string
  first_event_id: number
  last_event_id: number
  events: Jsonb
}

export interface HistoryEventsTable {
  execution_id: string
  event_id: number
  previous_event_id: number
  type: string
  occurred_at: Timestamp
  details: NullableJsonb
}

export type TaskKind = 'push' | 'activity' | 'callback'
export type TaskStatus =
  'SCHEDULED' | 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED'

export interface TasksTable {
  id: string
  execution_id: string
  frame_id: string
  state_name: string
  attempt: number
  kind: TaskKind
  resource: string
  activity_name: string | null
  input: Jsonb
  token_hash: string | null
  status: TaskStatus
  timeout_seconds: number | null
  heartbeat_seconds: number | null
  worker_name: string | null
  lease_owner: string | null
  lease_until: NullableTimestamp
  dispatch_count: Generated<number>
  created_at: TimestampWithDefault
  started_at: NullableTimestamp
  finished_at: NullableTimestamp
}

export type TimerReason = 'Wait' | 'Retry' | 'ExecutionTimeout' | 'TaskTimeout' | 'HeartbeatTimeout'

export interface TimersTable {
  id: string
  execution_id: string
  frame_id: string
  task_id: string | null
  reason: TimerReason
  fire_at: Timestamp
}
