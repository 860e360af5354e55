-- Reports read a live chat's sessions by the day they were created.
CREATE INDEX sessions_created ON sessions(live_chat_id, created_at);
