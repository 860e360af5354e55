-- Process definitions (the editable draft) and their immutable published versions.
CREATE TABLE process_definitions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    variables TEXT NOT NULL,
    bpmn TEXT NOT NULL,
    published_version INTEGER NOT NULL DEFAULT 0,
    unpublished INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX process_definitions_scope ON process_definitions(scope);

CREATE TABLE process_versions (
    code TEXT NOT NULL REFERENCES process_definitions(code),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    variables TEXT NOT NULL,
    bpmn TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (code, number)
) WITHOUT ROWID;

-- One row per instance: its variables and its tokens are JSON, so that moving an instance on
-- rewrites one row, and locking that row serialises everything that happens to the instance.
CREATE TABLE process_instances (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    variables TEXT NOT NULL,
    tokens TEXT NOT NULL,
    seq INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    trigger TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX process_instances_session ON process_instances(session_id) WHERE session_id <> '';
CREATE INDEX process_instances_code ON process_instances(code, version);

CREATE TABLE process_history (
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    element_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;

CREATE TABLE process_tasks (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    token_id INTEGER NOT NULL,
    element_id TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee TEXT NOT NULL,
    group_ids TEXT NOT NULL,
    session_id TEXT NOT NULL,
    due_at BIGINT,
    created_at BIGINT NOT NULL,
    ended_at BIGINT,
    completed_by TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT ''
);
CREATE INDEX process_tasks_assignee ON process_tasks(assignee, state);
CREATE INDEX process_tasks_instance ON process_tasks(instance_id);

CREATE TABLE process_task_groups (
    group_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    PRIMARY KEY (group_id, task_id)
) WITHOUT ROWID;

-- Waits that a worker or an outside worker ends: timers, boundary timers, steps to run or
-- retry (state ready), outside workers' jobs (state waiting), and failures (state incident).
CREATE TABLE process_jobs (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    token_id INTEGER NOT NULL,
    element_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT,
    error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX process_jobs_due ON process_jobs(state, due_at);
CREATE INDEX process_jobs_instance ON process_jobs(instance_id);
CREATE INDEX process_jobs_type ON process_jobs(type, state);

-- Message waits: the customer's next message in a session, or a named message with a key.
CREATE TABLE process_messages (
    instance_id TEXT NOT NULL,
    token_id INTEGER NOT NULL,
    element_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    name TEXT NOT NULL,
    correlation_key TEXT NOT NULL,
    variable TEXT NOT NULL,
    after_seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (instance_id, token_id)
);
CREATE INDEX process_messages_session ON process_messages(session_id) WHERE session_id <> '';
CREATE INDEX process_messages_key ON process_messages(name, correlation_key) WHERE correlation_key <> '';
