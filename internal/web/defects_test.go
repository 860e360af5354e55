package web_test

// Tests of the defects a new user met: each walks the page where it showed.

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestProcessListShowsRows opens Administration > Processes with processes in two scopes:
// each is a row of the table under its group, never the text of an element.
func TestProcessListShowsRows(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	publishLead(env)
	publishScoped(env)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/processes")
	admin.WaitText(`[data-processes] tbody tr[data-process="lead"]`, "Lead intake")
	if body := admin.Text("[data-processes] tbody"); strings.Contains(body, "[object") {
		t.Fatalf("the process list shows %q", body)
	}
	if groups := admin.Texts("[data-processes] tbody tr.group-row"); len(groups) < 2 {
		t.Fatalf("the process list has the groups %q, want Global and more", groups)
	}
	admin.Shot("processes")
}
