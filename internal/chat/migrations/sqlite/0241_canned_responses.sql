-- Canned responses: ready texts staff insert while replying. live_chat_id is NULL for the
-- global ones every live chat offers.
CREATE TABLE canned_responses (
    id TEXT PRIMARY KEY,
    live_chat_id TEXT REFERENCES live_chats(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX canned_responses_live_chat ON canned_responses(live_chat_id);
