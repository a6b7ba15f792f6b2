-- An execution's search document (0006) is now stored, and GIN-indexed,
-- only once the execution is final, and it is written by the statements
-- that finish executions instead of being a generated column. Each
-- transition before that (queued, claimed, RUNNING) rewrote the row's
-- tsvector and added GIN entries for it (in a PL/pgSQL loop of 3,000
-- lifecycles, dropping the document and its index took the backend's CPU
-- from 1.1-1.3 s to 0.6-0.8 s), and every statement that wrote the table,
-- however many rows, parsed and planned the generation expression again
-- (ExecInitStoredGenerated: 8.7% of PostgreSQL's CPU in perf during the
-- dispatch bench). Search computes the document of the unfinished ones (the queue and
-- what runs), which executions_unfinished finds. storage/search.go's
-- executionSearchDoc is this expression.
--
-- executions_unfinished also serves recovery's list of claimed executions,
-- so executions_in_flight goes: one index less to write per claim and per
-- RUNNING, and one the planner took for the RUNNING update, where with the
-- dead entries of a busy queue it scanned far more than the id index would.
ALTER TABLE executions DROP COLUMN search_doc;
ALTER TABLE executions ADD COLUMN search_doc tsvector;
UPDATE executions SET search_doc = to_tsvector('english', translate(
    id || ' ' || actor_id || ' ' || executor || ' ' || status || ' ' || coalesce(worker_id, '') || ' ' ||
    coalesce(final_state, ''), '/', ' '))
WHERE status IN ('COMPLETE', 'ERROR');
CREATE INDEX executions_search ON executions USING GIN (search_doc) WHERE search_doc IS NOT NULL;
CREATE INDEX executions_unfinished ON executions (tenant, actor_id) WHERE search_doc IS NULL;
DROP INDEX executions_in_flight;
