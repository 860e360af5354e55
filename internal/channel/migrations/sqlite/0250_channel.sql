-- Widget visitor tokens and the webhook delivery queue of http channels. Same tables in both
-- dialects.

-- A visitor token grants one session; only its hash is stored.
CREATE TABLE visitor_tokens (
    hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX visitor_tokens_session ON visitor_tokens(session_id);

-- One delivery per operator, process or system message of an http channel's session. state is
-- pending, delivered or failed. next_at is when a pending delivery is due; while a node sends
-- it, next_at is the end of that node's lease and lease names the node's claim, so a crashed
-- sender's deliveries are taken over once the lease ends.
CREATE TABLE channel_deliveries (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channels(id),
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    event_seq BIGINT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    lease TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX channel_deliveries_due ON channel_deliveries(state, next_at);
CREATE INDEX channel_deliveries_channel ON channel_deliveries(channel_id, id);
