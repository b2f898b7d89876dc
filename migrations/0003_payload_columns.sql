-- 0003_payload_columns: the JSON payload columns (inputs, outputs, snapshots, history events)
-- are cheaper to write.
--
-- ANALYZE skips them. No query filters, joins or sorts on a payload, so their statistics never
-- inform a plan, yet gathering them sorts sampled jsonb values with a deep comparison: while
-- the tables grew fast, autovacuum's ANALYZE took about a tenth of PostgreSQL's CPU in the W2
-- benchmark. The key columns keep their statistics.
--
-- Values over 2 kB (a Pass chain's history row, large inputs) are compressed with lz4 instead of
-- pglz: about half the CPU for the same size on history rows. A server built without lz4 (the
-- embedded PGlite) keeps pglz.

ALTER TABLE executions ALTER COLUMN input SET STATISTICS 0, ALTER COLUMN output SET STATISTICS 0;
ALTER TABLE frames ALTER COLUMN input SET STATISTICS 0, ALTER COLUMN snapshot SET STATISTICS 0,
  ALTER COLUMN output SET STATISTICS 0;
ALTER TABLE history ALTER COLUMN events SET STATISTICS 0;
ALTER TABLE tasks ALTER COLUMN input SET STATISTICS 0;

DO $$
BEGIN
  ALTER TABLE executions ALTER COLUMN input SET COMPRESSION lz4,
    ALTER COLUMN output SET COMPRESSION lz4;
  ALTER TABLE frames ALTER COLUMN input SET COMPRESSION lz4,
    ALTER COLUMN snapshot SET COMPRESSION lz4, ALTER COLUMN output SET COMPRESSION lz4;
  ALTER TABLE history ALTER COLUMN events SET COMPRESSION lz4;
  ALTER TABLE tasks ALTER COLUMN input SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL; -- no lz4 in this build: pglz stays
END
$$;
