package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// Writes that share a group commit or fail each on their own: one caller's failure — its own
// error, a duplicate key, a panic — never undoes another caller's write or leaks into it.
func TestGroupTxCallersCommitOrFailAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		before := count(t, db)
		const n = 120
		boom := errors.New("boom")
		results := make([]error, n)
		var committed sync.Map
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						results[i] = fmt.Errorf("panicked: %v", p)
					}
				}()
				name := fmt.Sprintf("g-%d", i)
				if i%10 == 3 {
					name = "g-dup" // every tenth but one collides on the unique name
				}
				results[i] = db.GroupTx(ctx, name, func(tx *store.Tx) error {
					tx.AfterCommit(func() { committed.Store(i, true) })
					if err := insert(ctx, tx, name); err != nil {
						return err
					}
					switch i % 10 {
					case 5:
						return boom
					case 7:
						panic("seven")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		dups, want := 0, 0
		for i, err := range results {
			switch {
			case i%10 == 5:
				if !errors.Is(err, boom) {
					t.Errorf("caller %d: %v, want its own error", i, err)
				}
			case i%10 == 7:
				if err == nil || err.Error() != "panicked: seven" {
					t.Errorf("caller %d: %v, want its panic back in its goroutine", i, err)
				}
			case i%10 == 3:
				if err == nil {
					dups++
					want++
				} else if !errs.Is(err, errs.Conflict) {
					t.Errorf("caller %d: %v, want a conflict on the duplicate name", i, err)
				}
			default:
				want++
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
			}
			_, ok := committed.Load(i)
			if ok != (err == nil) {
				t.Errorf("caller %d: after-commit ran %v, but its error is %v", i, ok, err)
			}
		}
		if dups != 1 {
			t.Errorf("%d of the callers writing the same name committed, want exactly 1", dups)
		}
		if got := count(t, db) - before; got != want {
			t.Errorf("%d rows committed, want %d (one per successful caller)", got, want)
		}
	})
}
