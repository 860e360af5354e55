package web_test

// Keyboard-only walks: the operator's main flow and the customer's widget, with no mouse,
// checking after each step where the focus is. A screen reader user and a keyboard user
// depend on the focus landing on the next useful control after every action.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/internal/server/servertest"
)

// Press sends keys to whatever has the focus, as typing does, and waits for the page to settle.
func (p *Tab) Press(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.do(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys, opts...))
	p.Idle()
}

// focusedJS describes the focused element for failure messages.
const focusedJS = `(() => { const e = document.activeElement; if (!e) return 'nothing'; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
	[...e.attributes].filter((a) => a.name.startsWith('data-') || a.name === 'class').map((a) => '[' + a.name + '="' + a.value + '"]').join('') +
	' "' + (e.textContent || '').trim().slice(0, 30) + '"'; })()`

// ExpectFocus waits until the focused element matches sel, and fails saying what has the
// focus instead.
func (p *Tab) ExpectFocus(sel string) {
	p.t.Helper()
	expr := fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%s)`, jsString(sel))
	if p.poll(expr) {
		return
	}
	var got string
	p.Eval(focusedJS, &got)
	p.fail("focus on "+sel, fmt.Errorf("the focus is on %s", got))
}

// poll waits for the expression to be true, and reports whether it became true in time.
func (p *Tab) poll(expr string) bool { return p.pollWithin(expr, stepTimeout) }

// pollWithin is poll with a timeout of its own, for a step that may be tried again.
func (p *Tab) pollWithin(expr string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout)))
	return err == nil
}

// TabTo presses Tab (Shift+Tab when back) until the focused element matches sel, as a
// keyboard user reaches a control; it fails when sel is not reached in 40 presses.
func (p *Tab) TabTo(sel string, back bool) {
	p.t.Helper()
	var opts []chromedp.KeyOption
	if back {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	is := fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%s)`, jsString(sel))
	for range 40 {
		var yes bool
		p.Eval(is, &yes)
		if yes {
			return
		}
		p.do("press Tab", chromedp.KeyEvent(kb.Tab, opts...))
	}
	var got string
	p.Eval(focusedJS, &got)
	p.fail("reach "+sel+" with Tab", fmt.Errorf("40 presses of Tab never reached it; the focus is on %s", got))
}

// TestOperatorFlowByKeyboard logs in, goes online, opens a waiting session from the queue,
// takes it, replies and opens "+ Actions > Start process", all with the keyboard.
func TestOperatorFlowByKeyboard(t *testing.T) {
	env := demoEnv(t)
	b := startBrowser(t, env.URL)
	op := b.Tab("operator")
	op.Open("/login")
	op.ExpectFocus("#login")
	op.Press("olga" + kb.Tab + "olga-password" + kb.Enter)
	op.WaitFor("header .user")
	op.Idle()

	op.Press(kb.Tab)
	op.ExpectFocus(".skip-link")
	// Presence is one key press away, whatever it was: the buttons stay enabled and keep
	// the focus while the change is stored.
	op.TabTo(`[data-presence-set="online"]`, false)
	op.Press(kb.Enter)
	op.WaitFor(`header .presence[data-presence="online"]`)
	op.ExpectFocus(`[data-presence-set="online"][aria-pressed="true"]`)

	consoleTabsByArrows(op)
	newSessionIsAnnounced(t, env, op)

	op.TabTo(`[data-sessions] tbody a`, false)
	focusSurvivesReload(t, env, op)
	op.Press(kb.Enter)
	op.WaitText(sessionState, "Waiting")
	op.TabTo(`[data-action="take"]`, false)
	op.Press(kb.Enter)
	op.WaitText(sessionState, "Assigned")
	op.ExpectFocus("#reply-text")

	op.Press("We have it in stock.")
	op.Press(kb.Tab)
	op.ExpectFocus("[data-reply] [type=submit]")
	op.Press(kb.Enter)
	op.WaitText("[data-messages] .msg-operator", "We have it in stock.")
	op.ExpectFocus("#reply-text")

	actionsMenuByKeyboard(op)
	processLinkKeepsFocus(t, env, op)
	closedElsewhereMovesFocusOn(t, env, op)
}

// closedElsewhereMovesFocusOn has an administrator close the session while the operator's
// focus is on Close: the button goes with the change, and the focus goes on to what is left
// to do, "+ Actions" (a process may still start from a closed session), rather than to the
// page.
func closedElsewhereMovesFocusOn(t *testing.T, env *servertest.Env, op *Tab) {
	t.Helper()
	op.TabTo(`[data-action="close"]`, true)
	env.MustDo("POST", "/api/v1/sessions/"+strings.TrimPrefix(op.Path(), "/console/sessions/")+"/close", env.Admin, nil, 200, nil)
	op.WaitText(sessionState, "Closed")
	op.ExpectFocus("[data-menu] summary")
}

