package web_test

// Tests of the defects a new user met: each walks the page where it showed.

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/parleychat/parley/internal/chat"
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
	olga.WaitText(sessionState, "Waiting")
	olga.Fill("#reply-text", "Hello Ann, I am on it.")
	olga.Click("[data-reply] [type=submit]")
	olga.WaitText("[data-messages] .msg-operator", "I am on it")
	olga.WaitText(sessionState, "Assigned")
	olga.WaitText("[data-customer] [data-operator]", "olga")
	if olga.Has(`[data-action="take"]:not([hidden])`) {
		t.Fatal("Take is still offered after the reply took the session")
	}
	olga.Shot("replied-and-took")

	oleg.WaitTrue(`![...document.querySelectorAll('[data-sessions] tbody tr')].some((r) => r.textContent.includes('Ann Example'))`)
	oleg.Shot("queue-without-ann")
}

// TestFailedEmailReplyShowsFailed answers an email session on a server without a mail relay:
// the reply is marked "Not delivered" with the reason once the delivery fails, rather than
// looking sent; the messages API carries the same delivery.
func TestFailedEmailReplyShowsFailed(t *testing.T) {
	env := demoEnv(t)
	ctx := context.Background()
	ch, err := env.Server.Chat.CreateChannel(ctx, demoLiveChatID(t, env), chat.NewChannel{Type: chat.ChannelEmail, Name: "Mail", Address: "support@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := env.Server.Chat.Receive(ctx, chat.Inbound{ChannelID: ch.ID, Identity: "carl@example.org", Subject: "Invoice",
		Text: "Where is my invoice?", Customer: chat.CustomerInfo{Name: "Carl Mailer", Email: "carl@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.Open("/console/sessions/" + r.Session.ID)
	op.WaitText("[data-messages]", "invoice")
	op.Fill("#reply-text", "It is on its way.")
	op.Click("[data-reply] [type=submit]")
	got := op.WaitText(`[data-messages] .msg-operator [data-delivery="failed"]`, "Not delivered")
	if !strings.Contains(got, "relay") {
		t.Fatalf("the failed reply says %q, want the reason", got)
	}
	op.Shot("reply-not-delivered")

	var list struct {
		Items []struct {
			Author   string
			Delivery *struct{ State, Error string }
		}
	}
	env.MustDo("GET", "/api/v1/sessions/"+r.Session.ID+"/messages", env.Admin, nil, 200, &list)
	for _, m := range list.Items {
		if (m.Author == "operator") != (m.Delivery != nil) || (m.Delivery != nil && m.Delivery.State != "failed") {
			t.Fatalf("message by %s has the delivery %+v", m.Author, m.Delivery)
		}
	}
}

// TestWidgetSaysWhetherOperatorsAreOnline opens the widget while no operator of the live chat
// is online: it says so, though its own socket is up; once an operator goes online it says
// Online without a reload.
func TestWidgetSaysWhetherOperatorsAreOnline(t *testing.T) {
	env := demoEnv(t)
	b := startBrowser(t, env.URL)
	cust := b.Tab("customer")
	customerWrites(cust, "Dora Visitor", "Anyone there?")
	cust.WaitTrue(frame(`d.querySelector('[data-status]').dataset.online === 'false'`))
	var said string
	cust.Eval(frame(`d.querySelector('[data-status]').textContent`), &said)
	if !strings.Contains(said, "No operator is online") {
		t.Fatalf("with every operator offline the widget says %q", said)
	}
	cust.Shot("nobody-online")

	onlineOperator(b, "olga")
	cust.WaitTrue(frame(`d.querySelector('[data-status]').dataset.online === 'true' && d.querySelector('[data-status]').textContent === 'Online'`))
	cust.Shot("operator-online")
}

// TestClosingStartsProcessLive closes a session from its page, with a process bound to
// session_closed whose start fails at first (the process was withdrawn) and is retried from
// the automation log later: the instance appears in the session's process list without a
// reload, though no chat event comes with it.
func TestClosingStartsProcessLive(t *testing.T) {
	env := demoEnv(t)
	publishFollowUp(env)
	lc := demoLiveChatID(t, env)
	env.MustDo("PUT", "/api/v1/livechats/"+lc+"/automation/session_closed", env.Admin,
		map[string]any{"process": "follow-up", "inputs": map[string]string{"note": "customer.name"}}, 200, nil)
	env.MustDo("POST", "/api/v1/processes/follow-up/unpublish", env.Admin, nil, 200, nil)
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.ClickText("[data-sessions] a", "Ann Example")
	op.WaitText("[data-messages]", "lamp")
	op.Click(`[data-action="close"]`)
	op.WaitText(sessionState, "Closed")
	line := failedLineID(t, env, lc)
	op.Idle()
	if got := op.Text("[data-processes]"); strings.Contains(got, "Follow-up") {
		t.Fatalf("the failed start shows %q", got)
	}

	env.MustDo("POST", "/api/v1/processes/follow-up/publish", env.Admin, nil, 201, nil)
	env.MustDo("POST", "/api/v1/livechats/"+lc+"/automation/log/"+line+"/retry", env.Admin, nil, 200, nil)
	op.WaitText("[data-processes]", "Follow-up")
	op.WaitText("[data-processes]", "Started automatically on session closed")
	op.Shot("closed-process-live")
}

// TestOperatorMarksSpamWithConfirmAndUndoes marks a session as spam as an operator: the page
// asks first (Cancel leaves the session as it was), the operator finds it in the console's
// Spam list, and removes it from spam, which gives it back to them.
func TestOperatorMarksSpamWithConfirmAndUndoes(t *testing.T) {
	env := demoEnv(t)
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.ClickText("[data-sessions] a", "Ann Example")
	op.WaitText(sessionState, "Waiting")
	op.Click(`[data-action="take"]`)
	op.WaitText(sessionState, "Assigned")

	op.Click(`[data-action="spam"]`)
	op.WaitText("dialog", "Mark as spam?")
	op.Shot("spam-confirm")
	op.ClickText("dialog button", "Cancel")
	op.WaitGone("dialog")
	if got := op.Text(sessionState); got != "Assigned" {
		t.Fatalf("after Cancel the session is %q", got)
	}
	op.Click(`[data-action="spam"]`)
	op.ClickText("dialog button", "Mark as spam")
	op.WaitText(sessionState, "Spam")

	op.Open("/console")
	op.Click(`[data-tab="spam"]`)
	op.ClickText("[data-sessions] a", "Ann Example")
	op.WaitText(sessionState, "Spam")
	op.Shot("spam-session")
	op.Click(`[data-action="unspam"]`)
	op.WaitText(sessionState, "Assigned")
	op.WaitText("[data-customer] [data-operator]", "olga")
	op.Shot("unspammed")
}

// TestStartFormFollowsTheSession starts Lead intake from a session: the customer's name, phone
// and last message are filled in; a required input left empty is named beside its field, by
// its label, and the form's top line stays empty.
func TestStartFormFollowsTheSession(t *testing.T) {
	env := demoEnv(t)
	publishLead(env)
	path := sessionPathOf(t, env, "Ann Example")
	var sess struct{ Customer struct{ Phone string } }
	env.MustDo("GET", strings.Replace(path, "/console/sessions/", "/api/v1/sessions/", 1), env.Admin, nil, 200, &sess)
	if sess.Customer.Phone == "" {
		t.Fatal("the demo's Ann Example has no phone to fill in")
	}
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.Open(path)
	op.WaitText("[data-messages]", "lamp")
	op.Click("[data-menu] summary")
	op.Click(`[data-action="start-process"]`)
	op.Choose("dialog select[name=process]", "Lead intake")
	op.WaitFor(`dialog [name="in.note"]`)
	var got struct{ Name, Phone, Note, Last string }
	op.Eval(`(() => { const v = (n) => document.querySelector('dialog [name="in.' + n + '"]').value;
		const msgs = document.querySelectorAll('[data-messages] .msg-customer .msg-text');
		return { name: v('name'), phone: v('phone'), note: v('note'), last: msgs[msgs.length - 1].textContent }; })()`, &got)
	if got.Name != "Ann Example" || got.Phone != sess.Customer.Phone || got.Note == "" || got.Note != got.Last {
		t.Fatalf("the start form is filled in with %+v, want Ann's name, phone %s and last message", got, sess.Customer.Phone)
	}
	op.Shot("start-form-filled")

	op.Fill(`dialog [name="in.name"]`, "")
	op.ClickText("dialog button", "Start process")
	msg := op.WaitText(`dialog [name="in.name"] ~ .field-error`, "required")
	if msg != "Customer name is required" {
		t.Fatalf("the error beside the name reads %q", msg)
	}
	if op.Has("dialog .form-error:not([hidden])") {
		t.Fatalf("the form's top line shows %q", op.Text("dialog .form-error"))
	}
	op.Shot("start-form-error")
	op.Fill(`dialog [name="in.name"]`, "Ann Example")
	op.ClickText("dialog button", "Start process")
	op.WaitGone("dialog")
	op.WaitText("[data-processes]", "Lead intake")
}

// onScreen is JavaScript that lists the elements matching sel that are not wholly on screen.
const onScreen = `((sel) => [...document.querySelectorAll(sel)].filter((el) => {
	const r = el.getBoundingClientRect();
	return r.width === 0 || r.left < 0 || r.right > window.innerWidth;
}).map((el) => el.textContent.trim() || el.outerHTML.slice(0, 60)))`

// TestConsoleOnAPhone opens the console and a session on a 375 px wide phone: nothing makes
// the page wider than the screen, and the presence switch, Log out, the queue and the reply
// box are on screen.
func TestConsoleOnAPhone(t *testing.T) {
	env := demoEnv(t)
	op := startBrowser(t, env.URL).Tab("phone")
	op.do("take a phone's screen", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	op.Login("olga", "olga-password")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitText("[data-sessions] tbody", "Ann Example")
	for _, page := range []string{"console", "session"} {
		if page == "session" {
			op.ClickText("[data-sessions] a", "Ann Example")
			op.WaitText("[data-messages]", "lamp")
		}
		var width, screen int
		op.Eval(`document.documentElement.scrollWidth`, &width)
		op.Eval(`window.innerWidth`, &screen)
		if screen != 375 {
			t.Fatalf("the phone's screen is %d px wide", screen)
		}
		var off []string
		op.Eval(onScreen+`('header [data-presence-set], [data-action="logout"], [data-sessions] a, #reply-text')`, &off)
		if width > 375 || len(off) > 0 {
			t.Errorf("the %s is %d px wide on a 375 px phone; off screen: %q", page, width, off)
		}
		op.Shot(page)
	}
}

// TestListsNameSessionsByCustomer shows sessions by their customer's name where lists used to
// show the raw id: the automation log of a live chat, and an app's items with a session field,
// where the name links to the session.
func TestListsNameSessionsByCustomer(t *testing.T) {
	env := demoEnv(t)
	path := sessionPathOf(t, env, "Ann Example")
	id := strings.TrimPrefix(path, "/console/sessions/")
	env.MustDo("POST", "/api/v1/workspaces/crm/apps", env.Admin, map[string]any{"code": "calls", "name": "Calls",
		"fields": []map[string]any{{"code": "title", "title": "Title", "type": "string"}, {"code": "session", "title": "Session", "type": "session"}}}, 201, nil)
	env.MustDo("POST", "/api/v1/workspaces/crm/apps/calls/items", env.Admin, map[string]any{"values": map[string]any{"title": "Call back", "session": id}}, 201, nil)

	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/workspaces/crm/apps/calls")
	link := `[data-items] tbody a[data-session="` + id + `"]`
	admin.WaitText(link, "Ann Example")
	var href string
	admin.Eval(`document.querySelector('`+link+`').getAttribute('href')`, &href)
	if href != path {
		t.Fatalf("the session field links to %q, want %s", href, path)
	}
	if body := admin.Text("[data-items] tbody"); strings.Contains(body, id) {
		t.Fatalf("the item list shows the raw session id: %q", body)
	}
	admin.Shot("items-with-session")

	site, err := env.Server.DemoSiteLiveChat(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	writeWidget(env, site, "Bea Customer", "Do you ship lamps?")
	admin.Open("/admin/livechats/" + site + "/log")
	admin.WaitText(`[data-log] tbody`, "Bea Customer")
	if body := admin.Text("[data-log] tbody"); strings.Contains(body, "ses_") {
		t.Fatalf("the automation log shows a raw session id: %q", body)
	}
	admin.Shot("automation-log")
}
