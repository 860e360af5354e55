package process

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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
		ws := leadsApp(t, e)
		ctx := context.Background()
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
		ws := leadsApp(t, e)
		ctx := context.Background()
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

// TestPublishChecksApps refuses, at publish, what could only fail at run time: an
// app.createItem that leaves out a required field, and an item variable of an app that does
// not exist. The errors name the element or variable and what is wrong.
func TestPublishChecksApps(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		leadsApp(t, e)
		vars := []Variable{variable("customer", "string"), variable("score", "integer"), variable("lead", "item:crm/leads")}
		noName := strings.Replace(createLead, `<parley:input name="name" expression="customer"/>`, "", 1)
		cases := []struct {
			name  string
			body  string
			vars  []Variable
			wants []string
		}{
			{"required field left out", service("create", "app.createItem", noName) + end + chain("start", "create", "end"), vars,
				[]string{"create", `field "name"`, "crm/leads", "required"}},
			{"item variable of no app", `<bpmn:userTask id="u"/>` + end + chain("start", "u", "end"),
				append(vars, variable("ghost", "item:nowhere/nothing")), []string{"variables[3].type", `"ghost"`, "item:nowhere/nothing", "does not exist"}},
			{"item variable of a missing app in a workspace that exists", `<bpmn:userTask id="u"/>` + end + chain("start", "u", "end"),
				[]Variable{variable("deal", "item:crm/deals")}, []string{`"deal"`, "item:crm/deals", "does not exist"}},
		}
		for i, c := range cases {
			_, err := e.tryDeploy("bad-"+itoa(i), diagram(c.body), c.vars...)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%s: publish error %v, want invalid", c.name, err)
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not name %q", c.name, err, w)
				}
			}
		}
		onlyName := strings.Replace(createLead, `<parley:input name="score" expression="score"/>`, "", 1)
		e.deploy("optional-left-out", diagram(service("create", "app.createItem", onlyName)+end+chain("start", "create", "end")), vars...)
	})
}

// TestRetriedIncidentCreatesOneItem makes the output of a createItem step fail at run time, so
// the step becomes an incident; a timer in a parallel branch then fixes the cause, and the
// administrator retries. The item goes with the failed step, so the retry writes it once.
func TestRetriedIncidentCreatesOneItem(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := leadsApp(t, e)
		vars := []Variable{variable("customer", "string"), variable("score", "integer"), variable("divisor", "integer"),
			variable("lead", "item:crm/leads"), variable("ratio", "integer")}
		create := strings.Replace(createLead, "<parley:output", `<parley:output variable="ratio" expression="score % divisor"/><parley:output`, 1)
		body := `<bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>` + service("create", "app.createItem", create) +
			`<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT10M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
			<bpmn:scriptTask id="fix"><bpmn:extensionElements><parley:script><parley:assign variable="divisor" expression="5"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>` +
			end + chain("start", "fork", "create", "join", "end") + chain("fork", "wait", "fix", "join")
		e.deploy("lead", diagram(body), vars...)
		inst := e.start("lead", map[string]value.Value{"customer": v(typ("string"), `"Ann"`), "score": v(typ("integer"), "7"),
			"divisor": v(typ("integer"), "0")}, "")
		if inst.State != StateIncident || countItems(t, ws) != 0 {
			t.Fatalf("state %s with %d items; want an incident and no item\n%s", inst.State, countItems(t, ws), trail(inst))
		}
		e.clock.Advance(11 * time.Minute)
		e.runJobs()
		incidents, err := e.svc.Incidents(e.admin, pageAll)
		if err != nil || len(incidents.Items) != 1 {
			t.Fatalf("incidents %+v, %v", incidents.Items, err)
		}
		if _, err := e.svc.RetryIncident(e.admin, incidents.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		e.wantEnded(inst.ID, "create completed")
		if n, ratio := countItems(t, ws), e.instance(inst.ID).Variables["ratio"].String(); n != 1 || ratio != "2" {
			t.Fatalf("%d items, ratio %s after the retry; want one item and ratio 2", n, ratio)
		}
	})
}

// TestCrashedWorkerCreatesOneItem lets the worker's transaction die after the item insert but
// before its commit, as a node that crashes would; the job is claimed again once its lease has
// run out, and the instance ends with exactly one item.
func TestCrashedWorkerCreatesOneItem(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ws := leadsApp(t, e)
		ctx, crash := context.WithCancel(context.Background())
		e.svc.deps.Workspace = crashAfterCreate{Workspace: e.svc.deps.Workspace, crash: crash}
		vars := []Variable{variable("customer", "string"), variable("score", "integer"), variable("lead", "item:crm/leads")}
		body := `<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT10M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>` +
			service("create", "app.createItem", createLead) + end + chain("start", "wait", "create", "end")
		e.deploy("lead", diagram(body), vars...)
		inst := e.start("lead", map[string]value.Value{"customer": v(typ("string"), `"Ann"`), "score": v(typ("integer"), "7")}, "")
		e.clock.Advance(11 * time.Minute)
		_, _ = e.svc.RunDueJobs(ctx)
		if n := countItems(t, ws); n != 0 {
			t.Fatalf("%d items after the crash, want 0", n)
		}
		e.svc.deps.Workspace = e.svc.deps.Workspace.(crashAfterCreate).Workspace
		e.clock.Advance(e.svc.opts.Lease + time.Second)
		if n := e.runJobs(); n != 1 {
			t.Fatalf("ran %d jobs after the lease ran out, want the timer again", n)
		}
		e.wantEnded(inst.ID, "create completed")
		if n := countItems(t, ws); n != 1 {
			t.Fatalf("%d items, want exactly one", n)
		}
	})
}

// crashAfterCreate creates the item and then kills the worker's context, so that nothing of
// the transaction after the insert can reach the database.
type crashAfterCreate struct {
	Workspace
	crash context.CancelFunc
}

func (c crashAfterCreate) CreateItem(ctx context.Context, tx *store.Tx, ws, app string, values map[string]value.Value, by string) (string, error) {
	id, err := c.Workspace.CreateItem(ctx, tx, ws, app, values, by)
	c.crash()
	return id, err
}

// leadsApp makes the engine act on a real workspace service holding the app crm/leads.
func leadsApp(t *testing.T, e *env) *workspace.Service {
	t.Helper()
	ws := workspace.New(e.db)
	ws.FieldUse = e.svc.FieldUse
	e.svc.deps.Workspace = workspace.Processes{S: ws}
	ctx := context.Background()
	if _, err := ws.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "crm", Name: "CRM"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.CreateApp(ctx, "crm", workspace.NewApp{Code: "leads", Name: "Leads", Fields: []workspace.NewField{
		{Code: "name", Title: "Name", Type: "string", Required: true}, {Code: "score", Title: "Score", Type: "integer"}}}); err != nil {
		t.Fatal(err)
	}
	return ws
}

func countItems(t *testing.T, ws *workspace.Service) int {
	t.Helper()
	list, err := ws.Items(context.Background(), "crm", "leads", workspace.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}