// consoleTabsByArrows moves between the console's tabs with the arrow keys: the focus and
// the selection move together, and only the selected tab is in the Tab order.
func consoleTabsByArrows(op *Tab) {
	op.TabTo(`[role="tab"][aria-selected="true"]`, false)
	op.ExpectFocus(`[data-tab="queue"]`)
	op.Press(kb.ArrowRight)
	op.ExpectFocus(`[data-tab="mine"][aria-selected="true"][tabindex="0"]`)
	op.WaitTrue(`document.querySelector('[data-tab="queue"]').tabIndex === -1`)
	op.Press(kb.ArrowLeft)
	op.ExpectFocus(`[data-tab="queue"][aria-selected="true"]`)
}

// newSessionIsAnnounced has a customer write while the operator watches the queue: screen
// readers are told through the polite live region.
func newSessionIsAnnounced(t *testing.T, env *servertest.Env, op *Tab) {
	t.Helper()
	env.MustDo("POST", "/api/v1/widget/"+demoLiveChatID(t, env)+"/sessions", "",
		map[string]any{"customer": map[string]any{"name": "Dora Customer"}, "text": "Hello?"}, 201, nil)
	op.WaitText("[data-sessions] tbody", "Dora Customer")
	op.WaitText(`[data-announcer][aria-live="polite"]`, "New session in the queue: Dora Customer")
}

// focusSurvivesReload has another customer write while the operator's focus is on a
// session's link in the queue: the queue reloads with the new session, and the focus stays on
// the link of the session it was on, so that the Enter that follows opens that session.
func focusSurvivesReload(t *testing.T, env *servertest.Env, op *Tab) {
	t.Helper()
	var name string
	op.Eval(`document.activeElement.textContent`, &name)
	env.MustDo("POST", "/api/v1/widget/"+demoLiveChatID(t, env)+"/sessions", "",
		map[string]any{"customer": map[string]any{"name": "Eve Customer"}, "text": "Anyone there?"}, 201, nil)
	op.WaitText("[data-sessions] tbody", "Eve Customer")
	op.WaitTrue(`document.activeElement.matches('[data-sessions] tbody a') && document.activeElement.textContent === ` + jsString(name))
}

// processLinkKeepsFocus starts a follow-up on the open session and tabs to its link in the
// session's process list; then another starts. The list is drawn again with both, and the
// focus stays on the first one's link instead of falling to the page. Then the same for the
// second link of a note.
func processLinkKeepsFocus(t *testing.T, env *servertest.Env, op *Tab) {
	t.Helper()
	publishFollowUp(env)
	olga := env.Login("olga", "olga-password")
	id := strings.TrimPrefix(op.Path(), "/console/sessions/")
	start := func(note string) string {
		var inst struct{ ID string }
		env.MustDo("POST", "/api/v1/sessions/"+id+"/processes", olga, map[string]any{"process": "follow-up",
			"inputs": map[string]any{"note": note}}, 201, &inst)
		return fmt.Sprintf(`[data-processes] [data-instance=%s] a`, jsString(inst.ID))
	}
	first := start("Call back about the order")
	op.WaitFor(first)
	op.TabTo(first, false)
	second := start("Send the catalogue")
	op.WaitFor(second)
	op.ExpectFocus(first)

	// A note's second link keeps the focus when the notes are drawn again, as they are on
	// every change of the session (here its priority, which also shows the new note).
	env.MustDo("POST", "/api/v1/sessions/"+id+"/notes", olga, map[string]any{
		"text": "Price list https://example.com/prices and stock https://example.com/stock"}, 201, nil)
	priority := func(p string) {
		env.MustDo("PATCH", "/api/v1/sessions/"+id, olga, map[string]any{"priority": p}, 200, nil)
	}
	priority("high")
	link := `[data-notes] li a[href="https://example.com/stock"]`
	op.WaitFor(link)
	op.TabTo(link, false)
	var mark string
	op.Eval(`document.querySelector('[data-notes] li').dataset.drawn = 'before'`, &mark)
	priority("low")
	op.WaitTrue(`!!document.querySelector('[data-notes] li') && document.querySelector('[data-notes] li').dataset.drawn === undefined`)
	op.ExpectFocus(link)
}

