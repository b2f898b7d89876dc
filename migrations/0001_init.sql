-- 0001_init: first draft of the millrace tables (DESIGN.md, "Storage").
--
-- Applied once, inside one transaction, by engine/store/migrate.ts. Never edit this file once
-- it has been merged: add 0002_... instead (the migrator refuses a changed checksum).
-- The TypeScript view of these tables lives in engine/store/schema.ts: change both together.
--
-- Conventions: snake_case, timestamptz, jsonb for JSON documents, bigint identity ids except
-- executions, whose uuid id is what a future shard-by-execution plan keys on. AWS status names
-- and event types are kept verbatim (RUNNING, TaskSucceeded ...). Every claim query named below
-- runs as `SELECT ... FOR UPDATE SKIP LOCKED`, and each has a partial index that holds only the
-- rows it can claim, so finished work never slows the claim down.

-- Activities (pull-based task queues). The ARN is derived from the name.
CREATE TABLE activities (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE state_machines (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  type text NOT NULL DEFAULT 'STANDARD' CHECK (type IN ('STANDARD', 'EXPRESS')),
  status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DELETING')),
  role_arn text,
  -- set right after the first revision is inserted (same transaction)
  current_revision_id bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per published definition. Executions point at the revision they started with, so a
-- revision is never changed after insert (enforced by the trigger below).
CREATE TABLE state_machine_revisions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state_machine_id bigint NOT NULL REFERENCES state_machines (id) ON DELETE CASCADE,
  revision integer NOT NULL CHECK (revision > 0),
  -- the definition text exactly as the caller sent it (AWS returns it verbatim)
  definition text NOT NULL,
  -- sha256 hex of definition: the AWS revisionId, and a cheap "unchanged?" check
  definition_hash text NOT NULL,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (state_machine_id, revision)
);

ALTER TABLE state_machines
  ADD CONSTRAINT state_machines_current_revision_fk
  FOREIGN KEY (current_revision_id) REFERENCES state_machine_revisions (id);

CREATE FUNCTION millrace_refuse_revision_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'state_machine_revisions rows are immutable (id %)', OLD.id
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER state_machine_revisions_immutable
  BEFORE UPDATE ON state_machine_revisions
  FOR EACH ROW EXECUTE FUNCTION millrace_refuse_revision_update();

CREATE TABLE executions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  state_machine_id bigint NOT NULL REFERENCES state_machines (id) ON DELETE CASCADE,
  revision_id bigint NOT NULL REFERENCES state_machine_revisions (id),
  name text NOT NULL,
  status text NOT NULL DEFAULT 'RUNNING'
    CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE')),
  input jsonb NOT NULL,
  output jsonb,
  error text,
  cause text,
  -- the interpreter's state between decisions (DESIGN.md, "A pure interpreter")
  snapshot jsonb NOT NULL,
  -- fencing token: every decision writes `version = version + 1 WHERE version = <read>`;
  -- 0 rows updated means another engine decided first and this decision is dropped
  version integer NOT NULL DEFAULT 0,
  -- id the next history event gets; history_events(execution_id, event_id) backs it up
  next_event_id integer NOT NULL DEFAULT 1,
  started_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (state_machine_id, name)
);

-- ListExecutions: newest first, optionally filtered by status.
CREATE INDEX executions_list_idx ON executions (state_machine_id, started_at DESC);
CREATE INDEX executions_list_status_idx ON executions (state_machine_id, status, started_at DESC);

-- AWS HistoryEvent shape: type, id, previousEventId, timestamp, <type>EventDetails.
CREATE TABLE history_events (
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  event_id integer NOT NULL CHECK (event_id > 0),
  previous_event_id integer NOT NULL DEFAULT 0,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  details jsonb,
  PRIMARY KEY (execution_id, event_id)
);

-- Inbox: events that wake an execution (task results, timers fired, stop requests ...).
-- Consumed (deleted) in the same transaction as the decision they cause.
-- Claim: executions with rows here, oldest first, FOR UPDATE SKIP LOCKED.
CREATE TABLE pending_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- optional: a second event with the same key for the same execution is refused
  dedupe_key text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX pending_events_execution_idx ON pending_events (execution_id, id);
CREATE UNIQUE INDEX pending_events_dedupe_idx ON pending_events (execution_id, dedupe_key)
  WHERE dedupe_key IS NOT NULL;

-- One row per attempt of a Task state. The token is random and only its hash is stored;
-- completions are guarded by `WHERE token_hash = $1 AND status IN (...)`.
CREATE TABLE tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  -- which state (and Map/Parallel branch path) the task belongs to, as the snapshot names it
  state_name text NOT NULL,
  task_key text NOT NULL,
  attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  kind text NOT NULL CHECK (kind IN ('function', 'http', 'activity', 'callback')),
  resource text NOT NULL,
  activity_id bigint REFERENCES activities (id) ON DELETE CASCADE,
  -- sha256 hex of the task token (tokens are >= 128 random bits)
  token_hash text NOT NULL UNIQUE,
  input jsonb NOT NULL,
  status text NOT NULL DEFAULT 'QUEUED'
    CHECK (status IN ('QUEUED', 'STARTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED')),
  -- push dispatch retries back off through this column
  available_at timestamptz NOT NULL DEFAULT now(),
  timeout_seconds integer,
  heartbeat_seconds integer,
  worker_name text,
  last_heartbeat_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  CHECK ((kind = 'activity') = (activity_id IS NOT NULL))
);

CREATE INDEX tasks_execution_idx ON tasks (execution_id);
-- GetActivityTask: oldest queued task of one activity.
CREATE INDEX tasks_activity_queue_idx ON tasks (activity_id, created_at)
  WHERE status = 'QUEUED' AND kind = 'activity';
-- Push dispatcher: queued function/http tasks that are due.
CREATE INDEX tasks_dispatch_queue_idx ON tasks (available_at)
  WHERE status = 'QUEUED' AND kind IN ('function', 'http', 'callback');

-- Wait states, retry back-off, task and heartbeat timeouts. A fired timer becomes a
-- pending_events row and is deleted in the same transaction.
-- Claim: WHERE fire_at <= now() ORDER BY fire_at FOR UPDATE SKIP LOCKED.
CREATE TABLE timers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  fire_at timestamptz NOT NULL,
  reason text NOT NULL CHECK (reason IN ('Wait', 'Retry', 'Timeout', 'HeartbeatTimeout')),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX timers_fire_at_idx ON timers (fire_at);
CREATE INDEX timers_execution_idx ON timers (execution_id);
