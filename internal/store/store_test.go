package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

func init() {
	store.RegisterMigrations(fstest.MapFS{
		"sqlite/9001_things.sql":   {Data: []byte("CREATE TABLE things (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, at BIGINT);\n")},
		"postgres/9001_things.sql": {Data: []byte("CREATE TABLE things (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, at BIGINT);\n")},
	})
}

func insert(ctx context.Context, tx *store.Tx, name string) error {
	_, err := tx.Exec(ctx, "INSERT INTO things (id, name, at) VALUES (?, ?, ?)", store.NewID("th"), name, store.TS(tx.Now()))
	return err
}

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM things").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConformance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t.Run("migrations are idempotent", func(t *testing.T) {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			var n int
			err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = 9001").Scan(&n)
			})
			if err != nil || n != 1 {
				t.Fatalf("migration 9001 recorded %d times (err %v), want once", n, err)
			}
		})
		t.Run("a failing transaction rolls back whole", func(t *testing.T) {
			before := count(t, db)
			boom := errors.New("boom")
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if err := insert(ctx, tx, "rolled-back-1"); err != nil {
					return err
				}
				if err := insert(ctx, tx, "rolled-back-2"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v, want boom", err)
			}
			if got := count(t, db); got != before {
				t.Fatalf("rows after rollback = %d, want %d", got, before)
			}
		})
		t.Run("unique violation is conflict", func(t *testing.T) {
			if err := db.Tx(ctx, func(tx *store.Tx) error { return insert(ctx, tx, "dup") }); err != nil {
				t.Fatal(err)
			}
			err := db.Tx(ctx, func(tx *store.Tx) error { return insert(ctx, tx, "dup") })
			if errs.CodeOf(err) != errs.Conflict {
				t.Fatalf("got %v (code %s), want conflict", err, errs.CodeOf(err))
			}
		})
		t.Run("a later write is in before the reads and the commit that follow it", func(t *testing.T) {
			before := count(t, db)
			var seen int
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if err := tx.ExecLater(ctx, "INSERT INTO things (id, name, at) VALUES (?, ?, ?)", store.NewID("th"), "later-read", 1); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM things WHERE name = ?", "later-read").Scan(&seen); err != nil {
					return err
				}
				// Carried by the next write, and the last one by the commit.
				if err := tx.ExecLater(ctx, "INSERT INTO things (id, name, at) VALUES (?, ?, ?)", store.NewID("th"), "later-carried", 2); err != nil {
					return err
				}
				if err := insert(ctx, tx, "later-carrier"); err != nil {
					return err
				}
				return tx.ExecLater(ctx, "UPDATE things SET at = ? WHERE name = ?", 3, "later-read")
			})
			if err != nil {
				t.Fatal(err)
			}
			if seen != 1 {
				t.Fatalf("the query saw %d rows of the later write before it, want 1", seen)
			}
			if got := count(t, db); got != before+3 {
				t.Fatalf("rows = %d, want %d", got, before+3)
			}
			var at int64
			err = db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, "SELECT at FROM things WHERE name = ?", "later-read").Scan(&at)
			})
			if err != nil || at != 3 {
				t.Fatalf("the last later write, left for the commit: at = %d (err %v), want 3", at, err)
			}
		})
		t.Run("a later write that fails fails its transaction, or only its savepoint", func(t *testing.T) {
			if err := db.Tx(ctx, func(tx *store.Tx) error { return insert(ctx, tx, "later-dup") }); err != nil {
				t.Fatal(err)
			}
			before := count(t, db)
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if err := tx.ExecLater(ctx, "INSERT INTO things (id, name, at) VALUES (?, ?, ?)", store.NewID("th"), "later-dup", 1); err != nil {
					return err
				}
				return insert(ctx, tx, "later-dup-carrier")
			})
			if errs.CodeOf(err) != errs.Conflict {
				t.Fatalf("got %v, want conflict", err)
			}
			if got := count(t, db); got != before {
				t.Fatalf("rows = %d after the failed transaction, want %d", got, before)
			}
			var inner error
			err = db.Tx(ctx, func(tx *store.Tx) error {
				inner = tx.Savepoint(ctx, func() error {
					return tx.ExecLater(ctx, "INSERT INTO things (id, name, at) VALUES (?, ?, ?)", store.NewID("th"), "later-dup", 1)
				})
				return insert(ctx, tx, "later-after-savepoint")
			})
			if err != nil {
				t.Fatal(err)
			}
			if errs.CodeOf(inner) != errs.Conflict {
				t.Fatalf("savepoint got %v, want conflict", inner)
			}
			if got := count(t, db); got != before+1 {
				t.Fatalf("rows = %d, want %d: the savepoint's write undone, the transaction's kept", got, before+1)
			}
		})
		t.Run("missing row is not_found", func(t *testing.T) {
			var name string
			err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, "SELECT name FROM things WHERE id = ?", "nope").Scan(&name)
			})
			if errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("got %v, want not_found", err)
			}
		})
		t.Run("timestamps round-trip at microsecond precision", func(t *testing.T) {
			var at store.Timestamp
			var want time.Time
			err := db.Tx(ctx, func(tx *store.Tx) error {
				want = tx.Now()
				if err := insert(ctx, tx, "timed"); err != nil {
					return err
				}
				return tx.QueryRow(ctx, "SELECT at FROM things WHERE name = ?", "timed").Scan(&at)
			})
			if err != nil || !at.Equal(want) {
				t.Fatalf("got %v (err %v), want %v", at, err, want)
			}
		})
		t.Run("concurrent writers commit or fail alone", func(t *testing.T) { concurrentWriters(t, db) })
		t.Run("notify wakes subscribers after commit only", func(t *testing.T) { notifyAfterCommit(t, db) })
	})
}

