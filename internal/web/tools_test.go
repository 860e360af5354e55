package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
	"github.com/parleychat/parley/internal/server/servertest"
)

// keepTyping has the text box sel go on receiving input, as a person typing does, until
// stopTyping: the page sends its throttled typing word whenever its socket is ready. js
// runs in the page, or with inFrame in the widget's frame.
func keepTyping(p *Tab, sel, text string, inFrame bool) {
	js := fmt.Sprintf(`(() => { const el = d.querySelector(%s); el.value = %s;
		window.__typing = setInterval(() => el.dispatchEvent(new Event('input', { bubbles: true })), 300); return true; })()`,
		jsString(sel), jsString(text))
	if inFrame {
		p.WaitTrue(frame(js))
		return
	}
	p.WaitTrue(`((d) => ` + js + `)(document)`)
}

func stopTyping(p *Tab) { p.WaitTrue(`(clearInterval(window.__typing), true)`) }

// TestTypingBothWaysAndSafeLinks follows one conversation: while the customer types in the
// widget the operator's session page says so in a polite live region, and while the operator
// types the widget says so; a message's web address becomes a link that opens in a new tab
// with rel="noopener noreferrer nofollow", on both sides, and a javascript: address stays text.
func TestTypingBothWaysAndSafeLinks(t *testing.T) {
	env := demoEnv(t)
	b := startBrowser(t, env.URL)
	cust := b.Tab("customer")
	customerWrites(cust, "Bea Customer", "Do you ship lamps to Lisbon?")
	op := onlineOperator(b, "olga")
	op.Open(sessionPathOf(t, env, "Bea Customer"))
	op.WaitText("[data-messages]", "Lisbon")

	keepTyping(cust, "#wg-text", "One more", true)
	op.WaitText(`[data-typing][role="status"][aria-live="polite"]`, "Bea Customer is typing")
	op.Shot("customer-typing")
	stopTyping(cust)

	keepTyping(op, "#reply-text", "Let me check", false)
	cust.WaitTrue(frame(`d.querySelector('[data-typing]').textContent.includes('An operator is typing')`))
	cust.Shot("operator-typing")
	stopTyping(op)
	op.Fill("#reply-text", "See https://example.com/lamps. Not javascript:alert(1) though.")
	op.Click("[data-reply] [type=submit]")
	op.WaitText("[data-messages] .msg-operator", "See https://example.com/lamps.")
	cust.WaitTrue(frame(`!!d.querySelector('.wg-text a[href="https://example.com/lamps"]')`))
	// The reply arrived: the widget no longer says the operator is typing.
	cust.WaitTrue(frame(`d.querySelector('[data-typing]').hidden`))

	link := `[data-messages] .msg-operator a`
	op.WaitFor(link)
	if got := op.Texts(link); len(got) != 1 || got[0] != "https://example.com/lamps" {
		t.Fatalf("the reply's links are %q, want only https://example.com/lamps", got)
	}
	if rel, target := op.attr(link, "rel"), op.attr(link, "target"); rel != "noopener noreferrer nofollow" || target != "_blank" {
		t.Fatalf("the link has rel=%q target=%q", rel, target)
	}
	var frameRel string
	cust.Eval(frame(`d.querySelector('.wg-text a').rel + ' ' + d.querySelector('.wg-text a').target`), &frameRel)
	if frameRel != "noopener noreferrer nofollow _blank" {
		t.Fatalf("the widget's link has %q", frameRel)
	}
	if op.Has(`a[href^="javascript:"]`) || !strings.Contains(op.Text("[data-messages] .msg-operator .msg-text"), "javascript:alert(1)") {
		t.Fatal("a javascript: address became a link, or its text was lost")
	}
	op.Shot("safe-links")
}

