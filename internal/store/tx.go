package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// querier is what *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is one transaction with one "now". Queries use `?` placeholders in both dialects.
type Tx struct {
	q           querier
	db          *DB
	now         time.Time
	afterCommit []func()
	notify      map[string]bool
	depth       int
	// writer is SQLite's writer when the transaction is on its connection, nil elsewhere:
	// its statements are prepared once (stmt) and sent without their caller's cancellation,
	// which is checked before each instead (driverCtx).
	writer *batcher
	// gathered is work left for the end of the transaction's group (see Gather).
	gathered []gathered
	// later holds PostgreSQL writes waiting for a statement to carry them (see ExecLater).
	later []laterWrite
	// rows holds PostgreSQL's ExecRows writes not yet sent, shared by the writes of a group;
	// wroteRows is set while some of them are this transaction's.
	rows      *rowBuffer
	wroteRows bool
	// shared is what a GroupTx's writes read once for the group (Shared); nil outside one.
	shared *groupShared
}

// laterWrite is one write of ExecLater.
type laterWrite struct {
	query string
	args  []any
}

// Now is the time of this transaction: every row it writes carries the same instant.
func (tx *Tx) Now() time.Time { return tx.now }

// Dialect returns the database's dialect, for the rare query that must differ.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// DB returns the database the transaction belongs to.
func (tx *Tx) DB() *DB { return tx.db }

// SkipLocked is the suffix that claims rows without waiting for other claimers.
func (tx *Tx) SkipLocked() string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ForUpdate is the suffix that locks selected rows until commit (nothing on SQLite, whose
// single writer already excludes other writers).
func (tx *Tx) ForUpdate() string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := tx.flushRows(ctx); err != nil {
		return nil, err
	}
	if len(tx.later) > 0 {
		if !carries(query) {
			if err := tx.flushLater(ctx); err != nil {
				return nil, err
			}
		} else {
			query, args = tx.carry(query, args)
		}
	}
	return tx.exec(ctx, query, args...)
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, err := tx.driverCtx(ctx)
	if err != nil {
		return nil, err
	}
	if stmt := tx.stmt(ctx, query); stmt != nil {
		res, err := stmt.ExecContext(ctx, args...)
		return res, translate(err)
	}
	res, err := tx.q.ExecContext(ctx, tx.db.rebind(query), args...)
	return res, translate(err)
}

// driverCtx is the context a statement is sent with. The SQLite writer's statements are
// sent without their caller's cancellation, which is checked here instead, before each one:
// a caller that has gone still has its write refused whole at its next statement, but a
// statement under way runs to its end (the writer's are short). Sent with a context that can
// end, each statement cost the driver a goroutine, a progress handler and a busy handler of
// its own: in the single writer that was 5 % of the server's CPU per message, end to end
// (docs/performance.md, "the writer's statements without a watcher each").
func (tx *Tx) driverCtx(ctx context.Context) (context.Context, error) {
	if tx.writer == nil {
		return ctx, nil
	}
	return context.Background(), ctx.Err()
}

// stmt returns the prepared statement for query when the connection caches them.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.writer == nil {
		return nil
	}
	return tx.writer.prepared(ctx, query)
}

// ExecLater runs a write whose outcome the caller does not need at once. On PostgreSQL it is
// sent with the transaction's next write, as a data-modifying WITH clause of that statement,
// which saves a round trip to the server: on a customer's message, one round trip was as much
// of PostgreSQL's CPU as the statement it carried. A query, a savepoint or the commit that
// comes first runs it on its own, before itself, so reads see it as they would see an Exec.
// Its errors are those of the statement that carries it.
//
// The one rule: the next write must not read or change the rows this one writes. The two
// run on one snapshot, in no set order, as one statement (a row updated by both fails it).
// On SQLite, whose writer is in this process and has no round trips, it is Exec.
func (tx *Tx) ExecLater(ctx context.Context, query string, args ...any) error {
	if tx.db.dialect != Postgres {
		_, err := tx.Exec(ctx, query, args...)
		return err
	}
	if err := tx.flushRows(ctx); err != nil {
		return err
	}
	tx.later = append(tx.later, laterWrite{query: query, args: args})
	return nil
}

// carries reports whether query can take later writes as WITH clauses: a plain write.
func carries(query string) bool {
	q := strings.TrimLeft(query, " \t\n")
	for _, verb := range []string{"INSERT ", "UPDATE ", "DELETE "} {
		if len(q) >= len(verb) && strings.EqualFold(q[:len(verb)], verb) {
			return true
		}
	}
	return false
}

