-- The account a run_as_executor execution ran as (reference: executor_uid
-- and executor_gid), recorded when the scheduler resolves it.
ALTER TABLE executions ADD COLUMN executor_uid INTEGER;
ALTER TABLE executions ADD COLUMN executor_gid INTEGER;
