package chat

import (
	"context"

	"github.com/parleychat/parley/internal/store"
)

type ftsKey struct{}

// indexMessage has SQLite's full-text index take the new message at the end of the group
// commit it is part of (migration 0262): FTS5 flushes its in-memory part at every savepoint,
// so indexing each message where it is written cost one index segment per message. The
// index work is required: without it, none of the group commits.
func indexMessage(tx *store.Tx, id string) {
	if tx.Dialect() == store.SQLite {
		store.GatherMust(tx, ftsKey{}, id, indexMessages)
	}
}

// ftsRowsPerInsert bounds the ids of one statement.
const ftsRowsPerInsert = 256

func indexMessages(ctx context.Context, tx *store.Tx, ids []string) error {
	return store.Chunks(ids, ftsRowsPerInsert, func(args []any) error {
		_, err := tx.Exec(ctx, "INSERT INTO messages_fts (rowid, text) SELECT rowid, text FROM messages WHERE id "+store.In(len(args)), args...)
		return err
	})
}
