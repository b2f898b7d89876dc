-- 0006_push_tasks_on_frames: a push task's attempt (function endpoints) is kept on the row of
-- the frame that waits for it instead of a tasks row of its own.
--
-- Why: a Task result wrote five rows (the execution, the task closed, the frame, the history row,
-- the next task inserted) and checked three foreign keys. A frame runs one state at a time, so it
-- waits for at most one push task: keeping that attempt (what to call, its input and the
-- dispatcher's lease) on the frame row, which the result updates anyway, removes the task's insert,
-- its close and their key checks: a median 15% less PostgreSQL CPU per execution in the W2
-- benchmark over nine same-run pairs. Activity and callback tasks keep their tasks rows: they
-- are found by token and handed to pollers.
--
-- frames.push_task is {id, state_name, attempt, resource, input, timeout_seconds} while the frame
-- waits for that push task, else NULL; lease_owner, lease_until and dispatch_count are the
-- dispatcher's lease, as they were on tasks (NULL without a push task). A decision that answers
-- the push task must find it still on the row under the lease it saw.

ALTER TABLE frames ADD COLUMN push_task jsonb, ADD COLUMN lease_owner text,
  ADD COLUMN lease_until timestamptz, ADD COLUMN dispatch_count integer;
ALTER TABLE frames ALTER COLUMN push_task SET STATISTICS 0;
DO $$
BEGIN
  ALTER TABLE frames ALTER COLUMN push_task SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL; -- no lz4 in this build: pglz stays
END
$$;

-- The lease loop takes over the push tasks whose lease ran out.
CREATE INDEX frames_push_lease_idx ON frames (lease_until) WHERE lease_until IS NOT NULL;

-- Open push tasks move to their frames (a database upgraded while executions ran).
UPDATE frames AS f SET push_task = jsonb_build_object('id', t.id, 'state_name', t.state_name,
    'attempt', t.attempt, 'resource', t.resource, 'input', t.input,
    'timeout_seconds', t.timeout_seconds),
  lease_owner = t.lease_owner, lease_until = COALESCE(t.lease_until, now()),
  dispatch_count = t.dispatch_count
FROM tasks AS t
WHERE t.frame_id = f.id AND t.kind = 'push' AND t.status IN ('SCHEDULED', 'STARTED');
DELETE FROM tasks WHERE kind = 'push' AND status IN ('SCHEDULED', 'STARTED');

CREATE OR REPLACE FUNCTION millrace_insert_rows(doc jsonb, written uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF doc ? 'frames' THEN
    INSERT INTO frames (id, execution_id, group_id, child_index, status, input, snapshot, output,
      error, cause, push_task, lease_owner, lease_until, dispatch_count)
    SELECT r.id, r.execution_id, r.group_id, r.child_index, r.status, r.input, r.snapshot,
      r.output->0, r.error, r.cause, r.push->'task', r.push->>'lease_owner',
      (r.push->>'lease_until')::timestamptz, (r.push->>'dispatch_count')::int
    FROM jsonb_to_recordset(doc->'frames') AS r(execution_id uuid, id uuid, group_id uuid,
      child_index int, status text, input jsonb, snapshot jsonb, output jsonb, error text,
      cause text, push jsonb)
    WHERE r.execution_id = ANY(written);
  END IF;
  IF doc ? 'groups' THEN
    INSERT INTO child_groups (id, execution_id, parent_frame_id, children_id, state_type, total,
      max_concurrency, tolerated_failure_count, tolerated_failure_percentage, previous_event_id,
      next_index, running, succeeded, failed, done)
    SELECT r.id, r.execution_id, r.parent_frame_id, r.children_id, r.state_type, r.total,
      r.max_concurrency, r.tolerated_failure_count, r.tolerated_failure_percentage,
      r.previous_event_id, r.next_index, r.running, r.succeeded, r.failed, r.done
    FROM jsonb_to_recordset(doc->'groups') AS r(execution_id uuid, id uuid, parent_frame_id uuid,
      children_id text, state_type text, total int, max_concurrency int,
      tolerated_failure_count int, tolerated_failure_percentage float8, previous_event_id int,
      next_index int, running int, succeeded int, failed int, done boolean)
    WHERE r.execution_id = ANY(written);
  END IF;
  IF doc ? 'history' THEN
    INSERT INTO history (execution_id, first_event_id, last_event_id, events)
    SELECT r.execution_id, r.first_event_id, r.last_event_id, r.events
    FROM jsonb_to_recordset(doc->'history') AS r(execution_id uuid, first_event_id int,
      last_event_id int, events jsonb)
    WHERE r.execution_id = ANY(written);
  END IF;
  IF doc ? 'tasks' THEN
    -- Activity and callback tasks (a push task is kept on its frame's row). Status STARTED: an
    -- activity task handed to a waiting poll as it is written.
    INSERT INTO tasks (id, execution_id, frame_id, state_name, attempt, kind, resource,
      activity_name, input, token_hash, status, worker_name, started_at, timeout_seconds,
      heartbeat_seconds, lease_owner, lease_until, dispatch_count)
    SELECT r.id, r.execution_id, r.frame_id, r.state_name, r.attempt, r.kind, r.resource,
      r.activity_name, r.input->0, r.token_hash, COALESCE(r.status, 'SCHEDULED'), r.worker_name,
      CASE WHEN r.status = 'STARTED' THEN clock_timestamp() END, r.timeout_seconds,
      r.heartbeat_seconds, r.lease_owner, r.lease_until, r.dispatch_count
    FROM jsonb_to_recordset(doc->'tasks') AS r(execution_id uuid, id uuid, frame_id uuid,
      state_name text, attempt int, kind text, resource text, activity_name text, input jsonb,
      token_hash text, status text, worker_name text, timeout_seconds int,
      heartbeat_seconds int, lease_owner text, lease_until timestamptz, dispatch_count int)
    WHERE r.execution_id = ANY(written);
  END IF;
  IF doc ? 'timers' THEN
    INSERT INTO timers (id, execution_id, frame_id, task_id, reason, fire_at)
    SELECT r.id, r.execution_id, r.frame_id, r.task_id, r.reason, r.fire_at
    FROM jsonb_to_recordset(doc->'timers') AS r(execution_id uuid, id uuid, frame_id uuid,
      task_id uuid, reason text, fire_at timestamptz)
    WHERE r.execution_id = ANY(written);
  END IF;
END
$$;

-- Write decisions about running executions, in the order given (the engine sorts them by
-- execution id, so two calls lock executions in the same order). Each element of
-- doc->'decisions':
--   id, version         the execution and the version the decision read
--   next_event_id       what the execution row's counter becomes
--   finish              {status, output, error, cause, stopped_at} when the execution ends
--   moved               task attempts the decision consumes: {id, from_status, to_status,
--                       lease_owner, dispatch_count, token_hash}; each must still be as the
--                       decision saw it
--   closed              tasks whose timeout and heartbeat timers go
--   frame_updates       {id, version, status, snapshot, result: {output, error, cause},
--                       push, consumes}: push (present when the frame's push task changes) is
--                       {task, lease_owner, lease_until, dispatch_count} or null; consumes
--                       {id, lease_owner, dispatch_count} is the push task the decision answers,
--                       which the row must still hold under that lease
--   group_updates       {id, next_index, running, succeeded, failed, done}
--   cleanup_all         present when the execution ended: void every open task, timer and
--                       running child
--   cleanup_frames      frames that ended: void their open tasks and timers
--   notify              channels to NOTIFY when it commits
-- A decision whose execution is no longer at the version it read is skipped, nothing of it
-- written, and its execution id answered. A task attempt or frame that changed although the
-- version did not (a push task's lease taken over) aborts the whole call as a serialization
-- failure: the engine then writes each decision alone and decides a refused one again under
-- the execution's lock.
--
-- enable_seqscan is off inside: a plan is cached per connection, and one made while a table
-- was small would keep scanning it whole once it is large. Every statement here finds its
-- rows by an index.
CREATE OR REPLACE FUNCTION millrace_write_decisions(doc jsonb) RETURNS uuid[]
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  all_decisions jsonb;
  d jsonb;
  r jsonb;
  held jsonb;
  eid uuid;
  fin jsonb;
  written uuid[] := '{}';
  refused uuid[] := '{}';
  channels text[] := '{}';
  moved uuid[];
  ended uuid[];
  cleanup_all boolean;
  n integer;
  i integer;
BEGIN
  -- Loops index the arrays: a FOR over a query would start an executor for each.
  -- Taken out once: `doc->'decisions'->n` would copy the whole array for every decision.
  all_decisions := doc->'decisions';
  FOR n IN 0 .. jsonb_array_length(all_decisions) - 1 LOOP
    d := all_decisions->n;
    eid := (d->>'id')::uuid;
    fin := d->'finish';
    UPDATE executions SET next_event_id = (d->>'next_event_id')::int, version = version + 1,
      status = COALESCE(fin->>'status', status),
      output = CASE WHEN fin IS NULL THEN output ELSE fin->'output'->0 END,
      error = CASE WHEN fin IS NULL THEN error ELSE fin->>'error' END,
      cause = CASE WHEN fin IS NULL THEN cause ELSE fin->>'cause' END,
      stopped_at = COALESCE((fin->>'stopped_at')::timestamptz, stopped_at)
    WHERE id = eid AND version = (d->>'version')::int;
    IF NOT FOUND THEN
      refused := refused || eid;
      CONTINUE;
    END IF;
    written := written || eid;

    -- Absent parts are skipped without running a statement: each costs an executor start.
    -- One statement per row: the few rows of a decision are found by their keys, cheaper than
    -- a join with the document's rows.
    moved := '{}';
    IF d ? 'moved' THEN
      FOR i IN 0 .. jsonb_array_length(d->'moved') - 1 LOOP
        r := d->'moved'->i;
        UPDATE tasks SET status = r->>'to_status',
          finished_at = CASE WHEN r->>'to_status' = 'STARTED' THEN finished_at ELSE clock_timestamp() END,
          started_at = CASE WHEN r->>'to_status' = 'STARTED' THEN clock_timestamp() ELSE started_at END,
          lease_until = CASE WHEN r->>'to_status' = 'STARTED' THEN NULL ELSE lease_until END
        WHERE id = (r->>'id')::uuid AND execution_id = eid AND status = r->>'from_status'
          AND (r->>'lease_owner' IS NULL OR lease_owner = r->>'lease_owner')
          AND (r->>'dispatch_count' IS NULL OR dispatch_count = (r->>'dispatch_count')::int)
          AND (r->>'token_hash' IS NULL OR token_hash = r->>'token_hash');
        IF NOT FOUND THEN
          RAISE EXCEPTION 'millrace: task % is no longer % as the decision saw it',
            r->>'id', r->>'from_status' USING ERRCODE = 'serialization_failure';
        END IF;
        moved := moved || (r->>'id')::uuid;
      END LOOP;
    END IF;

    IF d ? 'frame_updates' THEN
      FOR i IN 0 .. jsonb_array_length(d->'frame_updates') - 1 LOOP
        r := d->'frame_updates'->i;
        held := r->'consumes';
        UPDATE frames SET status = r->>'status', snapshot = r->'snapshot', version = version + 1,
          output = CASE WHEN r ? 'result' THEN r->'result'->'output' ELSE output END,
          error = CASE WHEN r ? 'result' THEN r->'result'->>'error' ELSE error END,
          cause = CASE WHEN r ? 'result' THEN r->'result'->>'cause' ELSE cause END,
          push_task = CASE WHEN r ? 'push' THEN r->'push'->'task' ELSE push_task END,
          lease_owner = CASE WHEN r ? 'push' THEN r->'push'->>'lease_owner' ELSE lease_owner END,
          lease_until = CASE WHEN r ? 'push' THEN (r->'push'->>'lease_until')::timestamptz
            ELSE lease_until END,
          dispatch_count = CASE WHEN r ? 'push' THEN (r->'push'->>'dispatch_count')::int
            ELSE dispatch_count END
        WHERE id = (r->>'id')::uuid AND version = (r->>'version')::int
          AND (held IS NULL OR (push_task->>'id' = held->>'id'
            AND (held->>'lease_owner' IS NULL OR lease_owner = held->>'lease_owner')
            AND (held->>'dispatch_count' IS NULL
              OR dispatch_count = (held->>'dispatch_count')::int)));
        IF NOT FOUND THEN
          RAISE EXCEPTION 'millrace: frame % changed since the decision read it (or no longer holds its push task)', r->>'id'
            USING ERRCODE = 'serialization_failure';
        END IF;
      END LOOP;
    END IF;

    IF d ? 'group_updates' THEN
      FOR i IN 0 .. jsonb_array_length(d->'group_updates') - 1 LOOP
        r := d->'group_updates'->i;
        UPDATE child_groups SET next_index = (r->>'next_index')::int,
          running = (r->>'running')::int, succeeded = (r->>'succeeded')::int,
          failed = (r->>'failed')::int, done = (r->>'done')::boolean
        WHERE id = (r->>'id')::uuid;
      END LOOP;
    END IF;

    -- Voided before the new rows go in: what a decision creates is its own to keep.
    cleanup_all := d ? 'cleanup_all';
    ended := '{}';
    IF d ? 'cleanup_frames' THEN
      ended := ARRAY(SELECT jsonb_array_elements_text(d->'cleanup_frames'))::uuid[];
    END IF;
    IF cleanup_all OR cardinality(ended) > 0 THEN
      UPDATE tasks SET status = 'CANCELLED', finished_at = clock_timestamp()
      WHERE execution_id = eid AND status IN ('SCHEDULED', 'STARTED')
        AND (cleanup_all OR frame_id = ANY(ended)) AND NOT (id = ANY(moved));
      DELETE FROM timers WHERE execution_id = eid AND (cleanup_all OR frame_id = ANY(ended));
    END IF;
    IF d ? 'closed' THEN
      DELETE FROM timers
      WHERE task_id = ANY(ARRAY(SELECT jsonb_array_elements_text(d->'closed'))::uuid[]);
    END IF;
    IF cleanup_all THEN
      UPDATE frames SET status = 'ABORTED', version = version + 1, push_task = NULL,
        lease_owner = NULL, lease_until = NULL, dispatch_count = NULL
      WHERE execution_id = eid AND status IN ('QUEUED', 'RUNNING') AND group_id IS NOT NULL;
    END IF;

    IF d ? 'notify' THEN
      channels := channels || ARRAY(SELECT jsonb_array_elements_text(d->'notify'));
    END IF;
  END LOOP;

  IF cardinality(written) > 0 THEN
    PERFORM millrace_insert_rows(doc, written);
  END IF;
  IF cardinality(channels) > 0 THEN
    PERFORM pg_notify(c, '') FROM (SELECT DISTINCT unnest(channels)) AS u(c);
  END IF;
  RETURN refused;
END
$$;
