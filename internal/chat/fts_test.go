package chat_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestMessagesWrittenTogetherAreFound: customers writing at once (their messages share
// commits) are each found by their words as soon as their write returns, and a message whose
// change rolled back never is.
func TestMessagesWrittenTogetherAreFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.send(fmt.Sprint("v", i), fmt.Sprintf("parcel%c missing", 'a'+i))
			}()
		}
		wg.Wait()
		f.sendUndone("v0", "parcelz missing")
		for i := range 16 {
			if got := f.search(f.admin, fmt.Sprintf("parcel%c", 'a'+i)); len(got) != 1 {
				t.Fatalf("parcel%c found in %d sessions, want 1", 'a'+i, len(got))
			}
		}
		if got := f.search(f.admin, "parcelz"); len(got) != 0 {
			t.Fatalf("a rolled-back message was found: %v", got)
		}
		if db.Dialect() == store.SQLite {
			f.must(db.Tx(f.ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(f.ctx, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
				return err
			}))
		}
	})
}
