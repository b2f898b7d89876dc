-- 0001_init: the tables of the durable engine (docs/architecture.md describes how they are used).
--
-- Applied once, inside one transaction, by engine/store/migrate.ts. Never edit this file once
-- it has been merged: add 0002_... instead (the migrator refuses a changed checksum).
-- The TypeScript view of these tables lives in engine/store/schema.ts: change both together.

CREATE TABLE state_machines (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  type text NOT NULL DEFAULT 'STANDARD' CHECK (type IN ('STANDARD', 'EXPRESS')),
  role_arn text NOT NULL,
  -- set right after the first revision is inserted (same transaction)
  current_revision_id bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

-- One row per published definition. An execution is pinned to the revision it started with, so
-- a revision is never changed after insert (enforced by the trigger below).
CREATE TABLE state_machine_revisions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state_machine_id bigint NOT NULL REFERENCES state_machines (id) ON DELETE CASCADE,
  revision integer NOT NULL CHECK (revision > 0),
  -- the definition text exactly as the caller sent it (AWS returns it verbatim)
  definition text NOT NULL,
  definition_hash text NOT NULL,
  -- the role executions of this revision run as ($$.Execution.RoleArn), pinned like the definition
  role_arn text NOT NULL,
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

-- A decision's write is one statement that checks, at its end, that what the decision read is
-- still so (the execution's version, the task attempts it closes, the frames it changes). When
-- not, this aborts the statement, and so everything it wrote, as a serialization failure: the
-- engine reads again and decides anew (engine/store/decisions.ts writeDecision).
CREATE FUNCTION millrace_fence(ok boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT ok THEN
    RAISE EXCEPTION 'millrace: the execution changed since the decision read it'
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN true;
END
$$;

-- One row per execution. Every decision about an execution either holds this row's lock (FOR
-- UPDATE) or writes only if `version` is still the one it read, and bumps it: decisions about
-- one execution are serial while different executions run in parallel.
CREATE TABLE executions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- insertion order: breaks ties between executions started within the same millisecond
  seq bigint GENERATED ALWAYS AS IDENTITY,
  state_machine_id bigint NOT NULL REFERENCES state_machines (id) ON DELETE CASCADE,
  revision_id bigint NOT NULL REFERENCES state_machine_revisions (id),
  name text NOT NULL,
  status text NOT NULL DEFAULT 'RUNNING'
    CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')),
  input jsonb NOT NULL,
  output jsonb,
  error text,
  cause text,
  -- the id the next history event gets
  next_event_id integer NOT NULL DEFAULT 1,
  -- bumped by every decision: a fencing token for anything read outside the row lock
  version integer NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL,
  stopped_at timestamptz,
  UNIQUE (state_machine_id, name)
);

CREATE INDEX executions_list_idx ON executions (state_machine_id, started_at DESC, seq DESC);
CREATE INDEX executions_running_idx ON executions (started_at) WHERE status = 'RUNNING';

-- A decision writes everything it made in a few multi-row statements, so the references between
-- new frames, groups, tasks and timers are checked at commit (DEFERRABLE INITIALLY DEFERRED).

-- The interpreter's frames: the top-level run of an execution (parent_id NULL) and one row per
-- Parallel branch or Map iteration. Each has its own snapshot, so the cost of one child does not
-- grow with the number of its siblings.
CREATE TABLE frames (
  -- ids are made by the engine, so a decision writes its new frames in one statement
  id uuid PRIMARY KEY,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  group_id uuid,
  child_index integer,
  -- QUEUED: a child waiting for a MaxConcurrency slot; input holds what it starts with
  status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT')),
  input jsonb,
  snapshot jsonb,
  output jsonb,
  error text,
  cause text,
  version integer NOT NULL DEFAULT 0
);

CREATE INDEX frames_execution_idx ON frames (execution_id);
CREATE INDEX frames_group_idx ON frames (group_id, child_index);

-- A Parallel's branches or a Map's iterations, counted under one row lock so MaxConcurrency and
-- the tolerated failures hold across engine processes.
CREATE TABLE child_groups (
  id uuid PRIMARY KEY,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  parent_frame_id uuid NOT NULL REFERENCES frames (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  children_id text NOT NULL,
  state_type text NOT NULL CHECK (state_type IN ('Parallel', 'Map')),
  total integer NOT NULL,
  max_concurrency integer NOT NULL,
  tolerated_failure_count integer,
  tolerated_failure_percentage double precision,
  previous_event_id integer NOT NULL,
  next_index integer NOT NULL DEFAULT 0,
  running integer NOT NULL DEFAULT 0,
  succeeded integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  done boolean NOT NULL DEFAULT false
);

ALTER TABLE frames
  ADD CONSTRAINT frames_group_fk FOREIGN KEY (group_id) REFERENCES child_groups (id) ON DELETE CASCADE
  DEFERRABLE INITIALLY DEFERRED;

-- AWS's HistoryEvents, one row per decision: `events` holds the events the decision made, in
-- order, as [{"previousEventId", "type", "occurredAt", "details"?}] where details is the one
-- <type>EventDetails object; their ids run from first_event_id to last_event_id. A decision
-- writes one row however many events it made (a chain of ten Pass states makes 22), which
-- keeps the writes of a decision, its index entries and key checks, independent of its size.
CREATE TABLE history (
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  first_event_id integer NOT NULL CHECK (first_event_id > 0),
  last_event_id integer NOT NULL CHECK (last_event_id >= first_event_id),
  events jsonb NOT NULL,
  PRIMARY KEY (execution_id, first_event_id)
);

-- One row per event, for reading (engine/store/history.ts pages the table itself).
CREATE VIEW history_events AS
  SELECT h.execution_id, h.first_event_id + e.n::int - 1 AS event_id,
    (e.v->>'previousEventId')::int AS previous_event_id, e.v->>'type' AS type,
    (e.v->>'occurredAt')::timestamptz AS occurred_at, e.v->'details' AS details
  FROM history AS h CROSS JOIN LATERAL jsonb_array_elements(h.events) WITH ORDINALITY AS e(v, n);

-- Activities (CreateActivity): named queues that workers poll with GetActivityTask.
CREATE TABLE activities (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The function registry: a Lambda function name (the <name> of arn:aws:lambda:…:function:<name>)
-- and the URL its push tasks are POSTed to (docs/functions.md describes the call protocol).
CREATE TABLE functions (
  name text PRIMARY KEY,
  url text NOT NULL,
  timeout_seconds integer NOT NULL DEFAULT 60 CHECK (timeout_seconds > 0),
  -- extra request headers, { "name": "value" }
  headers jsonb NOT NULL DEFAULT '{}',
  -- at most this many calls in flight per engine process; NULL: the dispatcher's default
  max_concurrency integer CHECK (max_concurrency > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per attempt of a Task state. Push tasks (function endpoints) are dispatched by the
-- engine that scheduled them, and taken over by any engine once their lease runs out; activity
-- tasks wait for GetActivityTask. A task answered by token keeps only the token's hash.
CREATE TABLE tasks (
  id uuid PRIMARY KEY,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  frame_id uuid NOT NULL REFERENCES frames (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  state_name text NOT NULL,
  attempt integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('push', 'activity', 'callback')),
  resource text NOT NULL,
  activity_name text,
  input jsonb NOT NULL,
  token_hash text UNIQUE,
  status text NOT NULL
    CHECK (status IN ('SCHEDULED', 'STARTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED')),
  timeout_seconds integer,
  heartbeat_seconds integer,
  worker_name text,
  -- push tasks: who dispatches it, and until when (a lease another engine may take over)
  lease_owner text,
  lease_until timestamptz,
  dispatch_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);

CREATE INDEX tasks_execution_idx ON tasks (execution_id);
CREATE INDEX tasks_activity_queue_idx ON tasks (activity_name, created_at) WHERE status = 'SCHEDULED' AND kind = 'activity';
CREATE INDEX tasks_push_lease_idx ON tasks (lease_until) WHERE status IN ('SCHEDULED', 'STARTED') AND kind IN ('push', 'callback');

-- Wait states, retry back-off, task and heartbeat timeouts and execution timeouts, fired by the
-- database clock. Claim: WHERE fire_at <= now() ORDER BY fire_at FOR UPDATE SKIP LOCKED.
CREATE TABLE timers (
  id uuid PRIMARY KEY,
  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  frame_id uuid NOT NULL REFERENCES frames (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  task_id uuid,
  reason text NOT NULL CHECK (reason IN ('Wait', 'Retry', 'ExecutionTimeout', 'TaskTimeout', 'HeartbeatTimeout')),
  fire_at timestamptz NOT NULL
);

CREATE INDEX timers_fire_at_idx ON timers (fire_at);
CREATE INDEX timers_execution_idx ON timers (execution_id);
-- a task's timeout and heartbeat timers: moved by heartbeats and claims, deleted when it closes
CREATE INDEX timers_task_idx ON timers (task_id) WHERE task_id IS NOT NULL;
