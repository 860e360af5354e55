-- Creates accept an Idempotency-Key (API.md). The created row carries the key, its caller and
-- the request's fingerprint, written by the same INSERT as the row; the unique index makes a
-- racing repeat fail rather than create twice. Rows without a key hold NULL and never meet.
ALTER TABLE users ADD COLUMN created_by TEXT;
ALTER TABLE users ADD COLUMN idempotency_key TEXT;
ALTER TABLE users ADD COLUMN idempotency_hash TEXT;
CREATE UNIQUE INDEX users_idempotency ON users(created_by, idempotency_key);

ALTER TABLE groups ADD COLUMN created_by TEXT;
ALTER TABLE groups ADD COLUMN idempotency_key TEXT;
ALTER TABLE groups ADD COLUMN idempotency_hash TEXT;
CREATE UNIQUE INDEX groups_idempotency ON groups(created_by, idempotency_key);
