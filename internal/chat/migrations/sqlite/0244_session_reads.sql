-- Each staff user's read cursor per session: the seq of the newest message they have seen on
-- the session page. Unread counts are the messages after it that others wrote; a session the
-- user never opened has no row, and all of its messages count.
CREATE TABLE session_reads (
    user_id TEXT NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq BIGINT NOT NULL,
    read_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, session_id)
);
