package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

type gatherKey struct{}

// gatherWrite gathers name; the work writes "g:" + each name it gets, then returns fail.
func gatherWrite(tx *store.Tx, name string, fail error) {
	store.Gather(tx, gatherKey{}, name, func(ctx context.Context, tx *store.Tx, names []string) error {
		for _, n := range names {
			if err := insert(ctx, tx, "g:"+n); err != nil {
				return err
			}
		}
		return fail
	})
}

// TestGatheredWorkCommitsWithItsWriters: work gathered by concurrent writers is done inside
// their commit, without the items of a writer that failed or of a savepoint undone; when that
// work fails, it alone is undone and the writers commit.
func TestGatheredWorkCommitsWithItsWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = db.Tx(ctx, func(tx *store.Tx) error {
					_ = tx.Savepoint(ctx, func() error {
						gatherWrite(tx, fmt.Sprint("undone-", i), nil)
						return errors.New("undo")
					})
					if err := insert(ctx, tx, fmt.Sprint("w", i)); err != nil {
						return err
					}
					gatherWrite(tx, fmt.Sprint("w", i), nil)
					if i%4 == 0 {
						return errors.New("this writer fails")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		got := map[string]bool{}
		err := db.Read(ctx, func(tx *store.Tx) error {
			names, err := store.Column[string](ctx, tx, "SELECT name FROM things")
			for _, n := range names {
				got[n] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for i := range 20 {
			if i%4 != 0 {
				want[fmt.Sprint("w", i)], want[fmt.Sprint("g:w", i)] = true, true
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("committed %v, want %v", got, want)
		}

		before := count(t, db)
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := insert(ctx, tx, "kept"); err != nil {
				return err
			}
			gatherWrite(tx, "kept", errors.New("gathered work fails"))
			return nil
		})
		if err != nil || count(t, db) != before+1 {
			t.Fatalf("failing gathered work: err %v, %d rows, want the writer's one row committed", err, count(t, db)-before)
		}

		required := errors.New("required work fails")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := insert(ctx, tx, "lost"); err != nil {
				return err
			}
			store.GatherMust(tx, gatherKey{}, "lost", func(context.Context, *store.Tx, []string) error { return required })
			return nil
		})
		if !errors.Is(err, required) || count(t, db) != before+1 {
			t.Fatalf("failing required work: err %v, %d rows, want the error and nothing committed", err, count(t, db)-before)
		}
	})
}
