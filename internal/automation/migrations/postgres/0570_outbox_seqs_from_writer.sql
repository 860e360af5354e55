-- A version mark for SQLite's outbox seqs counted by its writer (see the sqlite file); nothing changes on PostgreSQL.
SELECT 1;