// TestTransferToAnotherOperatorWithNote has an operator hand her session to a colleague with
// a note: the colleague, who has the session open, sees it become his and reads the note
// without a reload, and finds it under My sessions.
func TestTransferToAnotherOperatorWithNote(t *testing.T) {
	env := demoEnv(t)
	env.User("oleg", groupID(t, env, "Support operators"))
	path := sessionPathOf(t, env, "Ann Example")
	b := startBrowser(t, env.URL)
	olga := onlineOperator(b, "olga")
	olga.Open(path)
	olga.WaitText(sessionState, "Waiting")
	olga.Click(`[data-action="take"]`)
	olga.WaitText(sessionState, "Assigned")

	oleg := onlineOperator(b, "oleg")
	oleg.Open(path)
	oleg.WaitText("[data-customer] [data-operator]", "olga")

	olga.Click(`[data-action="transfer"]`)
	olga.Choose("dialog select", "oleg (online) · Support")
	olga.Fill("dialog textarea", "She asked for a call back after five.")
	olga.ClickText("dialog button", "Transfer")
	olga.WaitText("[data-customer] [data-operator]", "oleg")
	olga.WaitText("[data-notes]", "Transferred to oleg: She asked for a call back after five.")
	if olga.Has(`[data-action="transfer"]:not([hidden])`) {
		t.Fatal("Transfer is still offered to the operator who handed the session on")
	}

	oleg.WaitText("[data-customer] [data-operator]", "oleg")
	oleg.WaitText("[data-notes] li", "She asked for a call back after five.")
	oleg.Shot("transferred-with-note")
	oleg.Open("/console?tab=mine")
	oleg.WaitText("[data-sessions] tbody", "Ann Example")
}

// titleMatchesBadges is true when the page's title counts exactly the unread badges of the
// queue: "(n) Console · Parley", or no count when there is none.
const titleMatchesBadges = `(() => { const n = [...document.querySelectorAll('[data-sessions] [data-unread]')].reduce((a, e) => a + Number(e.dataset.unread), 0);
	return document.title === (n ? '(' + n + ') ' : '') + 'Console · Parley'; })()`

// TestUnreadBadgesAndTitleCount has a customer write while an operator watches the queue: the
// session's row gets an unread badge that counts up live, the page's title counts every
// unread message, and opening the session clears its badge and takes it off the title.
func TestUnreadBadgesAndTitleCount(t *testing.T) {
	env := demoEnv(t)
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.WaitText("[data-sessions] tbody", "Ann Example")
	op.WaitTrue(titleMatchesBadges)

	var ws struct {
		SessionID    string `json:"session_id"`
		VisitorToken string `json:"visitor_token"`
	}
	env.MustDo("POST", "/api/v1/widget/"+demoLiveChatID(t, env)+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Cleo Unread"}, "text": "Is my order on its way?"}, 201, &ws)
	badge := `[data-sessions] tr[data-session="` + ws.SessionID + `"] [data-unread]`
	op.WaitText(badge, "1 unread message")
	op.WaitTrue(titleMatchesBadges)
	env.MustDo("POST", "/api/v1/widget/sessions/"+ws.SessionID+"/messages", ws.VisitorToken, map[string]any{"text": "Hello?"}, 201, nil)
	op.WaitText(badge, "2 unread messages")
	op.WaitTrue(titleMatchesBadges + ` && document.title.startsWith('(')`)
	op.Shot("unread-badges")

	op.ClickText("[data-sessions] a", "Cleo Unread")
	op.WaitText("[data-messages]", "Hello?")
	// The page records the read after showing the messages: wait for the record, not a time.
	olga := env.Login("olga", "olga-password")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var s struct{ Unread *int }
		env.MustDo("GET", "/api/v1/sessions/"+ws.SessionID, olga, nil, 200, &s)
		if s.Unread != nil && *s.Unread == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the session page did not record the read: %v unread", s.Unread)
		}
	}
	op.Open("/console")
	op.WaitText("[data-sessions] tbody", "Cleo Unread")
	op.WaitTrue(titleMatchesBadges)
	if op.Has(badge) {
		t.Fatal("the session the operator has read still shows unread messages")
	}
}

