-- Publishing creates a version, so it accepts an Idempotency-Key like every create (API.md):
-- a publish retried after a lost answer returns the version it made instead of a second,
-- identical one. See 0110 for the columns.
ALTER TABLE process_versions ADD COLUMN created_by TEXT;
ALTER TABLE process_versions ADD COLUMN idempotency_key TEXT;
ALTER TABLE process_versions ADD COLUMN idempotency_hash TEXT;
CREATE UNIQUE INDEX process_versions_idempotency ON process_versions(created_by, idempotency_key);
