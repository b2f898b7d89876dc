-- 0004_status_domains: the status and kind columns the decision functions write on every step
-- take their allowed values from domains instead of CHECK constraints.
--
-- Why: PostgreSQL prepares a table's CHECK constraints anew for every statement that writes
-- to it (it reads each stored expression back and plans it), and the decision functions run
-- one small statement per row they update: about a twentieth of PostgreSQL's CPU in the W2
-- benchmark. A domain's constraint is prepared once per connection and kept. The allowed
-- values are the same as before.

CREATE DOMAIN millrace_execution_status AS text
  CHECK (VALUE IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'));
CREATE DOMAIN millrace_frame_status AS text
  CHECK (VALUE IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'));
CREATE DOMAIN millrace_task_status AS text
  CHECK (VALUE IN ('SCHEDULED', 'STARTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED'));
CREATE DOMAIN millrace_task_kind AS text CHECK (VALUE IN ('push', 'activity', 'callback'));

ALTER TABLE executions DROP CONSTRAINT executions_status_check,
  ALTER COLUMN status TYPE millrace_execution_status;
ALTER TABLE frames DROP CONSTRAINT frames_status_check,
  ALTER COLUMN status TYPE millrace_frame_status;
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check, DROP CONSTRAINT tasks_kind_check,
  ALTER COLUMN status TYPE millrace_task_status, ALTER COLUMN kind TYPE millrace_task_kind;
