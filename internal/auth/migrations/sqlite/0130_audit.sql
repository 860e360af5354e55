-- The audit trail of configuration: who changed what and when. Rows are written in the
-- transaction of the change they describe, and never updated.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_target ON audit_log(target_kind, target_id, id);
CREATE INDEX audit_log_actor ON audit_log(actor, id);
