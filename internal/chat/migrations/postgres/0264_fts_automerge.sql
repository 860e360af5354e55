-- Nothing on PostgreSQL: its message search index is kept by PostgreSQL itself. The number
-- is used by SQLite's change to how often its search index merges.
SELECT 1;
