package web_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

func TestLoginShowsWhatIsWrong(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	tab := startBrowser(t, env.URL).Tab("visitor")

	if status := tab.Open("/"); status != 200 || !strings.HasPrefix(tab.Path(), "/login") {
		t.Fatalf("GET / without a session: status %d at %s, want the login page", status, tab.Path())
	}
	tab.Shot("login")

	tab.Fill("#login", "admin")
	tab.Click("form [type=submit]")
	if got := tab.WaitText("#password ~ .field-error", "required"); got != "Password is required" {
		t.Fatalf("the error beside the password field is %q", got)
	}
	if tab.Has("#login[aria-invalid]") {
		t.Fatal("the login field is marked although it was filled")
	}
	tab.Shot("missing-password")

	tab.Fill("#password", "not-the-password")
	tab.Click("form [type=submit]")
	tab.WaitText(".form-error", "invalid login or password")
	if tab.Has(".field-error") {
		t.Fatal("the old field error stayed after the next attempt")
	}
	tab.Shot("wrong-password")
}

// TestAdministratorManagesUsersAndGroups goes through Users and Groups only by their forms
// and dialogs, as an administrator would.
func TestAdministratorManagesUsersAndGroups(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	if got := admin.Path(); got != "/console" {
		t.Fatalf("an administrator lands on %s, want the console, everyone's home", got)
	}
	admin.Open("/admin/users")
	admin.WaitText("[data-users] tbody", "admin")
	admin.Shot("users")

	createUserThroughForm(admin)
	createGroupThroughForm(admin)
	addToGroupFromUsers(admin)
	changeMembersOnGroupPage(admin)

	var users struct {
		Items []struct {
			Login  string
			Groups []struct{ Name string }
		}
	}
	env.MustDo("GET", "/api/v1/users", env.Admin, nil, 200, &users)
	for _, u := range users.Items {
		if u.Login == "olga" && len(u.Groups) != 0 {
			t.Fatalf("olga is still in %v after being removed", u.Groups)
		}
	}
}

// createUserThroughForm creates olga, after the form has shown each problem beside its field;
// a second user with her login is refused beside the login field.
func createUserThroughForm(admin *Tab) {
	admin.ClickText("button", "+ User")
	admin.Fill("dialog [name=display_name]", "Olga Operator")
	admin.Fill("dialog [name=login]", "Olga Operator")
	admin.Fill("dialog [name=password]", "short")
	admin.ClickText("dialog button", "Create user")
	admin.WaitText("dialog [name=login] ~ .field-error", "lower-case")
	admin.WaitText("dialog [name=password] ~ .field-error", "Password must be at least 8 characters")
	admin.Shot("user-form-errors")

	admin.Fill("dialog [name=login]", "olga")
	admin.Fill("dialog [name=email]", "olga@example.com")
	admin.Fill("dialog [name=password]", "olga-password")
	admin.ClickText("dialog button", "Create user")
	admin.WaitGone("dialog")
	admin.WaitText(`[data-users] tr[data-user="olga"]`, "olga@example.com")

	admin.ClickText("button", "+ User")
	admin.Fill("dialog [name=display_name]", "Another Olga")
	admin.Fill("dialog [name=login]", "olga")
	admin.Fill("dialog [name=password]", "another-password")
	admin.ClickText("dialog button", "Create user")
	admin.WaitText("dialog [name=login] ~ .field-error", `"olga" is already taken`)
	admin.ClickText("dialog button", "Cancel")
	admin.WaitGone("dialog")
}

// createGroupThroughForm creates "Support operators", after the form refused an empty name.
func createGroupThroughForm(admin *Tab) {
	admin.Click(`.side a[href="/admin/groups"]`)
	admin.WaitText("[data-groups] tbody", "Administrators")
	admin.ClickText("button", "+ Group")
	admin.ClickText("dialog button", "Create group")
	admin.WaitText("dialog .field-error", "Name is required")
	admin.Fill("dialog [name=name]", "Support operators")
	admin.ClickText("dialog button", "Create group")
	admin.WaitGone("dialog")
	admin.WaitText(`[data-groups] tr[data-group="Support operators"]`, "0 members")
	admin.Shot("groups")
}

// addToGroupFromUsers puts olga into Support operators with the users list's dialog.
func addToGroupFromUsers(admin *Tab) {
	admin.Click(`.side a[href="/admin/users"]`)
	admin.Click(`tr[data-user="olga"] [data-action="add-to-group"]`)
	admin.ClickText("dialog button", "Add to group")
	admin.WaitText("dialog .field-error", "Choose a group")
	admin.Shot("add-to-group-dialog")
	admin.Choose("dialog select[name=group]", "Support operators")
	admin.ClickText("dialog button", "Add to group")
	admin.WaitGone("dialog")
	admin.WaitText(`tr[data-user="olga"] .chips`, "Support operators")
	admin.Shot("user-in-group")
}

