-- Full-text search of logs scoped to actors. A log search must count the
-- matches in the actors the caller may read; with a term found in every log
-- (a million of them), joining each match with its log to test its actor
-- took seconds. The index now also holds, in a column of its own, one
-- token per log naming its tenant and actor, so that a search restricted
-- to the caller's actors is one index query that never reads a log.
--
-- The token is 'a' || hex(tenant) || 'x' || hex(actor_id) || 'x0': letters
-- and digits only (one token for the unicode61 tokenizer, which lowercases
-- the hex the same way on both sides), distinct for every (tenant, actor),
-- and ending in a digit, which no rule of the porter stemmer touches.
-- storage/search.go builds the same token.
--
-- The index is contentless: the scope is not a column of logs, so logs can
-- no longer be its content table. Triggers compute the scope from the row
-- alone, so a 'delete' command always repeats what was indexed. Its rowids
-- are still the logs' rowids: never VACUUM logs.
DROP TRIGGER logs_fts_insert;
DROP TRIGGER logs_fts_delete;
DROP TRIGGER logs_fts_update;
DROP TABLE logs_fts;
CREATE VIRTUAL TABLE logs_fts USING fts5(text, scope, content='', tokenize='porter unicode61');
CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN
    INSERT INTO logs_fts (rowid, text, scope) VALUES (new.rowid, substr(new.text, 1, 100000),
        'a' || hex(new.tenant) || 'x' || hex(new.actor_id) || 'x0');
END;
CREATE TRIGGER logs_fts_delete AFTER DELETE ON logs BEGIN
    INSERT INTO logs_fts (logs_fts, rowid, text, scope) VALUES ('delete', old.rowid, substr(old.text, 1, 100000),
        'a' || hex(old.tenant) || 'x' || hex(old.actor_id) || 'x0');
END;
CREATE TRIGGER logs_fts_update AFTER UPDATE OF text, tenant, actor_id ON logs BEGIN
    INSERT INTO logs_fts (logs_fts, rowid, text, scope) VALUES ('delete', old.rowid, substr(old.text, 1, 100000),
        'a' || hex(old.tenant) || 'x' || hex(old.actor_id) || 'x0');
    INSERT INTO logs_fts (rowid, text, scope) VALUES (new.rowid, substr(new.text, 1, 100000),
        'a' || hex(new.tenant) || 'x' || hex(new.actor_id) || 'x0');
END;
INSERT INTO logs_fts (rowid, text, scope) SELECT rowid, substr(text, 1, 100000),
    'a' || hex(tenant) || 'x' || hex(actor_id) || 'x0' FROM logs;
