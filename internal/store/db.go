package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/parleychat/parley/internal/errs"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database behind a DB.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Clock gives the current time; tests inject a fixed or stepping one.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Options configure Open.
type Options struct {
	Clock  Clock
	Logger *slog.Logger
	// MaxGroup bounds how many SQLite write transactions share one commit.
	MaxGroup int
}

// DB is an open database with its dialect, clock and notification hub.
type DB struct {
	dialect Dialect
	pool    *sql.DB // PostgreSQL: everything; SQLite: readers
	writer  *batcher
	// grouper shares PostgreSQL transactions among GroupTx writes; nil on SQLite.
	grouper *grouper
	clock   Clock
	log     *slog.Logger
	hub     *hub
	// notifier tells other PostgreSQL nodes of this node's commits; nil on SQLite.
	notifier *notifier
	locals   sync.Map // see Local
	closeMu  sync.Once
	stop     context.CancelFunc
	dsn      string
	// wake is the PostgreSQL channel of this database's schema (notify.go).
	wake string
	// undone counts the SQLite writer's rollbacks, whole or to a savepoint (see Undone).
	undone atomic.Uint64
}

// Undone counts the rollbacks of the SQLite writer, of a whole group or to a savepoint. A
// cache of what the writer wrote, kept by the writer's callers, is good only while the count
// is what it was when the cache was filled: a rollback may have undone any of it.
func (db *DB) Undone() uint64 { return db.undone.Load() }

// Open opens the database named by dsn: a postgres:// or postgresql:// URL, or else the path
// of an SQLite file (an optional "sqlite:" prefix is removed), created when missing.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxGroup <= 0 {
		opts.MaxGroup = 256
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn, opts)
	}
	return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opts)
}

// walCheckpointPages is how many pages of log the writer lets grow before it checkpoints.
const walCheckpointPages = 10000

func openSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errs.Field("db", "an SQLite file path or a postgres:// URL is required")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// synchronous=FULL makes every commit durable; group commit keeps that affordable.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	readers, err := sql.Open("sqlite", u+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	readers.SetMaxOpenConns(8)
	readers.SetMaxIdleConns(8)
	// The writer keeps savepoints' statement journals in memory: group commit gives every
	// caller a savepoint, and a journal file written for each was a tenth of the writer's
	// time. They only undo a savepoint inside a transaction; durability is the WAL's.
	//
	// The writer checkpoints every 10,000 pages of log (40 MB) instead of SQLite's 1,000.
	// Indexes keyed by session put each message's entry on its session's own page, so a
	// group dirties a page per session per such index, and the same pages again in the next
	// group: a checkpoint copies each page once however often it changed since the last, so
	// fewer checkpoints copy far fewer pages. Measured end to end, 64 customers: about 4,400
	// messages a second at 1,000 pages, 4,930 at 10,000 (docs/performance.md). Larger gained
	// little more and made each checkpoint, which the writer runs inside a COMMIT, a longer
	// pause for the writers queued behind it.
	//
	// The writer's log goes through walVFSName, which writes a commit's frames with a few
	// calls instead of two each; it relies on the synchronous=FULL above, which the writer
	// checks when it starts (newBatcher).
	if err := registerWALVFS(); err != nil {
		readers.Close()
		return nil, err
	}
	w, err := sql.Open("sqlite", u+"?"+pragmas+"&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint("+strconv.Itoa(walCheckpointPages)+")&vfs="+walVFSName)
	if err != nil {
		readers.Close()
		return nil, err
	}
	w.SetMaxOpenConns(1)
	db := &DB{dialect: SQLite, pool: readers, clock: opts.Clock, log: opts.Logger, dsn: path}
	db.hub = newHub()
	db.writer, err = newBatcher(ctx, db, w, opts.MaxGroup)
	if err != nil {
		readers.Close()
		w.Close()
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	return db, nil
}

// pgPoolSize bounds a node's connections to PostgreSQL (its pool; the listener and the
// notifier take one each besides). It was 32: three nodes then took nearly all of
// PostgreSQL's default max_connections of 100, and a fourth connection anywhere (a node's
// listener reconnecting, a migration, psql) was refused with "too many clients" (seen as
// HTTP 500s in `parley bench --nodes 3`). More connections than this do not help anyway:
// the server runs as many statements at once as it has cores, and the rest wait on its
// locks (LWLock waits in pg_stat_activity) instead of in the pool.
const pgPoolSize = 20

