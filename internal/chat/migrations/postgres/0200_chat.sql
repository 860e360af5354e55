-- Live chats, their groups and channels, customers, sessions, messages and the event outbox.
-- The SQLite file holds the same tables; only the dialect's spelling differs.

CREATE TABLE live_chats (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- role is 'operator' or 'supervisor'. Groups cannot be deleted while a live chat names them.
CREATE TABLE live_chat_groups (
    live_chat_id TEXT NOT NULL REFERENCES live_chats(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups(id),
    PRIMARY KEY (live_chat_id, role, group_id)
);
CREATE INDEX live_chat_groups_group ON live_chat_groups(group_id);

-- A channel is deleted softly (deleted_at): its sessions and customers stay readable.
CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    live_chat_id TEXT NOT NULL REFERENCES live_chats(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    webhook_url TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX channels_live_chat ON channels(live_chat_id, created_at);

-- identity is what the channel knows the customer by: a visitor id, an email address, an
-- outside messenger's chat id.
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channels(id),
    identity TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (channel_id, identity)
);

-- One customer has one session per channel: a returning customer reopens it. The spam_*
-- columns keep what "remove from spam" restores. event_seq counts the session's events.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    live_chat_id TEXT NOT NULL REFERENCES live_chats(id),
    channel_id TEXT NOT NULL REFERENCES channels(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    name TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    priority TEXT NOT NULL,
    operator_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    spam_state TEXT NOT NULL DEFAULT '',
    spam_operator_id TEXT NOT NULL DEFAULT '',
    spam_priority TEXT NOT NULL DEFAULT '',
    message_count BIGINT NOT NULL DEFAULT 0,
    last_message_id TEXT NOT NULL DEFAULT '',
    event_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (channel_id, customer_id)
);
CREATE INDEX sessions_live_chat ON sessions(live_chat_id, id);
CREATE INDEX sessions_operator ON sessions(operator_id, id);
CREATE INDEX sessions_state ON sessions(state, id);

-- seq orders a session's messages. dedup_key makes a repeated delivery (an outside
-- messenger's message id, an Idempotency-Key) store once per channel; the index is partial
-- because most messages have no key, and every index a message touches costs on the hot path.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    channel_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    dedup_key TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE UNIQUE INDEX messages_dedup ON messages(channel_id, dedup_key) WHERE dedup_key IS NOT NULL;

-- The event outbox. seq is given from outbox_counter by the last statement of the writing
-- transaction, so it follows commit order in both dialects (see doc.go). Consumers read it by
-- seq only, so it has no other index: an index by session or by id (random, unique by
-- construction) would be written at a random place by every event, which measured 10-20% of
-- SQLite's ingestion throughput.
CREATE TABLE outbox (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    session_id TEXT NOT NULL,
    live_chat_id TEXT NOT NULL,
    session_seq BIGINT NOT NULL,
    actor TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE outbox_counter (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO outbox_counter (id, seq) VALUES (1, 0);

CREATE TABLE outbox_cursors (
    consumer TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