// carry prefixes query with the transaction's later writes and takes them off the list.
func (tx *Tx) carry(query string, args []any) (string, []any) {
	var b strings.Builder
	var all []any
	for i, w := range tx.later {
		if i == 0 {
			b.WriteString("WITH ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString("later")
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(" AS (")
		b.WriteString(w.query)
		b.WriteString(") ")
		all = append(all, w.args...)
	}
	tx.later = nil
	b.WriteString(query)
	return b.String(), append(all, args...)
}

// flushLater runs the later writes now, the last one carrying the others.
func (tx *Tx) flushLater(ctx context.Context) error {
	if len(tx.later) == 0 {
		return nil
	}
	last := tx.later[len(tx.later)-1]
	tx.later = tx.later[:len(tx.later)-1]
	query, args := last.query, last.args
	if len(tx.later) > 0 {
		query, args = tx.carry(query, args)
	}
	_, err := tx.exec(ctx, query, args...)
	return err
}

// flushWaiting sends this transaction's writes that wait for a statement: its later writes
// and its rows (of which at most one kind waits at a time).
func (tx *Tx) flushWaiting(ctx context.Context) error {
	if err := tx.flushLater(ctx); err != nil {
		return err
	}
	return tx.flushRows(ctx)
}

// Query runs a query that returns rows.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := tx.flushWaiting(ctx); err != nil {
		return nil, err
	}
	ctx, err := tx.driverCtx(ctx)
	if err != nil {
		return nil, err
	}
	if stmt := tx.stmt(ctx, query); stmt != nil {
		rows, err := stmt.QueryContext(ctx, args...)
		return rows, translate(err)
	}
	rows, err := tx.q.QueryContext(ctx, tx.db.rebind(query), args...)
	return rows, translate(err)
}

// QueryRow runs a query that returns one row; its Scan reports a missing row as not_found.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if err := tx.flushWaiting(ctx); err != nil {
		return &Row{err: err}
	}
	ctx, err := tx.driverCtx(ctx)
	if err != nil {
		return &Row{err: err}
	}
	if stmt := tx.stmt(ctx, query); stmt != nil {
		return &Row{row: stmt.QueryRowContext(ctx, args...)}
	}
	return &Row{row: tx.q.QueryRowContext(ctx, tx.db.rebind(query), args...)}
}

// Exists reports whether the query returns at least one row.
func (tx *Tx) Exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 WHERE EXISTS ("+query+")", args...).Scan(&one)
	if err != nil && errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// AfterCommit registers fn to run once the transaction has committed; it never runs when the
// transaction rolls back.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

func (tx *Tx) committed() {
	for ch, now := range tx.notify {
		if !now {
			continue // NotifyLater: the caller wakes them
		}
		tx.db.hub.publish(ch)
		if tx.db.notifier != nil {
			tx.db.notifier.add(ch)
		}
	}
	for _, fn := range tx.afterCommit {
		fn()
	}
}

// Row is the result of QueryRow.
type Row struct {
	row *sql.Row
	err error // a later write that failed before the query could run
}

// Scan copies the row into dest; a missing row is a not_found error.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return translate(r.row.Scan(dest...))
}

var rebound sync.Map // query text -> PostgreSQL text

// rebind turns `?` placeholders into PostgreSQL's `$n`, leaving quoted text alone.
func (db *DB) rebind(query string) string {
	if db.dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	rebound.Store(query, b.String())
	return b.String()
}

// Savepoint runs fn inside a savepoint of the transaction: when fn fails, only what fn did is
// undone and the transaction goes on. A consumer that handles a batch of events in one
// transaction uses it so one bad event does not undo the others.
func (tx *Tx) Savepoint(ctx context.Context, fn func() error) error {
	tx.depth++
	name := "sp" + strconv.Itoa(tx.depth)
	defer func() { tx.depth-- }()
	// Rows waiting now, whoever wrote them, go before the savepoint: undoing it must not
	// undo them, and what waits after it is then fn's alone.
	if err := tx.sendRows(ctx); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	n, g := len(tx.afterCommit), len(tx.gathered)
	notify := maps.Clone(tx.notify)
	err := fn()
	if err == nil {
		// fn's later writes fail inside its savepoint, as they would have as Execs.
		err = tx.flushWaiting(ctx)
	}
	if err != nil {
		tx.later = nil // fn's, undone with it: SAVEPOINT ran the ones before
		if tx.rows != nil {
			*tx.rows = *newRowBuffer()
		}
		tx.wroteRows = false
		tx.db.undone.Add(1)

		if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		// What fn asked to run after commit belongs to the undone work.
		tx.afterCommit, tx.gathered, tx.notify = tx.afterCommit[:n], tx.gathered[:g], notify
		_, _ = tx.Exec(ctx, "RELEASE SAVEPOINT "+name)
		return err
	}
	_, err = tx.Exec(ctx, "RELEASE SAVEPOINT "+name)
	return err
}