// concurrentWriters checks group commit's promise: with many writers at once, the ones that
// fail leave nothing and the rest all commit.
func concurrentWriters(t *testing.T, db *store.DB) {
	ctx := context.Background()
	before := count(t, db)
	var wg sync.WaitGroup
	errsSeen := make([]error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errsSeen[i] = db.Tx(ctx, func(tx *store.Tx) error {
				if err := insert(ctx, tx, fmt.Sprintf("w%d", i)); err != nil {
					return err
				}
				if i%4 == 0 {
					return errors.New("refused")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errsSeen {
		if (i%4 == 0) != (err != nil) {
			t.Fatalf("writer %d: err %v", i, err)
		}
	}
	if got := count(t, db) - before; got != 48 {
		t.Fatalf("committed %d rows, want 48", got)
	}
}

func notifyAfterCommit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ch, cancel := db.Subscribe("things")
	defer cancel()
	_ = db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.Notify(ctx, "things"); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	select {
	case <-ch:
		t.Fatal("woken by a transaction that rolled back")
	case <-time.After(50 * time.Millisecond):
	}
	if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.Notify(ctx, "things") }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("not woken after commit")
	}
}

func TestNewerDatabaseIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		storetest.RecordVersion(t, db, 99999, "future")
		err := db.Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "newer than this parley binary") {
			t.Fatalf("got %v, want a refusal naming the newer schema", err)
		}
	})
}

// Each package numbers its migrations in a band of its own, so a newer Parley's migration can
// sit below the newest version this binary knows (here 9001): it is refused all the same, by
// number and name, rather than the schema being used half-understood.
func TestUnknownVersionBelowTheNewestIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.RecordVersion(t, db, 8000, "from_a_newer_parley")
		err := db.Migrate(context.Background())
		if err == nil || !strings.Contains(err.Error(), "version 8000 (from_a_newer_parley), newer than this parley binary knows") {
			t.Fatalf("got %v, want a refusal naming version 8000", err)
		}
	})
}

// A version that a build recorded and a later one took back is no sign of a newer Parley.
func TestRetiredVersionIsAccepted(t *testing.T) {
	store.RetireMigrations(8500)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.RecordVersion(t, db, 8500, "taken_back")
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("a database with a retired version: %v", err)
		}
		if n := count(t, db); n != 0 {
			t.Fatalf("things has %d rows, want the migrated, empty table", n)
		}
	})
}

func TestSavepointUndoesOnlyItsPart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		before := count(t, db)
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := insert(ctx, tx, "kept"); err != nil {
				return err
			}
			err := tx.Savepoint(ctx, func() error {
				if err := insert(ctx, tx, "undone"); err != nil {
					return err
				}
				return errors.New("bad event")
			})
			if err == nil {
				t.Error("savepoint swallowed the error")
			}
			return tx.Savepoint(ctx, func() error { return insert(ctx, tx, "kept-too") })
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := count(t, db) - before; got != 2 {
			t.Fatalf("%d rows committed, want 2", got)
		}
	})
}

// TestOneChannelFollowsSeveralNames: a channel subscribed to two names is woken by a commit
// that notified either, and by neither once cancelled.
func TestOneChannelFollowsSeveralNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wake := make(chan struct{}, 1)
		cancel := db.SubscribeAll(wake, "typing", "reads")
		notify := func(name string) {
			t.Helper()
			if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.Notify(ctx, name) }); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"typing", "reads"} {
			notify(name)
			select {
			case <-wake:
			case <-time.After(5 * time.Second):
				t.Fatalf("not woken by a commit that notified %q", name)
			}
		}
		cancel()
		notify("typing")
		notify("reads")
		select {
		case <-wake:
			t.Fatal("woken after cancel")
		case <-time.After(50 * time.Millisecond):
		}
	})
}

// A caller that goes away halfway through its write (a client that hangs up, a worker shut
// down) has the write refused whole at its next statement, on SQLite's writer too, whose
// statements are sent without the caller's cancellation and check it themselves.
func TestWriteWhoseCallerLeftIsRefusedWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		before := count(t, db)
		for _, next := range []string{"exec", "query"} {
			ctx, cancel := context.WithCancel(context.Background())
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if err := insert(ctx, tx, "caller-left-"+next); err != nil {
					return err
				}
				cancel()
				if next == "exec" {
					return insert(ctx, tx, "caller-left-after")
				}
				var n int
				return tx.QueryRow(ctx, "SELECT COUNT(*) FROM things").Scan(&n)
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s after the caller left: %v, want context.Canceled", next, err)
			}
			if got := count(t, db); got != before {
				t.Fatalf("%s after the caller left: rows = %d, want %d: nothing of the write", next, got, before)
			}
		}
	})
}
