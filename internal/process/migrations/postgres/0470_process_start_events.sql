-- The message and timer start events of each process's newest published version: a published
-- message finds the processes it starts here, and the job worker fires due timer starts. A
-- publish replaces the process's rows and an unpublish deletes them. A timer row is claimed
-- and moved on (or deleted after its last firing) in the transaction that starts its instance,
-- so that each firing starts exactly one instance however many nodes run the worker.
CREATE TABLE process_start_events (
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    element_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    message_name TEXT NOT NULL,
    due_at BIGINT,
    remaining INTEGER NOT NULL,
    PRIMARY KEY (code, element_id)
);
CREATE INDEX process_start_events_message ON process_start_events(message_name) WHERE kind = 'message';
CREATE INDEX process_start_events_due ON process_start_events(due_at) WHERE kind = 'timer';
