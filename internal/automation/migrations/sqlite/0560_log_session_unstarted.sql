-- A session's lines are found in two ways from 0560 (queryLog): its started lines through
-- its instances (process_instances_session, then automation_log_instance), its other lines
-- through automation_log_session_unstarted, which holds only those. Indexing every started
-- line by session put one more entry at a random place in an index per started instance:
-- the costliest write of a customer's message (docs/performance.md, "one index entry fewer
-- per started instance").
DROP INDEX automation_log_session;
CREATE INDEX automation_log_session_unstarted ON automation_log(session_id, event_seq) WHERE outcome <> 'started';

-- A line starts at most one instance and an instance is started by at most one line. Said
-- so, SQLite's planner, which has no statistics, reaches a session's started lines from its
-- instances by this index rather than by scanning the live chat's lines; and lines that
-- started nothing are not indexed here at all.
DROP INDEX automation_log_instance;
CREATE UNIQUE INDEX automation_log_instance ON automation_log(instance_id) WHERE instance_id <> '';
