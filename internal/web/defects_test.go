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

// groupID finds a group of the demo by its name.
func groupID(t *testing.T, env *servertest.Env, name string) string {
	var groups struct{ Items []struct{ ID, Name string } }
	env.MustDo("GET", "/api/v1/groups", env.Admin, nil, 200, &groups)
	for _, g := range groups.Items {
		if g.Name == name {
			return g.ID
		}
	}
	t.Fatalf("no group %q", name)
	return ""
}

// onlineOperator logs the user in and sets them online in the console.
func onlineOperator(b *Browser, login string) *Tab {
	op := b.Tab(login)
	op.Login(login, login+"-password")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor(`header .presence[data-presence="online"]`)
	return op
}

// TestReplyTakesTheSession has an operator answer a waiting session without Take: the session
// becomes theirs, and it leaves the queue of a second operator without a reload, so that
// nobody answers the customer twice.
func TestReplyTakesTheSession(t *testing.T) {
	env := demoEnv(t)
	env.User("oleg", groupID(t, env, "Support operators"))
	b := startBrowser(t, env.URL)
	oleg := onlineOperator(b, "oleg")
	oleg.WaitText("[data-sessions] tbody", "Ann Example")

	olga := onlineOperator(b, "olga")
	olga.ClickText("[data-sessions] a", "Ann Example")
	olga.WaitText("[data-state]", "Waiting")
	olga.Fill("#reply-text", "Hello Ann, I am on it.")
	olga.Click("[data-reply] [type=submit]")
	olga.WaitText("[data-messages] .msg-operator", "I am on it")
	olga.WaitText("[data-state]", "Assigned")
	olga.WaitText("[data-customer] [data-operator]", "olga")
	if olga.Has(`[data-action="take"]:not([hidden])`) {
		t.Fatal("Take is still offered after the reply took the session")
	}
	olga.Shot("replied-and-took")

	oleg.WaitTrue(`![...document.querySelectorAll('[data-sessions] tbody tr')].some((r) => r.textContent.includes('Ann Example'))`)
	oleg.Shot("queue-without-ann")
}
