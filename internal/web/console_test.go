package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// demoEnv starts a server filled with the demo data of parley serve --demo, plus an operator
// "olga" and a supervisor "sam" whose passwords the test knows (the demo's own are random).
func demoEnv(t *testing.T) *servertest.Env {
	return withDemo(t, servertest.Start(t, "sqlite", servertest.Options{}))
}

// withDemo fills env with the demo data and the operator olga and supervisor sam.
func withDemo(t *testing.T, env *servertest.Env) *servertest.Env {
	t.Helper()
	if err := env.Server.Demo(context.Background()); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	var groups struct{ Items []struct{ ID, Name string } }
	env.MustDo("GET", "/api/v1/groups", env.Admin, nil, 200, &groups)
	ids := map[string]string{}
	for _, g := range groups.Items {
		ids[g.Name] = g.ID
	}
	env.User("olga", ids["Support operators"])
	env.User("sam", ids["Support supervisors"])
	return env
}

// frame runs JavaScript against the document of the widget's iframe on the page; the frame is
// Parley's own origin, as is the demo site, so the test can reach into it. Until the widget
// page has loaded, the frame holds the empty about:blank document, which has a body but none
// of the widget's elements: the expression is false then, not an error.
func frame(js string) string {
	return fmt.Sprintf(`(() => { const f = document.querySelector('[data-parley-frame]'); const d = f && f.contentDocument; if (!d || d.readyState !== 'complete' || !d.querySelector('[data-messages]')) return false; return (%s); })()`, js)
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestCustomerAndOperatorChatLive follows one conversation from the demo site's widget to the
// console and back, all live: the new session appears in the operator's queue without a
// reload, the operator's reply appears in the widget, the session_created binding of the
// demo has started "New lead" (listed on the session page, its diagram waiting at the call
// back), and once the session is spam no process can be started from it.
func TestCustomerAndOperatorChatLive(t *testing.T) {
	env := demoEnv(t)
	b := startBrowser(t, env.URL)
	op := b.Tab("operator")
	op.Login("olga", "olga-password")
	if got := op.Path(); !strings.HasPrefix(got, "/console") {
		t.Fatalf("an operator lands on %s, want the console", got)
	}
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor(`header .presence[data-presence="online"]`)
	op.WaitText("[data-sessions] tbody", "Ann Example")
	op.WaitFor(`[data-live="open"]`)
	op.Shot("queue")

	cust := b.Tab("customer")
	// The markup is there to prove that chat text is shown as text on both sides.
	customerWrites(cust, "Bea Customer", "Do you ship lamps to Lisbon? <img src=x onerror=alert(1)>")

	row := op.WaitText("[data-sessions] tbody tr", "Bea Customer")
	if !strings.Contains(row, "Website") {
		t.Fatalf("the new session's row reads %q, want the Website live chat", row)
	}
	op.Shot("queue-live")

	operatorTakesAndReplies(op, "Bea Customer", "Yes, we ship to Lisbon within three days.")
	cust.WaitTrue(frame(`d.querySelector('[data-messages]').textContent.includes('three days')`))
	cust.Shot("reply-arrived")
	if op.Has("[data-messages] img") {
		t.Fatal("the customer's markup became an element on the session page")
	}
	customerResumesAfterReload(cust)

	op.WaitText("[data-processes]", "New lead")
	op.WaitText("[data-processes]", "Started automatically on session created")
	op.Shot("processes")
	op.Click("[data-processes] a")
	op.WaitFor(`[data-diagram] [data-element="CallBack"].bpmn-active`)
	op.Shot("instance")

	op.Open(sessionPathOf(t, env, "Bea Customer"))
	spamDisablesStartProcess(op)
}

// customerWrites opens the demo site, opens the widget and starts a conversation.
func customerWrites(cust *Tab, name, text string) {
	cust.Open("/demo/site")
	cust.Shot("demo-site")
	cust.Click("[data-parley-button]")
	cust.WaitTrue(frame(`!!d.querySelector('[data-start]:not([hidden])')`))
	cust.WaitTrue(frame(fmt.Sprintf(`(() => { const f = d.querySelector('[data-start]');
		f.name.value = %s; f.phone.value = '+351210000000'; f.email.value = 'bea@example.com'; f.text.value = %s;
		f.requestSubmit(); return true; })()`, jsString(name), jsString(text))))
	cust.WaitTrue(frame(fmt.Sprintf(`d.querySelector('[data-messages]').textContent.includes(%s)`, jsString(text))))
	cust.Shot("widget-sent")
}

// customerResumesAfterReload reloads the demo site: the widget finds its visitor token in
// localStorage and shows the same conversation, not the start form.
func customerResumesAfterReload(cust *Tab) {
	cust.Open("/demo/site")
	cust.Click("[data-parley-button]")
	cust.WaitTrue(frame(`d.querySelector('[data-messages]').textContent.includes('three days')`))
	cust.WaitTrue(frame(`!!d.querySelector('[data-start][hidden]') && !d.querySelector('[data-messages] img')`))
	cust.Shot("resumed")
}

// operatorTakesAndReplies opens the customer's session from the queue, takes it and replies.
func operatorTakesAndReplies(op *Tab, customer, reply string) {
	op.ClickText("[data-sessions] a", customer)
	op.WaitText("[data-messages]", "Lisbon")
	op.WaitText(sessionState, "Waiting")
	op.Click(`[data-action="take"]`)
	op.WaitText(sessionState, "Assigned")
	op.Fill("#reply-text", reply)
	op.Click("[data-reply] [type=submit]")
	op.WaitText("[data-messages] .msg-operator", reply)
	op.Shot("replied")
}

// spamDisablesStartProcess marks the session as spam and checks that + Actions > Start
// process is disabled, with the reason shown.
func spamDisablesStartProcess(op *Tab) {
	op.Click(`[data-action="spam"]`)
	op.ClickText("dialog button", "Mark as spam")
	op.WaitText(sessionState, "Spam")
	op.Click("[data-menu] summary")
	op.WaitFor(`[data-action="start-process"]:disabled`)
	op.WaitText("[data-start-reason]", "This session is marked as spam: processes cannot be started")
	op.Shot("spam-no-start")
}

// sessionPathOf finds the console address of the customer's session through the API.
func sessionPathOf(t *testing.T, env *servertest.Env, customer string) string {
	var list struct {
		Items []struct {
			ID       string
			Customer struct{ Name string }
		}
	}
	env.MustDo("GET", "/api/v1/sessions", env.Admin, nil, 200, &list)
	for _, s := range list.Items {
		if s.Customer.Name == customer {
			return "/console/sessions/" + s.ID
		}
	}
	t.Fatalf("no session of %s", customer)
	return ""
}
