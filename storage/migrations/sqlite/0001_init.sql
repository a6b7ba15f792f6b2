-- Times are Unix milliseconds (UTC), NULL for "never"; JSON values are TEXT;
-- booleans are INTEGER 0/1.

CREATE TABLE actors (
    tenant              TEXT    NOT NULL,
    id                  TEXT    NOT NULL,
    owner               TEXT    NOT NULL,
    name                TEXT,
    image               TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    stateless           INTEGER NOT NULL,
    privileged          INTEGER NOT NULL,
    type                TEXT    NOT NULL,
    link                TEXT    NOT NULL,
    webhook             TEXT    NOT NULL,
    token               INTEGER,
    hints               TEXT    NOT NULL,
    default_environment TEXT    NOT NULL,
    max_workers         INTEGER,
    mem_limit           TEXT,
    max_cpus            BIGINT,
    use_container_uid   INTEGER NOT NULL,
    run_as_executor     INTEGER NOT NULL,
    queue               TEXT    NOT NULL,
    revision            INTEGER NOT NULL,
    status              TEXT    NOT NULL,
    status_message      TEXT    NOT NULL,
    state               TEXT    NOT NULL,
    log_ex              INTEGER,
    cron_schedule       TEXT,
    cron_on             INTEGER NOT NULL,
    cron_next_ex        TEXT,
    create_time         BIGINT,
    last_update_time    BIGINT,
    PRIMARY KEY (tenant, id)
);

-- seq is the arrival order, the queue's FIFO key. AUTOINCREMENT so that a
-- seq is never reused after the newest row is deleted.
CREATE TABLE executions (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    id                    TEXT    NOT NULL UNIQUE,
    tenant                TEXT    NOT NULL,
    actor_id              TEXT    NOT NULL,
    executor              TEXT    NOT NULL,
    username              TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    worker_id             TEXT,
    message               BLOB    NOT NULL,
    content_type          TEXT    NOT NULL,
    env                   TEXT    NOT NULL,
    api_server            TEXT    NOT NULL,
    message_received_time BIGINT,
    start_time            BIGINT,
    finish_time           BIGINT,
    runtime               INTEGER NOT NULL DEFAULT 0,
    cpu                   BIGINT  NOT NULL DEFAULT 0,
    io                    BIGINT  NOT NULL DEFAULT 0,
    exit_code             INTEGER,
    final_state           TEXT,
    halt_requested        INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (tenant, actor_id) REFERENCES actors (tenant, id) ON DELETE CASCADE
);
CREATE INDEX executions_by_actor ON executions (tenant, actor_id, seq);
-- The queue: only unclaimed messages, in arrival order.
CREATE INDEX executions_pending ON executions (tenant, actor_id, seq)
    WHERE status = 'SUBMITTED' AND worker_id IS NULL;
-- Work in flight, which a restarted scheduler reattaches.
CREATE INDEX executions_in_flight ON executions (seq)
    WHERE status IN ('SUBMITTED', 'RUNNING') AND worker_id IS NOT NULL;

CREATE TABLE logs (
    execution_id TEXT PRIMARY KEY,
    tenant       TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    text         TEXT NOT NULL,
    expires_at   BIGINT
);
CREATE INDEX logs_by_actor ON logs (tenant, actor_id);
CREATE INDEX logs_expiry ON logs (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE results (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT   NOT NULL,
    data         BLOB   NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX results_by_execution ON results (execution_id, seq);
CREATE INDEX results_expiry ON results (expires_at);

CREATE TABLE workers (
    tenant                 TEXT    NOT NULL,
    actor_id               TEXT    NOT NULL,
    id                     TEXT    NOT NULL,
    status                 TEXT    NOT NULL,
    image                  TEXT    NOT NULL,
    revision               INTEGER NOT NULL,
    location               TEXT    NOT NULL,
    host_id                TEXT    NOT NULL,
    create_time            BIGINT,
    last_execution_time    BIGINT,
    last_health_check_time BIGINT,
    PRIMARY KEY (tenant, actor_id, id)
);
