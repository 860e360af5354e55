-- Worker keys: API keys administrators issue to outside workers, by name, and revoke. Only the
-- hash of a key is stored. A name is taken while its key is not revoked.
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN created_by TEXT;
CREATE UNIQUE INDEX api_keys_worker_name ON api_keys(owner) WHERE revoked_at IS NULL AND owner LIKE 'worker:%';
