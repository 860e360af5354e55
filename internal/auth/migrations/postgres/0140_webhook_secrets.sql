-- The secrets that sign an http channel's webhook deliveries (HMAC-SHA256). Unlike API keys
-- they must be kept as they are, since Parley computes signatures with them; they are shown
-- once, when made, and replaced by a rotation.
CREATE TABLE webhook_secrets (
    owner TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
