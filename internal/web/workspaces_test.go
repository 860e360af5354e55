package web_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestWorkspacesPages goes through Administration > Workspaces only by its forms: a workspace,
// an app with two fields, an item (after the form refused it without its required name) and
// a field added afterwards, which the API then knows.
func TestWorkspacesPages(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/workspaces")
	createWorkspaceThroughForm(admin)
	createAppThroughForm(admin)
	createItemThroughForm(admin)
	addFieldThroughForm(admin)

	var app struct{ Fields []struct{ Code, Type string } }
	env.MustDo("GET", "/api/v1/workspaces/sales/apps/leads", env.Admin, nil, 200, &app)
	if n := len(app.Fields); n != 3 || app.Fields[2].Code != "note" {
		t.Fatalf("the app's fields are %+v, want name, score and note", app.Fields)
	}
}

// createWorkspaceThroughForm creates "sales" after the form showed a bad code beside its field.
func createWorkspaceThroughForm(admin *Tab) {
	admin.ClickText("button", "+ Workspace")
	admin.Fill("dialog [name=name]", "Sales")
	admin.Fill("dialog [name=code]", "Sales Team")
	admin.ClickText("dialog button", "Create workspace")
	admin.WaitFor("dialog [name=code] ~ .field-error")
	admin.Shot("workspace-form-error")
	admin.Fill("dialog [name=code]", "sales")
	admin.ClickText("dialog button", "Create workspace")
	admin.WaitGone("dialog")
	admin.WaitText(`[data-workspaces] tr[data-workspace="sales"]`, "Sales")
	admin.Shot("workspaces")
}

// createAppThroughForm creates sales/leads with a required string name and an integer score,
// using the rows editor's "+ Field" for the second field.
func createAppThroughForm(admin *Tab) {
	admin.Click(`tr[data-workspace="sales"] a`)
	admin.WaitFor("[data-apps]")
	admin.ClickText("button", "+ App")
	admin.Fill("dialog [name=name]", "Leads")
	admin.Fill("dialog [name=code]", "leads")
	admin.Fill(`dialog [name="fields[0].code"]`, "name")
	admin.Fill(`dialog [name="fields[0].title"]`, "Name")
	admin.Click(`dialog [name="fields[0].required"]`)
	admin.ClickText("dialog button", "+ Field")
	admin.Fill(`dialog [name="fields[1].code"]`, "score")
	admin.Fill(`dialog [name="fields[1].title"]`, "Score")
	admin.Choose(`dialog [name="fields[1].type"]`, "integer")
	admin.Shot("app-form")
	admin.ClickText("dialog button", "Create app")
	admin.WaitGone("dialog")
	admin.WaitText(`[data-apps] tr[data-app="leads"]`, "name, score")
	admin.Shot("workspace")
}

// createItemThroughForm is refused without the required name, then creates Ann with score 80.
func createItemThroughForm(admin *Tab) {
	admin.Click(`tr[data-app="leads"] a`)
	admin.WaitText("[data-fields] tbody", "score")
	admin.ClickText("button", "+ Item")
	admin.Fill(`dialog [name="values.score"]`, "80")
	admin.ClickText("dialog button", "Create item")
	admin.WaitText(`dialog [name="values.name"] ~ .field-error`, "Name is required")
	admin.Shot("item-form-error")
	admin.Fill(`dialog [name="values.name"]`, "Ann")
	admin.ClickText("dialog button", "Create item")
	admin.WaitGone("dialog")
	admin.WaitText("[data-items] tbody tr", "Ann")
	admin.WaitText("[data-items] tbody tr", "80")
	admin.Fill("[data-filter] [name=filter]", "score=80")
	admin.ClickText("[data-filter] button", "Filter")
	admin.WaitText("[data-items] tbody tr", "Ann")
	admin.Shot("items")
}

// addFieldThroughForm adds an optional string field "note".
func addFieldThroughForm(admin *Tab) {
	admin.ClickText("button", "Add field")
	admin.Fill(`dialog [name="add_fields[0].code"]`, "note")
	admin.Fill(`dialog [name="add_fields[0].title"]`, "Note")
	admin.ClickText("dialog button", "Add field")
	admin.WaitGone("dialog")
	admin.WaitText(`[data-fields] tr[data-field="note"]`, "string")
	admin.WaitText("[data-items] thead", "Note")
	admin.Shot("field-added")
}
