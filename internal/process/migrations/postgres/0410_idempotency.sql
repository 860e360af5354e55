-- Creates accept an Idempotency-Key (API.md): see 0110. created_by of an instance is the user
-- who started it through the API or by hand; automatic starts leave it NULL.
ALTER TABLE process_definitions ADD COLUMN created_by TEXT;
ALTER TABLE process_definitions ADD COLUMN idempotency_key TEXT;
ALTER TABLE process_definitions ADD COLUMN idempotency_hash TEXT;
CREATE UNIQUE INDEX process_definitions_idempotency ON process_definitions(created_by, idempotency_key);

ALTER TABLE process_instances ADD COLUMN created_by TEXT;
ALTER TABLE process_instances ADD COLUMN idempotency_key TEXT;
ALTER TABLE process_instances ADD COLUMN idempotency_hash TEXT;
CREATE UNIQUE INDEX process_instances_idempotency ON process_instances(created_by, idempotency_key);
