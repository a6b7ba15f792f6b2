-- The outbox of actor events (reference §10): one row per event and
-- target (link or webhook), written in the transaction of the change that
-- caused the event. Rows of one actor and target kind are delivered in seq
-- order. There is no foreign key to actors: an actor's last events are
-- still delivered after it is deleted.
CREATE TABLE event_deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    actor_id        TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    target_kind     TEXT    NOT NULL, -- 'link' or 'webhook'
    target          TEXT    NOT NULL, -- the link (actor id or alias) or the URL
    payload         TEXT    NOT NULL, -- the event JSON
    status          TEXT    NOT NULL, -- PENDING, DELIVERED or FAILED
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    finished_at     BIGINT,
    last_error      TEXT    NOT NULL DEFAULT ''
);
-- The queues: pending deliveries per actor and target kind, in order.
CREATE INDEX event_deliveries_pending ON event_deliveries (tenant, actor_id, target_kind, seq)
    WHERE status = 'PENDING';
CREATE INDEX event_deliveries_by_actor ON event_deliveries (tenant, actor_id, seq);
CREATE INDEX event_deliveries_finished ON event_deliveries (finished_at)
    WHERE finished_at IS NOT NULL;

-- The cron loop reads only actors with a schedule.
CREATE INDEX actors_cron ON actors (tenant, id) WHERE cron_next_ex IS NOT NULL;
