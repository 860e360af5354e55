package chat_test

import (
	"path/filepath"
	"testing"

	"github.com/parleychat/parley/internal/store/storetest"
)

// Builds of main recorded chat's 0264 and later took it back (chat.go says which): a
// database that has it recorded was not written by a newer Parley, and opens.
func TestDatabaseWithRetiredChatVersionOpens(t *testing.T) {
	for _, name := range []string{"fts_automerge", "outbox_seqs_from_writer"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "parley.db")
			db := storetest.Open(t, path)
			storetest.RecordVersion(t, db, 264, name)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			storetest.Open(t, path) // fails the test when the database is refused
		})
	}
}
