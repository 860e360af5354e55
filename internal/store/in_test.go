package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// A list longer than one chunk is read whole, each value once, with IN conditions of at most
// the chunk's size.
func TestChunksReadAListLongerThanAStatementCarries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var names []string
		err := db.Tx(ctx, func(tx *store.Tx) error {
			for i := range 600 {
				name := fmt.Sprintf("chunk-%03d", i)
				names = append(names, name)
				if err := insert(ctx, tx, name); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := append(names[:0:0], names[100:]...) // 500 of them: two full chunks and one of 12
		seen := map[string]int{}
		var sizes []int
		err = db.Read(ctx, func(tx *store.Tx) error {
			return store.Chunks(want, 244, func(args []any) error {
				sizes = append(sizes, len(args))
				names, err := store.Column[string](ctx, tx, "SELECT name FROM things WHERE name "+store.In(len(args)), args...)
				for _, n := range names {
					seen[n]++
				}
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(sizes) != "[244 244 12]" || len(seen) != len(want) {
			t.Fatalf("chunks of %v found %d names; want [244 244 12] and %d", sizes, len(seen), len(want))
		}
		for _, n := range want {
			if seen[n] != 1 {
				t.Fatalf("%s found %d times", n, seen[n])
			}
		}
	})
}

func TestChunksStopAtTheFirstError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := store.Chunks([]int{1, 2, 3, 4, 5}, 2, func(args []any) error {
		calls++
		if args[0] == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("err %v after %d calls; want stop after 2", err, calls)
	}
	if err := store.Chunks([]string(nil), 2, func([]any) error { t.Fatal("called for no values"); return nil }); err != nil {
		t.Fatal(err)
	}
}

// Column reads a query's one column in order, and no rows as an empty list, not nil, so that
// a list read with it encodes as [] in JSON.
func TestColumnReadsOneColumnInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			for i, n := range []string{"col-b", "col-a", "col-c"} {
				if _, err := tx.Exec(ctx, "INSERT INTO things (id, name, at) VALUES (?, ?, ?)", store.NewID("th"), n, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			names, err := store.Column[string](ctx, tx, "SELECT name FROM things WHERE name LIKE 'col-%' ORDER BY at DESC")
			if err != nil || strings.Join(names, ",") != "col-c,col-a,col-b" {
				t.Fatalf("names %v (err %v), want col-c,col-a,col-b", names, err)
			}
			ats, err := store.Column[int](ctx, tx, "SELECT at FROM things WHERE name LIKE 'col-%' ORDER BY at")
			if err != nil || len(ats) != 3 || ats[0] != 0 || ats[2] != 2 {
				t.Fatalf("ats %v (err %v), want [0 1 2]", ats, err)
			}
			none, err := store.Column[string](ctx, tx, "SELECT name FROM things WHERE name = 'col-none'")
			if err != nil || none == nil || len(none) != 0 {
				t.Fatalf("no rows: %#v (err %v), want an empty, non-nil list", none, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
