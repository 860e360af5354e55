package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

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

// TestGroupTxSharesOneRead has the writes of a group read once for all of them: the read
// gets every write's key, and each write finds its own in what was read.
func TestGroupTxSharesOneRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		type kind struct{}
		var mu sync.Mutex
		loads, grouped := 0, 0
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("k%02d", i)
				err := db.GroupTx(ctx, key, func(tx *store.Tx) error {
					v, ok, err := tx.Shared(ctx, kind{}, func(ctx context.Context, tx *store.Tx, keys []string) (any, error) {
						mu.Lock()
						loads++
						mu.Unlock()
						seen := map[string]bool{}
						for _, k := range keys {
							seen[k] = true
						}
						return seen, nil
					})
					if err != nil || !ok {
						return err
					}
					if !v.(map[string]bool)[key] {
						return fmt.Errorf("the group's read did not have the key %s", key)
					}
					mu.Lock()
					grouped++
					mu.Unlock()
					return insert(ctx, tx, "shared-"+key)
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if db.Dialect() == store.SQLite {
			if grouped != 0 {
				t.Errorf("%d writes shared a read on SQLite, whose transactions are not GroupTx groups", grouped)
			}
			return
		}
		if grouped == 0 || loads >= grouped {
			t.Errorf("%d reads for %d writes in groups: the writes of a group should share one", loads, grouped)
		}
	})
}

// TestGroupTxWaitsForTheRunningGroup: on PostgreSQL, writes that arrive while a group runs
// wait for it and then share one transaction, rather than each starting one of its own. A
// node with few writers in flight otherwise committed most of them one at a time.
func TestGroupTxWaitsForTheRunningGroup(t *testing.T) {
	if storetest.PostgresURL(t) == "" {
		t.Skip("PostgreSQL only: set PARLEY_TEST_POSTGRES")
	}
	db := storetest.Postgres(t)
	ctx := context.Background()
	release, running := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.GroupTx(ctx, "a", func(tx *store.Tx) error {
			close(running)
			<-release
			return insert(ctx, tx, "running-group")
		})
	}()
	<-running
	type kind struct{}
	var mu sync.Mutex
	var groups [][]string
	var wg sync.WaitGroup
	for _, key := range []string{"b", "c", "d"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.GroupTx(ctx, key, func(tx *store.Tx) error {
				_, _, err := tx.Shared(ctx, kind{}, func(ctx context.Context, tx *store.Tx, keys []string) (any, error) {
					mu.Lock()
					groups = append(groups, keys)
					mu.Unlock()
					return nil, nil
				})
				if err != nil {
					return err
				}
				return insert(ctx, tx, "waiting-"+key)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	// The three are queued well before the running group ends; the workers left are free.
	time.Sleep(200 * time.Millisecond)
	close(release)
	if err := <-first; err != nil {
		t.Error(err)
	}
	wg.Wait()
	if len(groups) != 1 || len(groups[0]) != 3 {
		t.Fatalf("the writes that waited ran in groups %v: want one group of b, c and d", groups)
	}
}
