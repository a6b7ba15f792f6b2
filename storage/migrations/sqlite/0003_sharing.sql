-- Sharing: aliases, nonces and actor configs (reference §5, §11). Times are
-- Unix milliseconds (UTC), NULL for "never". Permissions on all three live in
-- the permissions table of 0002.

-- An alias names an actor of its tenant; it is never an actor id.
CREATE TABLE aliases (
    tenant      TEXT   NOT NULL,
    alias       TEXT   NOT NULL,
    actor_id    TEXT   NOT NULL,
    owner       TEXT   NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (tenant, alias)
);

-- A nonce stands in for its owner's token on one actor (actor_id set) or one
-- alias (alias set). remaining_uses is -1 when max_uses is -1 (unlimited);
-- a redeem is one conditional UPDATE so that no use is ever spent twice.
CREATE TABLE nonces (
    tenant         TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    actor_id       TEXT    NOT NULL, -- '' for an alias nonce
    alias          TEXT    NOT NULL, -- '' for an actor nonce
    owner          TEXT    NOT NULL,
    roles          TEXT    NOT NULL, -- JSON list: the owner's roles at creation
    level          INTEGER NOT NULL,
    max_uses       INTEGER NOT NULL,
    current_uses   INTEGER NOT NULL,
    remaining_uses INTEGER NOT NULL,
    description    TEXT    NOT NULL,
    api_server     TEXT    NOT NULL,
    create_time    BIGINT  NOT NULL,
    last_use_time  BIGINT,
    PRIMARY KEY (tenant, id)
);

CREATE INDEX nonces_by_actor ON nonces (tenant, actor_id);
CREATE INDEX nonces_by_alias ON nonces (tenant, alias);

-- A config is a named value injected into the executions of the actors (ids
-- or aliases) it lists; a secret value is stored sealed (AES-GCM).
CREATE TABLE configs (
    tenant      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    is_secret   INTEGER NOT NULL,
    actors      TEXT    NOT NULL, -- exactly as given, e.g. 'id1, alias2'
    owner       TEXT    NOT NULL,
    create_time BIGINT  NOT NULL,
    PRIMARY KEY (tenant, name)
);
