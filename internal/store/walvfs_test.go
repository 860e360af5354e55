package store

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// openWALWriter opens path as the store's writer does: WAL, synchronous=FULL, the log
// through walVFSName. cache_size is small so that a large transaction spills pages into the
// log before its commit, and a page written twice is rewritten in the log in place.
func openWALWriter(t testing.TB, path string) *sql.DB {
	t.Helper()
	if err := registerWALVFS(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(20)&vfs="+walVFSName)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func openPlainReader(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// state is what a reader sees of table kv: its rows and the sum of their lengths.
func state(t testing.TB, db *sql.DB) (rows, bytes int64) {
	t.Helper()
	if err := db.QueryRow("SELECT COUNT(*), COALESCE(SUM(length(v)), 0) FROM kv").Scan(&rows, &bytes); err != nil {
		t.Fatal(err)
	}
	return rows, bytes
}

func TestWriterLogKeepsEveryCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	w := openWALWriter(t, path)
	mustExec(t, w, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v BLOB NOT NULL)")
	r := openPlainReader(t, path)

	var rows, bytes int64
	commit := func(what string, stmts func(tx *sql.Tx) (int64, int64)) {
		t.Helper()
		tx, err := w.Begin()
		if err != nil {
			t.Fatal(err)
		}
		dr, db := stmts(tx)
		if err := tx.Commit(); err != nil {
			t.Fatalf("%s: commit: %v", what, err)
		}
		rows, bytes = rows+dr, bytes+db
		// Another connection, through the default VFS, sees the commit at once.
		if gr, gb := state(t, r); gr != rows || gb != bytes {
			t.Fatalf("after %s a reader sees %d rows, %d bytes; want %d, %d", what, gr, gb, rows, bytes)
		}
	}
	insert := func(tx *sql.Tx, n, size int) (int64, int64) {
		for range n {
			if _, err := tx.Exec("INSERT INTO kv (v) VALUES (randomblob(?))", size); err != nil {
				t.Fatal(err)
			}
		}
		return int64(n), int64(n * size)
	}

	for i := range 20 {
		commit("a small commit "+strconv.Itoa(i), func(tx *sql.Tx) (int64, int64) { return insert(tx, 1+i, 100) })
	}
	// More than walGather in one transaction: the log is written in several runs, and the
	// small cache spills pages into the log before the commit.
	commit("a 6 MiB commit", func(tx *sql.Tx) (int64, int64) { return insert(tx, 1500, 4096) })
	// Pages spilled and then changed again in the same transaction are rewritten in the log
	// behind its end.
	commit("rewrites of spilled pages", func(tx *sql.Tx) (int64, int64) {
		dr, db := insert(tx, 200, 2000)
		if _, err := tx.Exec("UPDATE kv SET v = zeroblob(length(v)) WHERE k % 3 = 0"); err != nil {
			t.Fatal(err)
		}
		return dr, db
	})
	// A transaction that spilled and then rolled back leaves nothing.
	tx, err := w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	insert(tx, 800, 4096)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	commit("a commit after a rollback", func(tx *sql.Tx) (int64, int64) { return insert(tx, 10, 300) })
	// Checkpoints read the log back; after a truncating one the log starts again at 0.
	mustExec(t, w, "PRAGMA wal_checkpoint(PASSIVE)")
	commit("a commit after a checkpoint", func(tx *sql.Tx) (int64, int64) { return insert(tx, 50, 500) })
	mustExec(t, w, "PRAGMA wal_checkpoint(TRUNCATE)")
	for i := range 5 {
		commit("a commit in a restarted log "+strconv.Itoa(i), func(tx *sql.Tx) (int64, int64) { return insert(tx, 30, 700) })
	}

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	// Opened again without the VFS, the file is whole and holds every commit.
	again := openPlainReader(t, path)
	var check string
	if err := again.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	if gr, gb := state(t, again); gr != rows || gb != bytes {
		t.Fatalf("reopened: %d rows, %d bytes; want %d, %d", gr, gb, rows, bytes)
	}
}

func mustExec(t testing.TB, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestWriterLogKeepsWhatWasCommittedWhenKilled runs a writer in a child process that prints
// each commit once it returned, kills it with SIGKILL in the middle of its writing, and opens
// the file again: every commit the child saw return is there. Gathered log writes that were
// not yet written when SQLite synced would be lost here.
func TestWriterLogKeepsWhatWasCommittedWhenKilled(t *testing.T) {
	if path := os.Getenv("PARLEY_WALVFS_CHILD"); path != "" {
		walWriterChild(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "kv.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriterLogKeepsWhatWasCommittedWhenKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PARLEY_WALVFS_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	committed := int64(0)
	lines := bufio.NewScanner(out)
	killed := false
	for lines.Scan() {
		var n int64
		if _, err := fmt.Sscanf(lines.Text(), "committed %d", &n); err != nil {
			continue
		}
		committed = n
		if n >= 300 && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("the child stopped after %d commits without being killed", committed)
	}
	db := openPlainReader(t, path)
	var n int64
	if err := db.QueryRow("SELECT COALESCE(MAX(n), 0) FROM commits").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < committed {
		t.Fatalf("after SIGKILL the file holds %d commits; the child had seen %d return", n, committed)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
}

// walWriterChild commits forever, each commit a numbered row and some pages of filler,
// printing each number once its commit returned.
func walWriterChild(t *testing.T, path string) {
	w := openWALWriter(t, path)
	mustExec(t, w, "CREATE TABLE commits (n INTEGER PRIMARY KEY, filler BLOB)")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for n := 1; ctx.Err() == nil; n++ {
		if _, err := w.ExecContext(ctx, "INSERT INTO commits (n, filler) VALUES (?, randomblob(?))", n, 1000+n%7*3000); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("committed %d\n", n)
	}
}

// The writer refuses a connection whose commits do not sync the log: through walVFSName its
// commits would be acknowledged, and shown to readers, before their frames were written.
func TestWriterRefusesCommitsThatDoNotSync(t *testing.T) {
	if err := registerWALVFS(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sync string
		ok   bool
	}{{"FULL", true}, {"EXTRA", true}, {"NORMAL", false}, {"OFF", false}} {
		w, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "w.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous("+tc.sync+")&vfs="+walVFSName)
		if err != nil {
			t.Fatal(err)
		}
		w.SetMaxOpenConns(1)
		b, err := newBatcher(context.Background(), &DB{dialect: SQLite}, w, 8)
		if tc.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "needs synchronous=FULL, not "+tc.sync)) {
			t.Errorf("synchronous=%s: writer error %v, want refused: %v, naming the setting", tc.sync, err, !tc.ok)
		}
		if b != nil {
			b.close()
		}
		w.Close()
	}
}
