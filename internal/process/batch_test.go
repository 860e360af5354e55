package process

import (
	"context"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/store"
)

// startAll starts instances of code together, as the automation dispatcher does, and
// returns their ids.
func (e *env) startAll(code string, n int) []string {
	e.t.Helper()
	starts := make([]Start, n)
	for i := range starts {
		starts[i] = Start{Code: code, Trigger: Trigger{Kind: TriggerAutomatic}}
	}
	var ids []string
	err := e.db.Tx(context.Background(), func(tx *store.Tx) error {
		insts, err := e.svc.StartManyTx(context.Background(), tx, starts)
		for _, inst := range insts {
			ids = append(ids, inst.ID)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// TestTaskGroupsInABatchOfStarts: every task of a batch of starts is offered to the groups
// its diagram names, however the batch resolves their names; a group that no longer has the
// name fails each task that names it alike, with the incident a single start gives.
func TestTaskGroupsInABatchOfStarts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.user("sam", "support", "sales")
		e.deploy("offer", diagram(`<bpmn:userTask id="u"><bpmn:extensionElements><parley:assignee group="support, sales"/></bpmn:extensionElements></bpmn:userTask>`+
			end+chain("start", "u", "end")))
		var want []string
		for _, name := range []string{"support", "sales"} {
			g, err := e.auth.GroupByName(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, g.ID)
		}
		for _, id := range e.startAll("offer", 3) {
			tasks := e.openTasks(id, "u")
			if len(tasks) != 1 || len(tasks[0].Groups) != 2 || tasks[0].Groups[0] != want[0] || tasks[0].Groups[1] != want[1] {
				t.Fatalf("instance %s: tasks %+v, want one offered to %v", id, tasks, want)
			}
		}

		err := e.db.Tx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), "UPDATE groups SET name = 'former sales' WHERE name = 'sales'")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		alone := e.incidentError(e.start("offer", nil, "").ID)
		for _, id := range e.startAll("offer", 2) {
			if got := e.incidentError(id); got != alone {
				t.Fatalf("instance %s: incident %q, want the single start's %q", id, got, alone)
			}
		}
		if !strings.Contains(alone, `group "sales" does not exist`) {
			t.Fatalf("a single start's incident %q does not name the missing group", alone)
		}
	})
}
