package store

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeCalls is how many write system calls this process has made (Linux's /proc/self/io).
func writeCalls(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no syscw in /proc/self/io")
	return 0
}

// A commit that dirties a few hundred pages writes its log with a few calls instead of two
// for each page.
func TestWriterLogWritesACommitInFewCalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	w := openWALWriter(t, path)
	mustExec(t, w, "PRAGMA cache_size(-64000)") // no spills: one commit writes the log
	mustExec(t, w, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v BLOB NOT NULL)")
	// 300 rows of 3,000 bytes: 300 pages, 600 writes of a frame's header and page without
	// the gathering, and some 8 pieces of 120 KiB with it.
	before := writeCalls(t)
	mustExec(t, w, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) INSERT INTO kv (v) SELECT randomblob(3000) FROM s")
	calls := writeCalls(t) - before
	if calls > 40 {
		t.Fatalf("a commit of 300 pages made %d write calls", calls)
	}
}