// TestCannedResponsesAdminPage has an administrator add a canned response for the Support
// live chat on Administration > Canned responses, then edit it; an operator of Support finds
// the edited one with / in the reply box.
func TestCannedResponsesAdminPage(t *testing.T) {
	env := demoEnv(t)
	b := startBrowser(t, env.URL)
	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin")
	admin.ClickText("nav a", "Canned responses")
	admin.WaitTrue(`document.querySelectorAll('#canned-filter option').length > 2`)
	admin.Click(`[data-action="new-canned"]`)
	admin.Choose("dialog select[name=live_chat]", "Support")
	admin.Fill("dialog input[name=title]", "Opening hours")
	admin.Fill("dialog textarea[name=text]", "We answer from nine to five, {customer.name}.")
	admin.ClickText("dialog button", "Create")
	admin.WaitText("[data-canned-table] tbody tr", "Opening hours")
	if row := admin.Text(`[data-canned-table] tbody tr`); !strings.Contains(row, "Support") {
		t.Fatalf("the new row reads %q, want it in Support", row)
	}
	admin.Click(`[data-canned-table] tbody tr button[aria-label="Edit Opening hours"]`)
	admin.Fill("dialog textarea[name=text]", "We answer from nine to six, {customer.name}.")
	admin.ClickText("dialog button", "Save")
	admin.WaitText("[data-canned-table] tbody tr", "nine to six")
	admin.Shot("canned-admin")

	op := onlineOperator(b, "olga")
	op.Open(sessionPathOf(t, env, "Ann Example"))
	op.WaitText(sessionState, "Waiting")
	op.Click("#reply-text")
	op.Press("/")
	op.Press("opening")
	op.WaitText("#canned-list", "Opening hours")
	op.Press(kb.Enter)
	if got := op.value("#reply-text"); got != "We answer from nine to six, Ann Example." {
		t.Fatalf("the reply holds %q", got)
	}

	// A supervisor reaches the page from the console and keeps Support's own responses; the
	// global ones are the administrators'.
	env.MustDo("POST", "/api/v1/canned-responses", env.Admin, map[string]any{"title": "Global hello", "text": "Hello!"}, 201, nil)
	sam := b.Tab("sam")
	sam.Login("sam", "sam-password")
	sam.ClickText("[data-canned-link]", "Canned responses")
	sam.WaitText("[data-canned-table] tbody tr", "Global hello")
	if sam.Has(`button[aria-label="Edit Global hello"]`) || !sam.Has(`button[aria-label="Edit Opening hours"]`) {
		t.Fatal("the supervisor is offered to edit a global response, or not Support's own")
	}
	sam.Click(`[data-action="new-canned"]`)
	if got := sam.Texts("dialog select[name=live_chat] option"); len(got) == 0 || strings.Contains(strings.Join(got, ","), "global") {
		t.Fatalf("the supervisor may create in %q, want their live chats only", got)
	}
	sam.Choose("dialog select[name=live_chat]", "Support")
	sam.Fill("dialog input[name=title]", "Returns")
	sam.Fill("dialog textarea[name=text]", "Send it back within 30 days.")
	sam.ClickText("dialog button", "Create")
	sam.WaitText("[data-canned-table] tbody tr", "Returns")
}

// TestEarlierSessionsBesideTheCurrentOne opens a session of a customer who wrote before from
// another browser with the same email: the earlier session is listed beside the conversation,
// as a link to its page.
func TestEarlierSessionsBesideTheCurrentOne(t *testing.T) {
	env := demoEnv(t)
	lc := demoLiveChatID(t, env)
	var first, second struct {
		SessionID string `json:"session_id"`
	}
	env.MustDo("POST", "/api/v1/widget/"+lc+"/sessions", "", map[string]any{"subject": "Lamp order",
		"customer": map[string]any{"name": "Dora Returning", "email": "dora@example.com"}, "text": "Where is my lamp?"}, 201, &first)
	env.MustDo("POST", "/api/v1/sessions/"+first.SessionID+"/close", env.Admin, nil, 200, nil)
	env.MustDo("POST", "/api/v1/widget/"+lc+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": "Dora", "email": "dora@example.com"}, "text": "Me again"}, 201, &second)
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.Open("/console/sessions/" + second.SessionID)
	op.WaitText("[data-messages]", "Me again")
	link := `[data-history] a[href="/console/sessions/` + first.SessionID + `"]`
	op.WaitFor(link)
	op.WaitText("[data-history] li", "Closed")
	op.Click(link)
	op.WaitText("[data-messages]", "Where is my lamp?")
}
