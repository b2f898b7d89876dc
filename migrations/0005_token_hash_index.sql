-- 0005_token_hash_index: only tasks that have a token are in the token index.
--
-- Why: push tasks (function endpoints) have no token, yet every version of their rows (the
-- insert, and the update that closes the attempt) added a NULL entry to the unique index on
-- token_hash that no lookup ever reads. Lookups by token (`token_hash = $1`) imply NOT NULL,
-- so they use the partial index as before.

ALTER TABLE tasks DROP CONSTRAINT tasks_token_hash_key;
CREATE UNIQUE INDEX tasks_token_hash_idx ON tasks (token_hash) WHERE token_hash IS NOT NULL;
