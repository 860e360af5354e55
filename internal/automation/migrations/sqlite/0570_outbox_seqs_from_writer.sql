-- A version mark, no schema change. From here SQLite's single writer counts the outbox's seqs
-- in memory (chat's seqs.go) and no longer advances outbox_counter, which stays as a floor;
-- the dispatcher's caught-up check reads the outbox's largest seq instead of the counter.
-- It is numbered above every migration before it because a parley refuses a database only
-- when its newest version is one the binary does not know: an older parley, which would take
-- seqs from the counter and collide with the newer events, refuses this database instead.
SELECT 1;
