-- Full-text search of logs scoped by owner. The scope column of 0009 held
-- one token per log naming its actor, and a search listed one token per
-- actor the caller may read: FTS5 ORs those lists by visiting every one of
-- them for each match, and looks each token up in every segment, so a user
-- with 100 actors paid for 100 lists (about 25 ms of CPU per search with a
-- million logs). Every actor is readable by its owner, an actor's owner
-- never changes (no statement updates actors.owner), and an actor's logs go
-- with it (ActorDelete, and the foreign key), so each log now also carries
-- a token naming its actor's owner: a search lists the caller's owner token
-- and the tokens of the other actors it may read (shared with the caller or
-- with everyone), usually one token in all.
--
-- The owner token is 'o' || hex(tenant) || 'x' || hex(owner) || 'x0', the
-- actor token stays 'a' || hex(tenant) || 'x' || hex(actor_id) || 'x0'
-- (storage/search.go builds both): the first letter keeps them apart.
--
-- The owner is read from actors when a log is indexed, so a 'delete'
-- command could not be sure to repeat what was indexed (an actor's row may
-- be gone when its logs are deleted): the index is contentless_delete
-- (SQLite 3.43), which deletes by rowid alone. Its rowids are still the
-- logs' rowids: never VACUUM logs.
DROP TRIGGER logs_fts_insert;
DROP TRIGGER logs_fts_delete;
DROP TRIGGER logs_fts_update;
DROP TABLE logs_fts;
CREATE VIRTUAL TABLE logs_fts USING fts5(text, scope, content='', contentless_delete=1, tokenize='porter unicode61');
CREATE TRIGGER logs_fts_insert AFTER INSERT ON logs BEGIN
    INSERT INTO logs_fts (rowid, text, scope) VALUES (new.rowid, substr(new.text, 1, 100000),
        'a' || hex(new.tenant) || 'x' || hex(new.actor_id) || 'x0 o' || hex(new.tenant) || 'x' ||
        hex((SELECT a.owner FROM actors a WHERE a.tenant = new.tenant AND a.id = new.actor_id)) || 'x0');
END;
CREATE TRIGGER logs_fts_delete AFTER DELETE ON logs BEGIN
    DELETE FROM logs_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER logs_fts_update AFTER UPDATE OF text, tenant, actor_id ON logs BEGIN
    DELETE FROM logs_fts WHERE rowid = old.rowid;
    INSERT INTO logs_fts (rowid, text, scope) VALUES (new.rowid, substr(new.text, 1, 100000),
        'a' || hex(new.tenant) || 'x' || hex(new.actor_id) || 'x0 o' || hex(new.tenant) || 'x' ||
        hex((SELECT a.owner FROM actors a WHERE a.tenant = new.tenant AND a.id = new.actor_id)) || 'x0');
END;
INSERT INTO logs_fts (rowid, text, scope) SELECT l.rowid, substr(l.text, 1, 100000),
    'a' || hex(l.tenant) || 'x' || hex(l.actor_id) || 'x0 o' || hex(l.tenant) || 'x' || hex(a.owner) || 'x0'
    FROM logs l LEFT JOIN actors a ON a.tenant = l.tenant AND a.id = l.actor_id;