// changeMembersOnGroupPage follows olga's group chip, adds admin and removes olga.
func changeMembersOnGroupPage(admin *Tab) {
	admin.ClickText(`tr[data-user="olga"] .chip`, "Support operators")
	admin.WaitText(`[data-members] tr[data-user="olga"]`, "Olga Operator")
	admin.Choose("[data-add-member] select", "admin")
	admin.ClickText("button", "Add member")
	admin.WaitText(`[data-members] tr[data-user="admin"]`, "admin")
	admin.Shot("group")

	admin.Click(`[data-members] tr[data-user="olga"] [data-action="remove"]`)
	admin.ClickText("dialog button", "Remove")
	admin.WaitGone(`[data-members] tr[data-user="olga"]`)
}

func TestOperatorSeesNoAdministration(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	opID, _ := env.User("olga")
	op := startBrowser(t, env.URL).Tab("operator")
	op.Login("olga", "olga-password")
	if got := op.Path(); got != "/console" {
		t.Fatalf("an operator lands on %s, want /console", got)
	}
	if op.Has(`[data-nav="administration"]`) || op.Has(".side") {
		t.Fatal("an operator is shown the Administration menu")
	}
	op.Shot("home")

	if status := op.Open("/admin/users"); status != 403 {
		t.Fatalf("GET /admin/users as an operator: status %d, want 403", status)
	}
	op.WaitText("h1", "Not allowed")
	op.Shot("admin-forbidden")

	// The presence switch sets the presence.
	op.Open("/account")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor(`header .presence[data-presence="online"]`)
	if !op.Has(`[data-presence-radio][value="online"]:checked`) {
		t.Fatal("the account page's choice did not follow the switch")
	}
	var u struct{ Presence string }
	env.MustDo("GET", "/api/v1/users/"+opID, env.Admin, nil, 200, &u)
	if u.Presence != "online" {
		t.Fatalf("presence %q after switching to online", u.Presence)
	}
	op.Click(`[data-presence-radio][value="away"]`)
	op.WaitFor(`header .presence[data-presence="away"]`)
	op.Shot("away")

	// Logout ends the session.
	op.ClickText("header button", "Log out")
	op.WaitFor("[data-login-form]")
	op.Open("/account")
	if got := op.Path(); got != "/login?next=%2Faccount" {
		t.Fatalf("after logout /account leads to %s, want the login page", got)
	}
}

func TestNamesAreShownAsText(t *testing.T) {
	const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	env := servertest.Start(t, "sqlite", servertest.Options{})
	var u struct{ ID string }
	env.MustDo("POST", "/api/v1/users", env.Admin, map[string]any{
		"login": "mallory", "display_name": evil, "password": "mallory-password"}, 201, &u)
	var g struct{ ID string }
	env.MustDo("POST", "/api/v1/groups", env.Admin, map[string]any{"name": `<b onmouseover=alert(3)>Evil</b>`}, 201, &g)
	env.MustDo("PUT", "/api/v1/groups/"+g.ID+"/members/"+u.ID, env.Admin, nil, 204, nil)

	b := startBrowser(t, env.URL)
	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/users")
	admin.WaitText(`tr[data-user="mallory"] .person-name`, "<script>")
	if got := admin.Text(`tr[data-user="mallory"] .person-name`); got != evil {
		t.Fatalf("the users list shows the name as %q, want the text %q", got, evil)
	}
	if got := admin.Text(`tr[data-user="mallory"] .chip`); got != `<b onmouseover=alert(3)>Evil</b>` {
		t.Fatalf("the group chip shows %q", got)
	}
	if admin.Has("main img, main b, main script") {
		t.Fatal("markup from a name became elements in the users list")
	}
	admin.Shot("users")
	admin.Open("/admin/groups/" + g.ID)
	admin.WaitText(`[data-members] tr[data-user="mallory"]`, "<script>")
	admin.WaitText("h1", "<b onmouseover")
	admin.Shot("group")

	mallory := b.Tab("mallory")
	mallory.Login("mallory", "mallory-password")
	if got := mallory.Text("header [data-user-name]"); got != evil {
		t.Fatalf("the top bar shows the name as %q", got)
	}
	if mallory.Has("body img, main b") {
		t.Fatal("markup from a name became elements in the server-rendered page")
	}
	mallory.Shot("home")
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("a page ran code from a name: %v", p)
	}
}
