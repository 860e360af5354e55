-- Creates accept an Idempotency-Key (API.md): see 0110. Workspaces, apps and items had the key
-- already; they gain the request's fingerprint, and keys become unique per caller (per caller
-- and workspace for apps, as they were per app for items), so a key sent again with another
-- request is refused instead of creating a second resource. Earlier duplicates, if any, keep
-- the key on the first one only.
ALTER TABLE workspaces ADD COLUMN idempotency_hash TEXT;
UPDATE workspaces SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND EXISTS (
    SELECT 1 FROM workspaces t2 WHERE t2.created_by = workspaces.created_by AND t2.idempotency_key = workspaces.idempotency_key
    AND (t2.created_at < workspaces.created_at OR (t2.created_at = workspaces.created_at AND t2.code < workspaces.code)));
CREATE UNIQUE INDEX workspaces_idempotency ON workspaces(created_by, idempotency_key);

ALTER TABLE apps ADD COLUMN idempotency_hash TEXT;
UPDATE apps SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND EXISTS (
    SELECT 1 FROM apps t2 WHERE t2.workspace = apps.workspace AND t2.created_by = apps.created_by AND t2.idempotency_key = apps.idempotency_key
    AND (t2.created_at < apps.created_at OR (t2.created_at = apps.created_at AND t2.code < apps.code)));
CREATE UNIQUE INDEX apps_idempotency ON apps(workspace, created_by, idempotency_key);

ALTER TABLE items ADD COLUMN idempotency_hash TEXT;
