// Package storetest opens real databases for tests: SQLite in a temporary directory always,
// and PostgreSQL in a fresh schema whenever PARLEY_TEST_POSTGRES holds a postgres:// URL.
// Under CI (CI=true) a missing PARLEY_TEST_POSTGRES fails the test instead of quietly
// testing one dialect.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for schema setup
	"github.com/parleychat/parley/internal/store"
)

// Each runs fn once per available dialect, as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if PostgresURL(t) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// PostgresURL returns the test server's URL, or "" when PostgreSQL tests are off. In CI it is
// required.
func PostgresURL(t testing.TB) string {
	u := os.Getenv("PARLEY_TEST_POSTGRES")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("PARLEY_TEST_POSTGRES must be set in CI: the PostgreSQL suite may not be skipped")
	}
	return u
}

// Options tune a test database.
type Options struct {
	Clock store.Clock
}

// SQLite opens a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB, opts ...Options) *store.DB {
	t.Helper()
	return Open(t, filepath.Join(t.TempDir(), "parley.db"), opts...)
}

// Postgres opens a migrated database in a new schema of the test server, dropped afterwards.
func Postgres(t testing.TB, opts ...Options) *store.DB {
	t.Helper()
	base := PostgresURL(t)
	if base == "" {
		t.Fatal("PARLEY_TEST_POSTGRES is not set")
	}
	dsn := NewSchema(t, base)
	return Open(t, dsn, opts...)
}

// Nodes opens n migrated databases on one new schema of the PostgreSQL test server, as n
// nodes of one cluster see it. The caller skips the test first when PARLEY_TEST_POSTGRES is
// unset.
func Nodes(t testing.TB, n int, opts ...Options) []*store.DB {
	t.Helper()
	dsn := NewSchema(t, PostgresURL(t))
	nodes := make([]*store.DB, n)
	for i := range nodes {
		nodes[i] = Open(t, dsn, opts...)
	}
	return nodes
}

// NewSchema creates a fresh schema on the server at base and returns a URL whose connections
// use it; the schema is dropped when the test ends.
func NewSchema(t testing.TB, base string) string {
	t.Helper()
	schema := "t_" + randomHex(6)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// RecordVersion writes a schema version into schema_migrations, as a build that applied it
// would have, for tests of what Migrate makes of versions it does not carry.
func RecordVersion(t testing.TB, db *store.DB, version int, name string) {
	t.Helper()
	ctx := context.Background()
	if err := db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)", version, name)
		return err
	}); err != nil {
		t.Fatalf("record schema version %d: %v", version, err)
	}
}

// Open opens and migrates the database at dsn (a SQLite file's path or a PostgreSQL URL),
// closed when the test ends. Opening a dsn again gives another node of one cluster, or a node
// restarted: one that remembers nothing of what the first wrote.
func Open(t testing.TB, dsn string, opts ...Options) *store.DB {
	t.Helper()
	var o store.Options
	if len(opts) > 0 {
		o.Clock = opts[0].Clock
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, o)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Clock is a settable clock for tests; the zero value starts at 2026-01-01 UTC.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.Now()
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
