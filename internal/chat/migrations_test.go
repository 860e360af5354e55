package chat_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// Builds of main recorded chat's 0264 and later took it back (chat.go says which): a
// database that has it recorded was not written by a newer Parley, and opens.
func TestDatabaseWithRetiredChatVersionOpens(t *testing.T) {
	for _, name := range []string{"fts_automerge", "outbox_seqs_from_writer"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "parley.db")
			db := storetest.Open(t, path)
			ctx := context.Background()
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (264, ?, 0)", name)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			storetest.Open(t, path) // fails the test when the database is refused
		})
	}
}
