-- A customer's rating of a session, once per closure: a reopened and closed again session may
-- be rated again, and the earlier rating stays for the reports. closed_at is the closure's.
CREATE TABLE session_ratings (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    closed_at BIGINT NOT NULL,
    live_chat_id TEXT NOT NULL,
    operator_id TEXT NOT NULL DEFAULT '',
    score INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    rated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, closed_at)
);
CREATE INDEX session_ratings_rated ON session_ratings(live_chat_id, rated_at);
