-- A new message is added to messages_fts by the writer once per group commit, for every
-- message of the group with one statement (see indexMessages), no longer by a trigger per
-- row: FTS5 writes what it holds in memory to disk at every savepoint, and group commit
-- gives each writer one, so each message became an index segment of its own, merged again
-- later. The index still commits with its messages, in the same transaction.
DROP TRIGGER messages_fts_insert;
