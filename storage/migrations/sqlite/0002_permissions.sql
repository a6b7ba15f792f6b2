-- Who may do what with an actor, alias or config (reference §12). level is
-- ordered: 0 NONE, 1 READ, 2 EXECUTE, 3 UPDATE (abaco.Level). The username
-- ABACO_WORLD grants its level to everyone in the tenant. An actor's owner
-- is always allowed UPDATE, with or without a row.
CREATE TABLE permissions (
    tenant   TEXT    NOT NULL,
    kind     TEXT    NOT NULL, -- 'actor', 'alias' or 'config'
    resource TEXT    NOT NULL, -- actor id, alias name or config name
    username TEXT    NOT NULL,
    level    INTEGER NOT NULL,
    PRIMARY KEY (tenant, kind, resource, username)
);

-- "What may this user read?" for lists and search.
CREATE INDEX permissions_by_user ON permissions (tenant, username, kind, level);
