package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/parleychat/parley/internal/server/servertest"
)

// TestOperatorsShift walks an operator's shift end to end, as the people in it would, on
// both databases: the administrator has set the Website live chat to round robin (two
// operators and a supervisor) and written a canned greeting with the customer's name in it.
// Olga goes online; a customer writes from the demo site's widget and the session is routed
// to her, appearing under My sessions without a reload; she answers with the canned greeting
// from the / picker and the customer reads it with their name filled in; she adds a private
// note the widget never shows; she transfers the session to Oleg, online, with a note, and
// he finds it live and reads the note; he closes it; the widget asks for a rating and the
// customer gives 4 with a comment; the supervisor sees the session and the rating in Reports.
func TestOperatorsShift(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		withDemo(t, env)
		shift(t, env)
	})
}

func shift(t *testing.T, env *servertest.Env) {
	// What an administrator sets up elsewhere: the second operator, the distribution and
	// the canned response.
	env.User("oleg", groupID(t, env, "Support operators"))
	website := liveChatID(t, env, "Website")
	env.MustDo("PUT", "/api/v1/livechats/"+website+"/routing", env.Admin,
		map[string]any{"mode": "round_robin", "max_open": 5, "reassign_after": 0}, 200, nil)
	env.MustDo("POST", "/api/v1/canned-responses", env.Admin, map[string]any{"title": "Shift greeting",
		"text": "Hello {customer.name}, thanks for waiting: I am looking at your order now."}, 201, nil)
	before := sessionsInReports(env, env.Login("sam", "sam-password"))
	b := startBrowser(t, env.URL)

	// 1. Olga goes online with the presence control and watches My sessions.
	olga := onlineOperator(b, "olga")
	olga.Click(`[data-tab="mine"]`)
	olga.WaitFor(`[data-tab="mine"][aria-selected="true"]`)

	// 2. A customer writes; round robin gives the session to the only operator online.
	cust := b.Tab("customer")
	customerWrites(cust, "Gil Shopper", "My order 4417 has not arrived.")
	olga.WaitText("[data-sessions] tbody", "Gil Shopper")
	olga.Shot("routed")

	// 3. She opens it, already hers, and answers with the canned greeting from the picker.
	olga.ClickText("[data-sessions] a", "Gil Shopper")
	olga.WaitText("[data-messages]", "4417")
	olga.WaitText(sessionState, "Assigned")
	olga.WaitText("[data-customer] [data-operator]", "olga")
	olga.Click("#reply-text")
	olga.Press("/")
	olga.ExpectFocus("#canned-search")
	olga.Press("shift greet")
	olga.WaitTrue(`document.querySelectorAll('#canned-list [role=option]').length === 1`)
	olga.Press(kb.Enter)
	const greeting = "Hello Gil Shopper, thanks for waiting: I am looking at your order now."
	if got := olga.value("#reply-text"); got != greeting {
		t.Fatalf("the reply holds %q, want %q", got, greeting)
	}
	olga.Click("[data-reply] [type=submit]")
	olga.WaitText("[data-messages] .msg-operator", greeting)
	cust.WaitTrue(frame(`d.querySelector('[data-messages]').textContent.includes(` + jsString(greeting) + `)`))
	cust.Shot("greeted")

	// 4. A private note stays with the staff.
	const note = "Order 4417 left the warehouse late; offer free shipping."
	olga.Fill("#note-text", note)
	olga.Click("[data-note-form] [type=submit]")
	olga.WaitText("[data-notes] li", note)

	// 5. Oleg comes online and watches My sessions; she hands him the session with a note.
	oleg := onlineOperator(b, "oleg")
	oleg.Click(`[data-tab="mine"]`)
	oleg.WaitFor(`[data-tab="mine"][aria-selected="true"]`)
	const handover = "He may call after five; the courier is booked."
	olga.Click(`[data-action="transfer"]`)
	olga.Choose("dialog select", "oleg (online) · Website")
	olga.Fill("dialog textarea", handover)
	olga.ClickText("dialog button", "Transfer")
	olga.WaitText("[data-customer] [data-operator]", "oleg")
	oleg.WaitText("[data-sessions] tbody", "Gil Shopper")
	oleg.Shot("transferred")
	oleg.ClickText("[data-sessions] a", "Gil Shopper")
	oleg.WaitText("[data-messages]", greeting)
	oleg.WaitText("[data-notes]", "Transferred to oleg: "+handover)
	oleg.WaitText("[data-notes]", note)

	// Neither note reaches the customer: not live, nor when the widget loads the conversation
	// again after a reload.
	widgetHidesNotes(t, cust, note, handover)
	cust.Open("/demo/site")
	cust.Click("[data-parley-button]")
	cust.WaitTrue(frame(`d.querySelector('[data-messages]').textContent.includes(` + jsString(greeting) + `)`))
	widgetHidesNotes(t, cust, note, handover)

	// 6. Oleg closes the session; the customer rates it.
	oleg.Click(`[data-action="close"]`)
	oleg.WaitText(sessionState, "Closed")
	cust.WaitTrue(frame(`!!d.querySelector('[data-rate]:not([hidden])')`))
	cust.Shot("rating-asked")
	cust.WaitTrue(frame(`(() => { const f = d.querySelector('[data-rate]');
		f.querySelector('input[value="4"]').click(); f.comment.value = 'Sorted in minutes'; f.requestSubmit(); return true; })()`))
	cust.WaitTrue(frame(`!!d.querySelector('[data-rate-thanks]') && d.querySelector('[data-rate]').hidden`))
	widgetHidesNotes(t, cust, note, handover)

	// 7. The supervisor finds the session and its rating in Reports.
	sam := b.Tab("supervisor")
	sam.Login("sam", "sam-password")
	sam.Open("/reports")
	sam.WaitFor(`[data-average="4"]`)
	ratings := sam.WaitText(`[data-report="ratings"] table`, "4 of 5")
	if !strings.Contains(ratings, "4 of 51") {
		t.Fatalf("the ratings table reads %q, want one rating of 4", ratings)
	}
	// The new session is counted among the days' sessions, and it is Oleg's, closed.
	sam.WaitTrue(fmt.Sprintf(`[...document.querySelectorAll('[data-report="sessions"] table tbody tr')]
		.reduce((a, r) => a + Number(r.lastElementChild.textContent), 0) === %d`, before+1))
	sam.WaitTrue(`[...document.querySelectorAll('[data-report="operators"] table tbody tr')]
		.some((r) => [...r.children].map((c) => c.textContent.trim()).join('|') === 'oleg|1|0')`)
	sam.Shot("reports")
}

// sessionsInReports counts the sessions the Reports of the caller (token) show over the
// default range.
func sessionsInReports(env *servertest.Env, token string) int {
	var rep struct {
		Days []struct{ Sessions int }
	}
	env.MustDo("GET", "/api/v1/reports", token, nil, 200, &rep)
	n := 0
	for _, d := range rep.Days {
		n += d.Sessions
	}
	return n
}

// widgetHidesNotes fails the test if the widget's frame shows any of the private notes.
func widgetHidesNotes(t *testing.T, cust *Tab, notes ...string) {
	t.Helper()
	var widget string
	cust.Eval(frame(`d.body.textContent`), &widget)
	for _, n := range notes {
		if strings.Contains(widget, n) {
			t.Fatalf("the widget shows the private note %q", n)
		}
	}
}
