-- What a job needs beyond its element: the text of a customer's message whose delivery to a
-- session wait failed, kept with its incident so that a retry delivers it again.
ALTER TABLE process_jobs ADD COLUMN payload TEXT NOT NULL DEFAULT '';
