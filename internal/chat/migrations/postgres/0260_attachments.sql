-- The files of messages. The row holds what is shown and checked (name, sniffed type, size);
-- the bytes sit behind chat.FileStore, by default in file_data (0261), so that a later object
-- store changes where bytes live and nothing else. Rows are written in the message's
-- transaction: a message and its files commit whole or not at all.
CREATE TABLE message_attachments (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id),
    session_id TEXT NOT NULL REFERENCES sessions(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX message_attachments_message ON message_attachments(message_id, position);
