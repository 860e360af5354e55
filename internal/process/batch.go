package process

import (
	"context"
	"strings"
	"sync"

	"github.com/parleychat/parley/internal/process/catalog"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
)

// batch collects the rows a run appends — new instances, history, tasks, jobs — and writes
// each table's rows with one multi-row INSERT. Starting a batch of instances then costs a few
// statements per batch instead of a few per instance, which is what makes thousands of starts
// per second possible on PostgreSQL, where every statement is a network round trip.
//
// Rows are only appended, never read back before the flush, with one exception: statements
// that update or delete wait rows must see them, so they call flush first (see runner.exec).
type batch struct {
	rows   map[*table][][]any
	notify bool
	logins map[string]string // login -> user id, resolved once per batch
	groups map[string]string // group name -> group id, resolved once per batch
}

// table is one buffered INSERT target.
type table struct {
	name    string
	columns string
	n       int
	// types are the columns' PostgreSQL types, in order, for the insert of arrays.
	types  string
	once   sync.Once
	arrays string
}

var (
	instancesTable = &table{name: "process_instances", columns: instanceColumns + ", updated_at", n: 12,
		types: "TEXT, TEXT, INTEGER, TEXT, TEXT, TEXT, INTEGER, TEXT, TEXT, BIGINT, BIGINT, BIGINT"}
	historyTable = &table{name: "process_history", columns: "instance_id, seq, element_id, kind, event, detail, at", n: 7,
		types: "TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT, BIGINT"}
	tasksTable = &table{name: "process_tasks", columns: "id, instance_id, token_id, element_id, name, state, assignee, group_ids, session_id, due_at, created_at", n: 11,
		types: "TEXT, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, BIGINT, BIGINT"}
	taskGroupsTable = &table{name: "process_task_groups", columns: "group_id, task_id", n: 2, types: "TEXT, TEXT"}
	jobsTable       = &table{name: "process_jobs", columns: waits.JobColumns, n: 14,
		types: "TEXT, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT, BIGINT, INTEGER, INTEGER, TEXT, TEXT, BIGINT, BIGINT"}
)

// insertOrder writes parents before children, in case foreign keys are ever added.
var insertOrder = []*table{instancesTable, historyTable, tasksTable, taskGroupsTable, jobsTable}

func newBatch() *batch {
	return &batch{rows: map[*table][][]any{}, logins: map[string]string{}, groups: map[string]string{}}
}

func (b *batch) add(t *table, row ...any) { b.rows[t] = append(b.rows[t], row) }

// maxParams bounds the parameters of one statement, under SQLite's and PostgreSQL's limits.
const maxParams = 8000

// flush writes every buffered row and, when a due job was added, wakes the workers at commit.
func (b *batch) flush(ctx context.Context, tx *store.Tx) error {
	for _, t := range insertOrder {
		rows := b.rows[t]
		if tx.Dialect() == store.Postgres && len(rows) > 0 {
			if err := insertArrays(ctx, tx, t, rows); err != nil {
				return err
			}
			delete(b.rows, t)
			continue
		}
		per := maxParams / t.n
		for len(rows) > 0 {
			n := min(len(rows), per)
			if err := insertRows(ctx, tx, t, rows[:n]); err != nil {
				return err
			}
			rows = rows[n:]
		}
		delete(b.rows, t)
	}
	if b.notify {
		b.notify = false
		return tx.Notify(ctx, waits.JobsChannel)
	}
	return nil
}

func insertRows(ctx context.Context, tx *store.Tx, t *table, rows [][]any) error {
	var q strings.Builder
	q.WriteString("INSERT INTO " + t.name + " (" + t.columns + ") VALUES ")
	one := "(" + strings.Repeat("?, ", t.n-1) + "?)"
	args := make([]any, 0, len(rows)*t.n)
	for i, r := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(one)
		args = append(args, r...)
	}
	_, err := tx.Exec(ctx, q.String(), args...)
	return err
}

// insertArrays is insertRows on PostgreSQL: one statement of one shape for any number of
// rows, each column sent as an array. A VALUES list is a new statement for every number of
// rows, and once a dispatcher's batches took the events of many parts, their sizes varied
// so much that the pooled connections' statement caches kept preparing (a round trip) and
// planning them afresh.
func insertArrays(ctx context.Context, tx *store.Tx, t *table, rows [][]any) error {
	_, err := tx.Exec(ctx, t.arraysInsert(), store.Columns(rows)...)
	return err
}

// arraysInsert is the table's INSERT of arrays, made once.
func (t *table) arraysInsert() string {
	t.once.Do(func() {
		types := strings.Split(t.types, ", ")
		casts := make([]string, len(types))
		for i, typ := range types {
			casts[i] = "CAST(? AS " + typ + "[])"
		}
		t.arrays = "INSERT INTO " + t.name + " (" + t.columns + ") SELECT * FROM unnest(" + strings.Join(casts, ", ") + ")"
	})
	return t.arrays
}

// exec runs a statement that updates or deletes wait rows, after writing the buffered rows
// it might concern.
func (r *runner) exec(query string, args ...any) error {
	if err := r.b.flush(r.ctx, r.tx); err != nil {
		return err
	}
	_, err := r.tx.Exec(r.ctx, query, args...)
	return err
}

// userID resolves a login once per batch; a batch of starts assigning tasks to the same
// person asks the database once.
func (r *runner) userID(login string) (string, error) {
	return r.once(r.b.logins, login, catalog.UserIDByLogin)
}

// groupID resolves a group name once per batch, as userID does logins: a batch of starts whose
// tasks are offered to the same groups asks the database once per group, not once per task.
// A name that finds no group is not remembered, so each task that names it fails alike.
func (r *runner) groupID(name string) (string, error) {
	return r.once(r.b.groups, name, catalog.GroupIDByName)
}

// once answers a look-up from the batch's memory of it, asking find only the first time; a
// failed look-up is not remembered.
func (r *runner) once(memo map[string]string, key string, find func(context.Context, *store.Tx, string) (string, error)) (string, error) {
	if id, ok := memo[key]; ok {
		return id, nil
	}
	id, err := find(r.ctx, r.tx, key)
	if err == nil {
		memo[key] = id
	}
	return id, err
}
