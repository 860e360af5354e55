-- A binding may carry a condition: an expression over the Live Chats properties that must be
-- true for the event to start the process. Empty means always.
ALTER TABLE automation_bindings ADD COLUMN condition_expr TEXT NOT NULL DEFAULT '';

-- A failed line can be retried by an administrator; the line itself then becomes started (or
-- stays failed with the new reason), so the unique key on (event, binding) keeps guarding it.
ALTER TABLE automation_log ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE automation_log ADD COLUMN retried_by TEXT NOT NULL DEFAULT '';

-- The retention purge deletes lines by age.
CREATE INDEX automation_log_at ON automation_log(at);
