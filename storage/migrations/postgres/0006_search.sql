-- Full-text search (reference §16): each searchable table gets a tsvector
-- of its text fields, kept current by PostgreSQL itself (a stored generated
-- column) and indexed with GIN. Logs index their first 100,000 characters:
-- a tsvector is capped at 1 MB, and a log that overflowed it would fail to
-- store. Slashes become spaces, so that alice/wordcount is two words (the
-- default parser would read one path). The same text is indexed on SQLite
-- (0006 there), whose tokenizer splits on slashes anyway.

ALTER TABLE actors ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (to_tsvector('english', translate(
    id || ' ' || coalesce(name, '') || ' ' || owner || ' ' || image || ' ' || description || ' ' ||
    status || ' ' || status_message || ' ' || type || ' ' || queue || ' ' || hints || ' ' ||
    link || ' ' || webhook, '/', ' '))) STORED;
CREATE INDEX actors_search ON actors USING GIN (search_doc);

ALTER TABLE executions ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (to_tsvector('english', translate(
    id || ' ' || actor_id || ' ' || executor || ' ' || status || ' ' || coalesce(worker_id, '') || ' ' ||
    coalesce(final_state, ''), '/', ' '))) STORED;
CREATE INDEX executions_search ON executions USING GIN (search_doc);

ALTER TABLE workers ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (to_tsvector('english', translate(
    id || ' ' || actor_id || ' ' || status || ' ' || image || ' ' || location || ' ' || host_id, '/', ' '))) STORED;
CREATE INDEX workers_search ON workers USING GIN (search_doc);

ALTER TABLE logs ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    to_tsvector('english', translate(left(text, 100000), '/', ' '))) STORED;
CREATE INDEX logs_search ON logs USING GIN (search_doc);

-- The indexed fields of the search pages: status and times of an actor's
-- executions, and across a tenant.
CREATE INDEX executions_by_status ON executions (tenant, actor_id, status);
CREATE INDEX executions_by_start ON executions (tenant, actor_id, start_time);
CREATE INDEX executions_by_received ON executions (tenant, actor_id, message_received_time);
