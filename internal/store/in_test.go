package store_test

import (
	"context"
	"errors"
	"fmt"
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
				names, err := thingNames(ctx, tx, "WHERE name "+store.In(len(args)), args...)
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

// thingNames returns the names of the things a condition picks.
func thingNames(ctx context.Context, tx *store.Tx, where string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, "SELECT name FROM things "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}
