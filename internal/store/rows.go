package store

import (
	"context"
	"strconv"
	"strings"
)

// Rows is a write of one row that PostgreSQL can take many at a time: customers' messages
// written together (GroupTx) go as one statement per table instead of one per message. On
// PostgreSQL a table of messages took 2,700 single-row transactions a second on the reference
// machine, against 7,300 rows a second written eight to a statement.
//
// One is the statement for one row, with a `?` per value; Many is the same write for every
// row at once, taking one array per value, in the same order, as CAST(? AS type[]) (an
// INSERT … SELECT … FROM unnest(…), an UPDATE … FROM unnest(…)). Key, when not negative, is
// the value that names the row an update writes: a later write of the same row in the same
// flush replaces the earlier (the values must be whole, not increments), since PostgreSQL
// would apply only one of two updates of a row in one statement, and not say which.
type Rows struct {
	One, Many string
	Key       int
}

// rowBuffer holds the Rows writes not yet sent, of one transaction or of the writes of a
// group (GroupTx), which share it.
type rowBuffer struct {
	order []*Rows // statements in the order first written
	rows  map[*Rows][][]any
	keys  map[*Rows]map[any]int // Key value -> index in rows
}

func newRowBuffer() *rowBuffer {
	return &rowBuffer{rows: map[*Rows][][]any{}, keys: map[*Rows]map[any]int{}}
}

func (b *rowBuffer) empty() bool { return len(b.order) == 0 }

func (b *rowBuffer) add(w *Rows, args []any) {
	if _, ok := b.rows[w]; !ok {
		b.order = append(b.order, w)
	}
	if w.Key >= 0 {
		keys := b.keys[w]
		if keys == nil {
			keys = map[any]int{}
			b.keys[w] = keys
		}
		if i, ok := keys[args[w.Key]]; ok {
			b.rows[w][i] = args
			return
		}
		keys[args[w.Key]] = len(b.rows[w])
	}
	b.rows[w] = append(b.rows[w], args)
}

// statement is every buffered write as one statement: each Rows write's arrays, the
// earlier ones as WITH clauses of the last (they write different tables, and no row twice).
func (b *rowBuffer) statement() (string, []any) {
	var q strings.Builder
	var args []any
	for i, w := range b.order {
		if i < len(b.order)-1 {
			if i == 0 {
				q.WriteString("WITH ")
			} else {
				q.WriteString(", ")
			}
			q.WriteString("rows" + strconv.Itoa(i+1) + " AS (" + w.Many + ") ")
		} else {
			q.WriteString(w.Many)
		}
		args = append(args, Columns(b.rows[w])...)
	}
	return q.String(), args
}

// Columns turns rows of values into one array per column, the arguments of a statement that
// takes its rows as arrays (CAST(? AS type[]) … unnest).
func Columns(rows [][]any) []any {
	cols := make([]any, len(rows[0]))
	for c := range cols {
		col := make([]any, len(rows))
		for r, row := range rows {
			col[r] = row[c]
		}
		cols[c] = col
	}
	return cols
}

// ExecRows writes one row with w, whose outcome the caller does not need. On SQLite it is
// Exec of w.One. On PostgreSQL the row waits, as ExecLater's writes do, until the
// transaction's next statement or its commit, and goes with the other rows waiting then:
// in a GroupTx, until the group's writes are done, so the rows of all of them go together.
// A transaction that has rows waiting sends them before any statement of its own, so it
// reads what it wrote; the other writes of its group do not see them before the commit, as
// they would not see a concurrent transaction's.
func (tx *Tx) ExecRows(ctx context.Context, w *Rows, args ...any) error {
	if tx.db.dialect != Postgres {
		_, err := tx.Exec(ctx, w.One, args...)
		return err
	}
	// Writes keep their order: the transaction's later writes go first.
	if err := tx.flushLater(ctx); err != nil {
		return err
	}
	if tx.rows == nil {
		tx.rows = newRowBuffer()
	}
	tx.rows.add(w, args)
	tx.wroteRows = true
	return nil
}

// flushRows sends the waiting rows when this transaction wrote some of them.
func (tx *Tx) flushRows(ctx context.Context) error {
	if !tx.wroteRows {
		return nil
	}
	return tx.sendRows(ctx)
}

// sendRows sends every waiting row of the buffer, whoever wrote them.
func (tx *Tx) sendRows(ctx context.Context) error {
	tx.wroteRows = false
	if tx.rows == nil || tx.rows.empty() {
		return nil
	}
	q, args := tx.rows.statement()
	*tx.rows = *newRowBuffer()
	_, err := tx.exec(ctx, q, args...)
	return err
}
