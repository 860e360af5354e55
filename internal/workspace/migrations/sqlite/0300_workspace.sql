-- Workspaces hold apps; codes are the keys because process scopes and item types name them.
CREATE TABLE workspaces (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    idempotency_key TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE apps (
    workspace TEXT NOT NULL REFERENCES workspaces(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    title_field TEXT NOT NULL,
    idempotency_key TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, code)
);

-- position keeps the order the administrator gave; removals leave gaps, which is fine.
CREATE TABLE app_fields (
    workspace TEXT NOT NULL,
    app TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    required INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (workspace, app, code),
    FOREIGN KEY (workspace, app) REFERENCES apps(workspace, code)
);

-- data is a JSON object of canonical value JSON keyed by field code; absent fields are left out.
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    workspace TEXT NOT NULL,
    app TEXT NOT NULL,
    data TEXT NOT NULL,
    idempotency_key TEXT,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (workspace, app) REFERENCES apps(workspace, code)
);
CREATE INDEX items_app ON items(workspace, app, id);
CREATE UNIQUE INDEX items_idempotency ON items(workspace, app, created_by, idempotency_key);

-- One row per set value: the SHA-256 of its canonical JSON, so that ?field=value filters are an
-- exact, indexed comparison in portable SQL whatever the type and length of the value.
CREATE TABLE item_values (
    item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (item_id, field)
);
CREATE INDEX item_values_hash ON item_values(hash);
