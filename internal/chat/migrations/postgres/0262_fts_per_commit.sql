-- Nothing on PostgreSQL: its message search index is kept by PostgreSQL itself. The number
-- is used by SQLite's change to how new messages are indexed.
SELECT 1;
