-- Published messages kept for their time to live: one that found no waiting instance stays
-- pending until a wait with its name and correlation key appears, which takes it in the
-- transaction that would have created the wait; one with a message_id is remembered so that
-- publishing it again within its TTL delivers nothing twice. Rows past expires_at are purged.
CREATE TABLE process_message_buffer (
    id TEXT PRIMARY KEY,
    message_id TEXT,
    name TEXT NOT NULL,
    correlation_key TEXT NOT NULL,
    text TEXT NOT NULL,
    variables TEXT NOT NULL,
    pending INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX process_message_buffer_message_id ON process_message_buffer(message_id);
CREATE INDEX process_message_buffer_pending ON process_message_buffer(name, correlation_key, created_at) WHERE pending = 1;
CREATE INDEX process_message_buffer_expiry ON process_message_buffer(expires_at);
