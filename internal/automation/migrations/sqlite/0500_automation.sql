-- One binding per live chat and event: the Business Processes tab.
CREATE TABLE automation_bindings (
    live_chat_id TEXT NOT NULL,
    event TEXT NOT NULL,
    process_code TEXT NOT NULL,
    inputs TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    -- broken says why the newest published version no longer fits the mapping; empty when fine.
    broken TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (live_chat_id, event)
);
CREATE INDEX automation_bindings_process ON automation_bindings(process_code);

CREATE TABLE automation_settings (
    live_chat_id TEXT PRIMARY KEY,
    verbose_log INTEGER NOT NULL
);

-- One line per event and binding. The unique key is the exactly-once guard: the line is
-- written in the same transaction as the instance it names.
CREATE TABLE automation_log (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    event TEXT NOT NULL,
    live_chat_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    process_code TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    chain_depth INTEGER NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (event_id, live_chat_id, event)
);
CREATE INDEX automation_log_chat ON automation_log(live_chat_id, event_seq);
CREATE INDEX automation_log_session ON automation_log(session_id, event_seq);
CREATE INDEX automation_log_instance ON automation_log(instance_id);