func openPostgres(ctx context.Context, dsn string, opts Options) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, errs.Field("db", "bad PostgreSQL URL: %v", err)
	}
	pool.SetMaxOpenConns(pgPoolSize)
	pool.SetMaxIdleConns(pgPoolSize)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	wake, err := wakeChannel(pctx, pool)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("read the PostgreSQL schema: %w", err)
	}
	db := &DB{dialect: Postgres, pool: pool, clock: opts.Clock, log: opts.Logger, dsn: dsn, wake: wake}
	db.grouper = newGrouper(db, pgGroupWorkers, pgGroupMax)
	lctx, stop := context.WithCancel(context.Background())
	db.stop = stop
	db.hub = newHub()
	db.notifier = newNotifier()
	go db.sendNotifications(lctx)
	// Open returns once this node hears other nodes' commits, so that nothing it starts
	// (the realtime hub, the dispatcher) misses a wake-up in its first moments. A listener
	// that cannot connect yet keeps trying in the background; the slow polls cover it.
	var once sync.Once
	listening := make(chan struct{})
	go db.listenPostgres(lctx, func() { once.Do(func() { close(listening) }) })
	select {
	case <-listening:
	case <-pctx.Done():
		db.log.Warn("PostgreSQL LISTEN is not in place yet; other nodes' commits are seen by polling until it is")
	}
	return db, nil
}

var _ = stdlib.GetDefaultDriver // the pgx stdlib driver registers "pgx"

// Dialect returns which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Now returns the clock's time, in UTC at microsecond precision, as stored.
func (db *DB) Now() time.Time { return db.clock.Now().UTC().Truncate(time.Microsecond) }

// Logger returns the logger the database was opened with, for its users' background work.
func (db *DB) Logger() *slog.Logger { return db.log }

// QueryAlone runs one statement outside any transaction of the caller: on PostgreSQL it
// commits on its own, so any lock it takes is held only while the server runs it, never
// across a round trip to this node. On SQLite it runs on a read-only connection.
func (db *DB) QueryAlone(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: db.pool.QueryRowContext(ctx, db.rebind(query), args...)}
}

// Publish wakes the subscribers of channel on every node, as a committed Notify does.
func (db *DB) Publish(channel string) {
	db.hub.publish(channel)
	if db.notifier != nil {
		db.notifier.add(channel)
	}
}

// PublishHere wakes the subscribers of channel on this node only: for a caller that has
// woken the other nodes itself, with a NOTIFY of WakeChannel in a transaction of its own.
func (db *DB) PublishHere(channel string) { db.hub.publish(channel) }

// WakeChannel is the PostgreSQL channel whose notifications wake this database's
// subscribers on every node, the payload naming the channel to wake ("" on SQLite).
func (db *DB) WakeChannel() string { return db.wake }

// Local returns a package's per-database state under key, made by init on first use: state
// that must be shared by everything using this DB (a combiner, a cache) and must not outlive it.
func (db *DB) Local(key any, init func() any) any {
	if v, ok := db.locals.Load(key); ok {
		return v
	}
	v, _ := db.locals.LoadOrStore(key, init())
	return v
}

// Close stops background work and closes the connections.
func (db *DB) Close() error {
	var err error
	db.closeMu.Do(func() {
		if db.stop != nil {
			db.stop()
		}
		if db.writer != nil {
			err = db.writer.close()
		}
		if db.grouper != nil {
			db.grouper.close()
		}
		err = errors.Join(err, db.pool.Close())
	})
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.PingContext(ctx) }

// Tx runs fn in a write transaction: everything fn did commits, or — when fn or the commit
// fails — nothing does. Functions registered with AfterCommit run after a successful commit.
func (db *DB) Tx(ctx context.Context, fn func(*Tx) error) error {
	if db.dialect == SQLite {
		return db.writer.run(ctx, fn)
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.pgTx(ctx, fn)
		if !retryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func (db *DB) pgTx(ctx context.Context, fn func(*Tx) error) (err error) {
	stx, err := db.pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := db.newTx(stx)
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := tx.runGathered(ctx, tx.gathered); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := tx.flushWaiting(ctx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return translate(err)
	}
	tx.committed()
	return nil
}

// Read runs fn in a read-only transaction over one consistent snapshot. Writes inside fail.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	stx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer stx.Rollback() //nolint:errcheck // read-only: nothing to keep
	return fn(db.newTx(stx))
}

func (db *DB) newTx(q querier) *Tx {
	return &Tx{q: q, db: db, now: db.Now()}
}
