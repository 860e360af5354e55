package process

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
	"github.com/parleychat/parley/internal/workspace"
)

const createLead = `<parley:input name="app" value="crm/leads"/><parley:input name="name" expression="customer"/>
	<parley:input name="score" expression="score"/><parley:output variable="lead" expression="item"/>`

// TestAppTasks creates and updates items through the real workspace service: types are
// checked at publish, the item is written in the step's transaction, its link goes into an
// item variable, and a field the published version uses cannot be removed.
func TestAppTasks(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := workspace.New(e.db)
		ws.FieldUse = e.svc.FieldUse
		e.svc.deps.Workspace = workspace.Processes{S: ws}
		ctx := context.Background()
		if _, err := ws.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "crm", Name: "CRM"}); err != nil {
			t.Fatal(err)
		}
		_, err := ws.CreateApp(ctx, "crm", workspace.NewApp{Code: "leads", Name: "Leads", Fields: []workspace.NewField{
			{Code: "name", Title: "Name", Type: "string", Required: true}, {Code: "score", Title: "Score", Type: "integer"}}})
		if err != nil {
			t.Fatal(err)
		}
		vars := []Variable{variable("customer", "string"), variable("score", "integer"), variable("lead", "item:crm/leads")}
		body := service("create", "app.createItem", createLead) +
			service("update", "app.updateItem", `<parley:input name="item" expression="lead"/><parley:input name="score" expression="score + 1"/>`) +
			end + chain("start", "create", "update", "end")
		e.deploy("lead", diagram(body), vars...)
		inst := e.start("lead", map[string]value.Value{"customer": v(typ("string"), `"Ann"`), "score": v(typ("integer"), "41")}, "")
		lead := inst.Variables["lead"].String()
		item, err := ws.Item(ctx, "crm", "leads", lead)
		if inst.State != StateCompleted || err != nil || item.Values["score"].String() != "42" || item.Values["name"].String() != "Ann" {
			t.Fatalf("state %s, item %+v, %v", inst.State, item, err)
		}
		_, err = ws.UpdateApp(ctx, "crm", "leads", workspace.AppPatch{RemoveFields: []string{"score"}})
		if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "process lead") {
			t.Fatalf("removing a used field: %v", err)
		}
		bad := service("create", "app.createItem", strings.Replace(createLead, `expression="score"`, `expression="customer"`, 1)) + end + chain("start", "create", "end")
		if _, err := e.tryDeploy("bad-lead", diagram(bad), vars...); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "only the same type maps") {
			t.Fatalf("string into an integer field: %v", err)
		}
	})
}

// TestCreateItemOncePerInstanceAcrossACrash runs the createItem step inside a transaction
// that dies before its commit, then runs it again: the item and the step are one transaction,
// so the crash leaves no item and the retry leaves exactly one.
func TestCreateItemOncePerInstanceAcrossACrash(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := workspace.New(e.db)
		e.svc.deps.Workspace = workspace.Processes{S: ws}
		ctx := context.Background()
		if _, err := ws.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "crm", Name: "CRM"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ws.CreateApp(ctx, "crm", workspace.NewApp{Code: "leads", Name: "Leads", Fields: []workspace.NewField{
			{Code: "name", Title: "Name", Type: "string", Required: true}, {Code: "score", Title: "Score", Type: "integer"}}}); err != nil {
			t.Fatal(err)
		}
		vars := []Variable{variable("customer", "string"), variable("score", "integer"), variable("lead", "item:crm/leads")}
		e.deploy("lead", diagram(service("create", "app.createItem", createLead)+end+chain("start", "create", "end")), vars...)
		inputs := map[string]value.Value{"customer": v(typ("string"), `"Ann"`), "score": v(typ("integer"), "7")}
		crash := errors.New("the node died before the commit")
		err := e.db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := e.svc.StartTx(ctx, tx, Start{Code: "lead", Inputs: inputs}); err != nil {
				return err
			}
			return crash
		})
		if !errors.Is(err, crash) {
			t.Fatalf("got %v, want the crash", err)
		}
		if n := countItems(t, ws); n != 0 {
			t.Fatalf("%d items after the crash, want 0", n)
		}
		first := e.start("lead", inputs, "")
		second := e.start("lead", inputs, "")
		if n := countItems(t, ws); n != 2 || first.Variables["lead"].Equal(second.Variables["lead"]) {
			t.Fatalf("%d items for two instances, want one each", n)
		}
	})
}

func countItems(t *testing.T, ws *workspace.Service) int {
	t.Helper()
	list, err := ws.Items(context.Background(), "crm", "leads", workspace.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}
