-- Private notes live beside messages, never among them: every path that reaches a customer
-- (widget, WebSocket, email, http webhooks) and every message_received start reads messages,
-- so a note in its own table cannot leak through any of them.
CREATE TABLE session_notes (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX session_notes_session ON session_notes(session_id, created_at, id);