// actionsMenuByKeyboard opens "+ Actions", moves in it, closes it with Escape, and opens the
// start-process dialog from it; closing the dialog gives the focus back to "+ Actions".
func actionsMenuByKeyboard(op *Tab) {
	op.TabTo("[data-menu] summary", true)
	op.Press(kb.Enter)
	op.ExpectFocus(`[role="menuitem"][data-action="start-process"]`)
	op.Press(kb.Escape)
	op.WaitTrue(`!document.querySelector('[data-menu]').open`)
	op.ExpectFocus("[data-menu] summary")
	op.Press(kb.Enter)
	op.ExpectFocus(`[data-action="start-process"]`)
	op.Press(kb.Enter)
	op.WaitFor("dialog[open] select[name=process]")
	op.ExpectFocus("dialog[open] select[name=process]")
	// Tab cycles inside the dialog: from its last control back to its first.
	op.TabTo("dialog[open] .dialog-foot .btn-primary", false)
	op.Press(kb.Tab)
	op.ExpectFocus("dialog[open] .dialog-head .icon-btn")
	op.Press(kb.Escape)
	op.WaitGone("dialog")
	op.ExpectFocus("[data-menu] summary")
}

// inFrame is true when the widget's frame has the page's focus and, inside it, the element
// matching sel has the frame's.
func inFrame(sel string) string {
	return frame(fmt.Sprintf(`document.activeElement === f && !!d.activeElement && d.activeElement.matches(%s)`, jsString(sel)))
}

// TestWidgetByKeyboard opens the demo site's chat with the keyboard, meets an error, writes,
// sends, and closes the chat with Escape, checking the focus after each step.
func TestWidgetByKeyboard(t *testing.T) {
	env := demoEnv(t)
	b := startBrowser(t, env.URL)
	cust := b.Tab("customer")
	cust.Open("/demo/site")
	cust.TabTo("[data-parley-button]", false)
	cust.Press(kb.Enter)
	cust.WaitTrue(inFrame("#wg-name"))

	// Start chat with nothing filled in: the fields are marked, with their messages beside
	// them, and the focus goes to the first.
	for range 4 {
		cust.Press(kb.Tab)
	}
	cust.WaitTrue(inFrame("[data-start] [type=submit]"))
	cust.Press(kb.Enter)
	cust.WaitTrue(inFrame(`#wg-name[aria-invalid="true"][aria-describedby="wg-name-error"]`))
	cust.WaitTrue(frame(`d.getElementById('wg-name-error').textContent === 'Please tell us your name.' && d.querySelector('#wg-message[aria-invalid="true"]') !== null`))

	cust.Press("Eve Customer" + kb.Tab + "call me" + kb.Tab + kb.Tab + "Do you ship to Porto?" + kb.Tab + kb.Enter)
	// The server refuses the phone: the customer reads what to do, not the API's message.
	cust.WaitTrue(inFrame(`#wg-phone[aria-invalid="true"]`))
	var said string
	cust.Eval(frame(`d.getElementById('wg-phone-error').textContent + ' | ' + d.querySelector('[data-error]').textContent`), &said)
	if !strings.Contains(said, "country code") || strings.Contains(said, "expected") || strings.Contains(said, "customer.") {
		t.Fatalf("the customer is told %q", said)
	}
	cust.Press("a", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	cust.Press("+351220000000" + kb.Tab + kb.Tab + kb.Tab + kb.Enter)
	cust.WaitTrue(frame(`d.querySelector('[data-messages]').textContent.includes('Porto')`))
	cust.WaitTrue(inFrame("#wg-text"))

	cust.Press("And to Faro?" + kb.Enter)
	cust.WaitTrue(frame(`d.querySelector('[data-messages]').textContent.includes('Faro')`))
	cust.WaitTrue(inFrame("#wg-text"))

	replyIsAnnounced(t, env, cust)

	cust.Press(kb.Escape)
	cust.WaitTrue(`document.getElementById('parley-chat').style.display === 'none'`)
	cust.ExpectFocus(`[data-parley-button][aria-expanded="false"]`)
	cust.Press(kb.Enter)
	cust.WaitTrue(inFrame("#wg-text"))
}

// replyIsAnnounced has an operator answer: the reply is spoken through the widget's polite
// live region.
func replyIsAnnounced(t *testing.T, env *servertest.Env, cust *Tab) {
	t.Helper()
	olga := env.Login("olga", "olga-password")
	env.MustDo("PUT", "/api/v1/me/presence", olga, map[string]any{"presence": "online"}, 200, nil)
	id := strings.TrimPrefix(sessionPathOf(t, env, "Eve Customer"), "/console/sessions/")
	env.MustDo("POST", "/api/v1/sessions/"+id+"/take", olga, nil, 200, nil)
	env.MustDo("POST", "/api/v1/sessions/"+id+"/messages", olga, map[string]any{"text": "Yes, to Faro too."}, 201, nil)
	cust.WaitTrue(frame(`d.querySelector('[data-announcer][aria-live="polite"]').textContent.includes('Yes, to Faro too.')`))
}
