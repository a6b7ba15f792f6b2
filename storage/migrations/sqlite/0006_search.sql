-- Full-text search (reference §16) with FTS5: one external-content index
-- per searchable table, keyed by the table's rowid and kept in step by
-- triggers (the FTS5 manual's recipe). The indexed text matches the
-- PostgreSQL tsvectors of 0006 there: logs index their first 100,000
-- characters. Triggers write exactly what they later delete, so the
-- 'delete' commands always remove what was indexed. Never VACUUM these
-- tables' rowids away: actors, workers and logs have implicit rowids.

CREATE VIRTUAL TABLE actors_fts USING fts5(id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook, content='actors', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER actors_fts_insert AFTER INSERT ON actors BEGIN
    INSERT INTO actors_fts (rowid, id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook) VALUES (new.rowid, new.id, new.name, new.owner, new.image, new.description, new.status, new.status_message, new.type, new.queue, new.hints, new.link, new.webhook);
END;
CREATE TRIGGER actors_fts_delete AFTER DELETE ON actors BEGIN
    INSERT INTO actors_fts (actors_fts, rowid, id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook) VALUES ('delete', old.rowid, old.id, old.name, old.owner, old.image, old.description, old.status, old.status_message, old.type, old.queue, old.hints, old.link, old.webhook);
END;
CREATE TRIGGER actors_fts_update AFTER UPDATE OF id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook ON actors BEGIN
    INSERT INTO actors_fts (actors_fts, rowid, id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook) VALUES ('delete', old.rowid, old.id, old.name, old.owner, old.image, old.description, old.status, old.status_message, old.type, old.queue, old.hints, old.link, old.webhook);
    INSERT INTO actors_fts (rowid, id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook) VALUES (new.rowid, new.id, new.name, new.owner, new.image, new.description, new.status, new.status_message, new.type, new.queue, new.hints, new.link, new.webhook);
END;
INSERT INTO actors_fts (rowid, id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook) SELECT rowid, id, name, owner, image, description, status, status_message, type, queue, hints, link, webhook FROM actors;

CREATE VIRTUAL TABLE executions_fts USING fts5(id, actor_id, executor, status, worker_id, final_state, content='executions', content_rowid='seq', tokenize='porter unicode61');
CREATE TRIGGER executions_fts_insert AFTER INSERT ON executions BEGIN
    INSERT INTO executions_fts (rowid, id, actor_id, executor, status, worker_id, final_state) VALUES (new.seq, new.id, new.actor_id, new.executor, new.status, new.worker_id, new.final_state);
END;
CREATE TRIGGER executions_fts_delete AFTER DELETE ON executions BEGIN
    INSERT INTO executions_fts (executions_fts, rowid, id, actor_id, executor, status, worker_id, final_state) VALUES ('delete', old.seq, old.id, old.actor_id, old.executor, old.status, old.worker_id, old.final_state);
END;
CREATE TRIGGER executions_fts_update AFTER UPDATE OF id, actor_id, executor, status, worker_id, final_state ON executions BEGIN
    INSERT INTO executions_fts (executions_fts, rowid, id, actor_id, executor, status, worker_id, final_state) VALUES ('delete', old.seq, old.id, old.actor_id, old.executor, old.status, old.worker_id, old.final_state);
    INSERT INTO executions_fts (rowid, id, actor_id, executor, status, worker_id, final_state) VALUES (new.seq, new.id, new.actor_id, new.executor, new.status, new.worker_id, new.final_state);
END;
INSERT INTO executions_fts (rowid, id, actor_id, executor, status, worker_id, final_state) SELECT seq, id, actor_id, executor, status, worker_id, final_state FROM executions;

CREATE VIRTUAL TABLE workers_fts USING fts5(id, actor_id, status, image, location, host_id, content='workers', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER workers_fts_insert AFTER INSERT ON workers BEGIN
    INSERT INTO workers_fts (rowid, id, actor_id, status, image, location, host_id) VALUES (new.rowid, new.id, new.actor_id, new.status, new.image, new.location, new.host_id);
END;
CREATE TRIGGER workers_fts_delete AFTER DELETE ON workers BEGIN
    INSERT INTO workers_fts (workers_fts, rowid, id, actor_id, status, image, location, host_id) VALUES ('delete', old.rowid, old.id, old.actor_id, old.status, old.image, old.location, old.host_id);
END;
CREATE TRIGGER workers_fts_update AFTER UPDATE OF id, actor_id, status, image, location, host_id ON workers BEGIN
    INSERT INTO workers_fts (workers_fts, rowid, id, actor_id, status, image, location, host_id) VALUES ('delete', old.rowid, old.id, old.actor_id, old.status, old.image, old.location, old.host_id);
    INSERT INTO workers_fts (rowid, id, actor_id, status, image, location, host_id) VALUES (new.rowid, new.id, new.actor_id, new.status, new.image, new.location, new.host_id);
END;
INSERT INTO workers_fts (rowid, id, actor_id, status, image, location, host_id) SELECT rowid, id, actor_id, status, image, location, host_id FROM workers;

CREATE VIRTUAL TABLE logs_fts USING fts5(text, content='logs', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN
    INSERT INTO logs_fts (rowid, text) VALUES (new.rowid, substr(new.text, 1, 100000));
END;
CREATE TRIGGER logs_fts_delete AFTER DELETE ON logs BEGIN
    INSERT INTO logs_fts (logs_fts, rowid, text) VALUES ('delete', old.rowid, substr(old.text, 1, 100000));
END;
CREATE TRIGGER logs_fts_update AFTER UPDATE OF text ON logs BEGIN
    INSERT INTO logs_fts (logs_fts, rowid, text) VALUES ('delete', old.rowid, substr(old.text, 1, 100000));
    INSERT INTO logs_fts (rowid, text) VALUES (new.rowid, substr(new.text, 1, 100000));
END;
INSERT INTO logs_fts (rowid, text) SELECT rowid, substr(text, 1, 100000) FROM logs;

CREATE INDEX executions_by_status ON executions (tenant, actor_id, status);
CREATE INDEX executions_by_start ON executions (tenant, actor_id, start_time);
CREATE INDEX executions_by_received ON executions (tenant, actor_id, message_received_time);
