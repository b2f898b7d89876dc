-- 0002_decision_functions: decisions are written by functions instead of one data-modifying
-- statement built per decision.
--
-- Why: PostgreSQL planned that statement anew on every call (about a third of its time for a
-- Task result), and a decision could not share a statement with the decisions of other
-- executions. The statements inside these functions are planned once per connection and stay
-- simple index lookups, and one call writes the decisions of many executions with one commit.
--
-- A decision (built by engine/store/decisions.ts decisionDocument) is a jsonb object:
--   id, version         the execution and the version the decision read
--   next_event_id       what the execution row's counter becomes
--   finish              {status, output, error, cause, stopped_at} when the execution ends
--   moved               task attempts the decision consumes: {id, from, to, lease_owner,
--                       dispatch_count, token_hash}; each must still be as the decision saw it
--   closed              tasks whose timeout and heartbeat timers go
--   frame_updates       {id, version, status, snapshot, result: {output, error, cause}}
--   group_updates       {id, next_index, running, succeeded, failed, done}
--   cleanup_all         present when the execution ended: void every open task, timer and
--                       running child
--   cleanup_frames      frames that ended: void their open tasks and timers
--   frames, groups, history, tasks, timers   new rows
--   notify              channels to NOTIFY when it commits
-- Parts with nothing in them are left out. JSON values that may be JSON null and must stay so (a
-- task's input) travel wrapped in a one-element array.

DROP FUNCTION millrace_fence(boolean);

-- The new rows of one decision, every table from one array.
CREATE FUNCTION millrace_insert_decision_rows(eid uuid, d jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF d ? 'frames' THEN
    INSERT INTO frames (id, execution_id, group_id, child_index, status, input, snapshot, output,
      error, cause)
    SELECT r.id, eid, r.group_id, r.child_index, r.status, r.input, r.snapshot, r.output->0,
      r.error, r.cause
    FROM jsonb_to_recordset(d->'frames') AS r(id uuid, group_id uuid, child_index int,
      status text, input jsonb, snapshot jsonb, output jsonb, error text, cause text);
  END IF;
  IF d ? 'groups' THEN
    INSERT INTO child_groups (id, execution_id, parent_frame_id, children_id, state_type, total,
      max_concurrency, tolerated_failure_count, tolerated_failure_percentage, previous_event_id,
      next_index, running, succeeded, failed, done)
    SELECT r.id, eid, r.parent_frame_id, r.children_id, r.state_type, r.total, r.max_concurrency,
      r.tolerated_failure_count, r.tolerated_failure_percentage, r.previous_event_id,
      r.next_index, r.running, r.succeeded, r.failed, r.done
    FROM jsonb_to_recordset(d->'groups') AS r(id uuid, parent_frame_id uuid, children_id text,
      state_type text, total int, max_concurrency int, tolerated_failure_count int,
      tolerated_failure_percentage float8, previous_event_id int, next_index int, running int,
      succeeded int, failed int, done boolean);
  END IF;
  IF d ? 'history' THEN
    INSERT INTO history (execution_id, first_event_id, last_event_id, events)
    SELECT eid, r.first_event_id, r.last_event_id, r.events
    FROM jsonb_to_recordset(d->'history') AS r(first_event_id int, last_event_id int,
      events jsonb);
  END IF;
  IF d ? 'tasks' THEN
    -- status STARTED: an activity task handed to a waiting poll as it is written
    INSERT INTO tasks (id, execution_id, frame_id, state_name, attempt, kind, resource,
      activity_name, input, token_hash, status, worker_name, started_at, timeout_seconds,
      heartbeat_seconds, lease_owner, lease_until, dispatch_count)
    SELECT r.id, eid, r.frame_id, r.state_name, r.attempt, r.kind, r.resource, r.activity_name,
      r.input->0, r.token_hash, COALESCE(r.status, 'SCHEDULED'), r.worker_name,
      CASE WHEN r.status = 'STARTED' THEN clock_timestamp() END, r.timeout_seconds,
      r.heartbeat_seconds, r.lease_owner, r.lease_until, r.dispatch_count
    FROM jsonb_to_recordset(d->'tasks') AS r(id uuid, frame_id uuid, state_name text,
      attempt int, kind text, resource text, activity_name text, input jsonb, token_hash text,
      status text, worker_name text, timeout_seconds int, heartbeat_seconds int,
      lease_owner text, lease_until timestamptz, dispatch_count int);
  END IF;
  IF d ? 'timers' THEN
    INSERT INTO timers (id, execution_id, frame_id, task_id, reason, fire_at)
    SELECT r.id, eid, r.frame_id, r.task_id, r.reason, r.fire_at
    FROM jsonb_to_recordset(d->'timers') AS r(id uuid, frame_id uuid, task_id uuid, reason text,
      fire_at timestamptz);
  END IF;
END
$$;

-- Write decisions about running executions, in the order given (the engine sorts them by
-- execution id, so two calls lock executions in the same order). A decision whose execution is
-- no longer at the version it read is skipped, nothing of it written, and its execution id
-- answered. A task attempt or frame that changed although the version did not (a push task's
-- lease taken over) aborts the whole call as a serialization failure: the engine then writes
-- each decision alone and decides a refused one again under the execution's lock.
CREATE FUNCTION millrace_write_decisions(decisions jsonb) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
  d jsonb;
  r jsonb;
  eid uuid;
  fin jsonb;
  refused uuid[] := '{}';
  channels text[] := '{}';
  moved uuid[];
  ended uuid[];
  n integer;
  i integer;
  cleanup_all boolean;
BEGIN
  -- Loops index the arrays: a FOR over a query would start an executor for each.
  FOR n IN 0 .. jsonb_array_length(decisions) - 1 LOOP
    d := decisions->n;
    eid := (d->>'id')::uuid;
    fin := d->'finish';
    UPDATE executions SET next_event_id = (d->>'next_event_id')::int, version = version + 1,
      status = COALESCE(fin->>'status', status),
      output = CASE WHEN fin IS NULL THEN output ELSE fin->'output' END,
      error = CASE WHEN fin IS NULL THEN error ELSE fin->>'error' END,
      cause = CASE WHEN fin IS NULL THEN cause ELSE fin->>'cause' END,
      stopped_at = COALESCE((fin->>'stopped_at')::timestamptz, stopped_at)
    WHERE id = eid AND version = (d->>'version')::int;
    IF NOT FOUND THEN
      refused := refused || eid;
      CONTINUE;
    END IF;

    moved := '{}';
    -- Absent parts are skipped without running a statement: each costs an executor start.
    IF d ? 'moved' THEN
      FOR i IN 0 .. jsonb_array_length(d->'moved') - 1 LOOP
        r := d->'moved'->i;
        UPDATE tasks SET status = r->>'to',
          finished_at = CASE WHEN r->>'to' = 'STARTED' THEN finished_at ELSE clock_timestamp() END,
          started_at = CASE WHEN r->>'to' = 'STARTED' THEN clock_timestamp() ELSE started_at END,
          lease_until = CASE WHEN r->>'to' = 'STARTED' THEN NULL ELSE lease_until END
        WHERE id = (r->>'id')::uuid AND execution_id = eid AND status = r->>'from'
          AND (r->>'lease_owner' IS NULL OR lease_owner = r->>'lease_owner')
          AND (r->>'dispatch_count' IS NULL OR dispatch_count = (r->>'dispatch_count')::int)
          AND (r->>'token_hash' IS NULL OR token_hash = r->>'token_hash');
        IF NOT FOUND THEN
          RAISE EXCEPTION 'millrace: task % is no longer % as the decision saw it',
            r->>'id', r->>'from' USING ERRCODE = 'serialization_failure';
        END IF;
        moved := moved || (r->>'id')::uuid;
      END LOOP;
    END IF;

    IF d ? 'frame_updates' THEN
      FOR i IN 0 .. jsonb_array_length(d->'frame_updates') - 1 LOOP
        r := d->'frame_updates'->i;
        UPDATE frames SET status = r->>'status', snapshot = r->'snapshot', version = version + 1,
          output = CASE WHEN r ? 'result' THEN r->'result'->'output' ELSE output END,
          error = CASE WHEN r ? 'result' THEN r->'result'->>'error' ELSE error END,
          cause = CASE WHEN r ? 'result' THEN r->'result'->>'cause' ELSE cause END
        WHERE id = (r->>'id')::uuid AND version = (r->>'version')::int;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'millrace: frame % changed since the decision read it', r->>'id'
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

    -- Voided before the inserts: what this decision creates is its own to keep.
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
      UPDATE frames SET status = 'ABORTED', version = version + 1
      WHERE execution_id = eid AND status IN ('QUEUED', 'RUNNING') AND group_id IS NOT NULL;
    END IF;

    PERFORM millrace_insert_decision_rows(eid, d);
    IF d ? 'notify' THEN
      channels := channels || ARRAY(SELECT jsonb_array_elements_text(d->'notify'));
    END IF;
  END LOOP;
  IF cardinality(channels) > 0 THEN
    PERFORM pg_notify(c, '') FROM (SELECT DISTINCT unnest(channels)) AS u(c);
  END IF;
  RETURN refused;
END
$$;

-- Insert new executions, each with what its first decision made, in the order given (sorted by
-- machine and name, so two calls meet a shared name in the same order). An execution whose
-- machine already has one of that name is skipped with all its rows. Answers the ids inserted.
-- Each element: {execution: {id, state_machine_id, revision_id, name, status, input, output,
-- error, cause, started_at, stopped_at}, decision: {next_event_id, frames, groups, history,
-- tasks, timers, notify}}; `input` is wrapped in a one-element array.
CREATE FUNCTION millrace_insert_executions(starts jsonb) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
  s jsonb;
  e jsonb;
  eid uuid;
  n integer;
  inserted uuid[] := '{}';
  channels text[] := '{}';
BEGIN
  FOR n IN 0 .. jsonb_array_length(starts) - 1 LOOP
    s := starts->n;
    e := s->'execution';
    eid := (e->>'id')::uuid;
    INSERT INTO executions (id, state_machine_id, revision_id, name, status, input, output, error,
      cause, next_event_id, started_at, stopped_at)
    VALUES (eid, (e->>'state_machine_id')::bigint, (e->>'revision_id')::bigint, e->>'name',
      e->>'status', e->'input'->0, e->'output', e->>'error', e->>'cause',
      (s->'decision'->>'next_event_id')::int, (e->>'started_at')::timestamptz,
      (e->>'stopped_at')::timestamptz)
    ON CONFLICT (state_machine_id, name) DO NOTHING;
    IF FOUND THEN
      inserted := inserted || eid;
      PERFORM millrace_insert_decision_rows(eid, s->'decision');
      IF s->'decision' ? 'notify' THEN
        channels := channels || ARRAY(SELECT jsonb_array_elements_text(s->'decision'->'notify'));
      END IF;
    END IF;
  END LOOP;
  IF cardinality(channels) > 0 THEN
    PERFORM pg_notify(c, '') FROM (SELECT DISTINCT unnest(channels)) AS u(c);
  END IF;
  RETURN inserted;
END
$$;
