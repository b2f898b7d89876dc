-- 0003_payload_statistics: ANALYZE skips the JSON payload columns.
--
-- Why: no query filters, joins or sorts on a payload (inputs, outputs, snapshots, history
-- events), so their statistics never inform a plan, yet gathering them sorts sampled jsonb
-- values with a deep comparison. While tables grow fast, autovacuum's ANALYZE of them took
-- about a tenth of PostgreSQL's CPU in the W2 benchmark. The key columns keep their
-- statistics.

ALTER TABLE executions ALTER COLUMN input SET STATISTICS 0, ALTER COLUMN output SET STATISTICS 0;
ALTER TABLE frames ALTER COLUMN input SET STATISTICS 0, ALTER COLUMN snapshot SET STATISTICS 0,
  ALTER COLUMN output SET STATISTICS 0;
ALTER TABLE history ALTER COLUMN events SET STATISTICS 0;
ALTER TABLE tasks ALTER COLUMN input SET STATISTICS 0;
