-- An instance started by a call activity points at its caller: the calling instance, the
-- token waiting there and the call activity's id. call_depth counts the calls above it, so
-- that a process calling itself stops with an incident instead of nesting without end.
ALTER TABLE process_instances ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE process_instances ADD COLUMN parent_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE process_instances ADD COLUMN parent_element TEXT NOT NULL DEFAULT '';
ALTER TABLE process_instances ADD COLUMN call_depth INTEGER NOT NULL DEFAULT 0;
CREATE INDEX process_instances_parent ON process_instances(parent_id) WHERE parent_id <> '';
