package web_test

// Accessibility checks in the browser: axe-core's WCAG 2.1 A and AA rules, and reflow at
// 320 CSS pixels (WCAG 1.4.10, what 400 % zoom of a 1280 px window leaves). axe-core comes
// from the npm registry for the tests only; it is never part of Parley's binary.

import (
	"context"
	"fmt"
	"github.com/chromedp/chromedp/kb"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/internal/server/servertest"
)

// axeVersion is the axe-core the checks are written against; .ci/run installs it.
const axeVersion = "4.11.0"

var axeScript = struct {
	once sync.Once
	src  string
	err  error
}{}

// axeSource returns axe.min.js: from $PARLEY_AXE_JS, else from testdata/axe, where
// `npm install --no-save --prefix testdata/axe axe-core@<axeVersion>` puts it. Without it CI
// (CI=true) fails, and a developer's machine skips with how to install it.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PARLEY_AXE_JS")
	if path == "" {
		path = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	axeScript.once.Do(func() {
		var b []byte
		b, axeScript.err = os.ReadFile(path)
		axeScript.src = string(b)
	})
	if axeScript.err == nil {
		return axeScript.src
	}
	how := fmt.Sprintf("the accessibility checks need axe-core: run `npm install --no-save --prefix internal/web/testdata/axe axe-core@%s` or set PARLEY_AXE_JS to its axe.min.js (%v)", axeVersion, axeScript.err)
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// axeRun runs axe on the page's document and returns its serious and critical violations,
// each as "rule (impact): help — target: what fails". Frames are left out: the widget's
// frame is Parley's own page, checked at its own address.
const axeRun = `(async () => {
	const r = await axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
		resultTypes: ['violations'], iframes: false,
	});
	return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.flatMap((v) => v.nodes.map((n) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' ')));
})()`

// Audit checks the page as it is now (state names it in failures): no serious or critical
// axe violation, and no horizontal scrolling of the page at 640 and 320 CSS pixels.
func (p *Tab) Audit(state string) {
	p.t.Helper()
	p.Idle()
	src := axeSource(p.t)
	if !run(p, "look for axe", chromedp.Evaluate[bool](`typeof window.axe === 'object'`)) {
		p.do("load axe", chromedp.Evaluate[chromedp.Void](src+"\n;undefined"))
	}
	found := run(p, "run axe on "+state, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	if len(found) > 0 {
		file := p.save("axe-" + state)
		p.t.Errorf("%s: %s: %d serious or critical accessibility violations (screenshot %s):\n  %s",
			p.name, state, len(found), file, strings.Join(found, "\n  "))
	}
	p.Reflow(state)
}

// reflowCheck names what makes the page wider than the viewport, if anything.
const reflowCheck = `(() => {
	const root = document.documentElement;
	if (root.scrollWidth <= root.clientWidth) return '';
	const wide = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1 && e.offsetParent !== null)
		.slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : ''));
	return 'page is ' + root.scrollWidth + 'px wide in a ' + root.clientWidth + 'px viewport; widest: ' + wide.join(', ');
})()`

// Reflow narrows the viewport to 640 CSS pixels (200 % zoom of a 1280 px window) and to 320
// (400 %), and checks that the page does not scroll sideways at either (tables may scroll
// inside their cards), then restores the window.
func (p *Tab) Reflow(state string) {
	p.t.Helper()
	// The window takes its own size again before the next step, whose clicks need the
	// layout they will meet.
	defer p.do("restore the viewport", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	}), chromedp.Poll[chromedp.Void](`window.innerWidth > 640`, chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	for _, width := range []int64{640, 320} {
		p.do("narrow the viewport", chromedp.EmulateViewport(width, 720),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.innerWidth === %d`, width), chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
		if msg := run(p, "measure the width", chromedp.Evaluate[string](reflowCheck)); msg != "" {
			file := p.save(fmt.Sprintf("reflow-%d-%s", width, state))
			p.t.Errorf("%s: %s at %d px: %s (screenshot %s)", p.name, state, width, msg, file)
		}
	}
}

// TestPagesAreAccessible walks every page a person can reach, and the dialogs they open, in
// the states that matter, and audits each; closing each dialog must give the focus back to
// the button that opened it.
func TestPagesAreAccessible(t *testing.T) {
	env := demoEnv(t)
	axeSource(t)
	publishFollowUp(env)
	startFollowUpByAPI(t, env)
	b := startBrowser(t, env.URL)
	auditCustomerPages(t, b, env)
	auditOperatorPages(t, b, env)
	auditAdministration(t, b, env)
	auditSearchAndReports(t, b, env)
}

// auditSearchAndReports checks the console's search results, the Reports page (for an
// administrator, and refused for an operator) and the widget's rating form after a closing.
func auditSearchAndReports(t *testing.T, b *Browser, env *servertest.Env) {
	op := b.Tab("searcher")
	op.Login("olga", "olga-password")
	op.Open("/console/search?q=lamp")
	op.WaitFor("[data-results] tbody tr")
	op.Audit("search-results")
	op.Open("/reports")
	op.WaitFor("[data-denied]:not([hidden])")
	op.Audit("reports-refused")
	admin := b.Tab("reporter")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/reports")
	admin.WaitFor(`[data-report="ratings"] table`)
	admin.Audit("reports")

	rater := b.Tab("rater")
	rater.Open("/widget/" + demoLiveChatID(t, env))
	rater.WaitFor("[data-start]:not([hidden])")
	rater.Fill("[data-start] [name=name]", "Rae Rater")
	rater.Fill("[data-start] [name=text]", "Thanks, that is all.")
	rater.Click("[data-start] [type=submit]")
	rater.WaitText("[data-messages]", "that is all")
	id := strings.TrimPrefix(sessionPathOf(t, env, "Rae Rater"), "/console/sessions/")
	env.MustDo("POST", "/api/v1/sessions/"+id+"/close", env.Admin, nil, 200, nil)
	rater.WaitFor("[data-rate]:not([hidden])")
	rater.Audit("widget-rating")
}

// startFollowUpByAPI gives the Support operators a task: olga goes online and starts the
// follow-up process from Ann Example's session.
func startFollowUpByAPI(t *testing.T, env *servertest.Env) {
	olga := env.Login("olga", "olga-password")
	env.MustDo("PUT", "/api/v1/me/presence", olga, map[string]any{"presence": "online"}, 200, nil)
	id := strings.TrimPrefix(sessionPathOf(t, env, "Ann Example"), "/console/sessions/")
	env.MustDo("POST", "/api/v1/sessions/"+id+"/processes", olga, map[string]any{"process": "follow-up",
		"inputs": map[string]any{"note": "Call back about the brass lamp"}}, 201, nil)
	env.MustDo("PUT", "/api/v1/me/presence", olga, map[string]any{"presence": "offline"}, 200, nil)
}

func auditCustomerPages(t *testing.T, b *Browser, env *servertest.Env) {
	anon := b.Tab("visitor")
	anon.Open("/login")
	anon.Audit("login")
	anon.Fill("#login", "nobody")
	anon.Fill("#password", "wrong password")
	anon.Click("form [type=submit]")
	anon.WaitFor(".form-error:not([hidden])")
	anon.Audit("login-error")

	anon.Open("/demo/site")
	anon.Audit("demo-site")
	anon.Click("[data-parley-button]")
	anon.WaitTrue(frame(`!!d.querySelector('[data-start]:not([hidden])')`))
	anon.Audit("demo-site-open")

	widget := "/widget/" + demoLiveChatID(t, env)
	anon.Open(widget)
	anon.WaitFor("[data-start]")
	anon.Audit("widget-empty")
	anon.Click("[data-start] [type=submit]")
	anon.WaitFor("[data-start] [aria-invalid=true]")
	anon.Audit("widget-error")
	anon.Fill("[data-start] [name=name]", "Cleo Customer")
	anon.Fill("[data-start] [name=phone]", "not a phone")
	anon.Fill("[data-start] [name=text]", "Is the arc lamp dimmable?")
	anon.Click("[data-start] [type=submit]")
	anon.WaitFor("[data-start] [name=phone][aria-invalid=true]")
	anon.Audit("widget-server-error")
	anon.Fill("[data-start] [name=phone]", "+351210000001")
	anon.Click("[data-start] [type=submit]")
	anon.WaitText("[data-messages]", "dimmable")
	anon.Audit("widget-messages")
}

// demoLiveChatID is the id of the live chat the demo site embeds.
func demoLiveChatID(t *testing.T, env *servertest.Env) string {
	var list struct{ Items []struct{ ID, Name string } }
	env.MustDo("GET", "/api/v1/livechats", env.Admin, nil, 200, &list)
	if len(list.Items) == 0 {
		t.Fatal("the demo has no live chat")
	}
	return list.Items[0].ID
}

func auditOperatorPages(t *testing.T, b *Browser, env *servertest.Env) {
	op := b.Tab("operator")
	op.Login("olga", "olga-password")
	op.Click(`header [data-presence-set="online"]`)
	op.WaitFor(`header [data-presence="online"]`)
	op.WaitText("[data-sessions] tbody", "Ann Example")
	op.Audit("console-queue")
	op.Open(sessionPathOf(t, env, "Cleo Customer"))
	op.WaitText(sessionState, "Waiting")
	op.Audit("session-waiting")
	op.Click("[data-menu] summary")
	op.Audit("session-menu")
	op.Click(`[data-action="start-process"]`)
	op.WaitFor("dialog[open] select[name=process]")
	op.Audit("start-process-dialog")
	op.Click("dialog[open] .dialog-foot .btn:not(.btn-primary)")
	op.WaitGone("dialog")
	op.Click(`[data-action="take"]`)
	op.WaitText(sessionState, "Assigned")
	op.Fill("#note-text", "Prefers email.")
	op.Click("[data-note-form] [type=submit]")
	op.WaitText("[data-notes]", "Prefers email.")
	env.MustDo("POST", "/api/v1/canned-responses", env.Admin, map[string]any{"title": "Greeting", "text": "Hello {customer.name}"}, 201, nil)
	op.Click("#reply-text")
	op.Press("/")
	op.WaitText("#canned-list", "Greeting")
	op.Audit("session-canned")
	op.Press(kb.Escape)
	op.ExpectFocus("#reply-text")
	op.Audit("session-assigned")
	op.Click(`[data-action="transfer"]`)
	op.WaitFor("dialog[open] select[name=target]")
	op.Audit("session-transfer-dialog")
	op.Click("dialog[open] .dialog-head .icon-btn")
	op.WaitGone("dialog")
	op.Open("/tasks")
	op.WaitFor("[data-tasks] .task")
	op.Audit("tasks")
	op.Click("[data-tasks] a[href^='/instances/']")
	op.WaitFor("[data-history] tbody tr")
	op.Audit("instance")
	op.Open("/account")
	op.Audit("account")
}

// adminPage is a page of Administration and the dialogs its buttons open.
type adminPage struct {
	path    string
	tab     string   // the tab to click on a page of tabs; "" for none
	ready   string   // an element present once the page has drawn its data
	dialogs []string // data-action of the buttons that open a dialog
}

func auditAdministration(t *testing.T, b *Browser, env *servertest.Env) {
	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	lc := "/admin/livechats/" + demoLiveChatID(t, env)
	pages := []adminPage{
		{"/admin/livechats", "", "[data-livechats] tbody tr", []string{"new-livechat"}},
		{"/admin/canned-responses", "", "[data-empty]:not([hidden]), [data-canned-table] tbody tr", []string{"new-canned"}},
		{lc, "settings", "[data-settings] dl", []string{"edit", "delete"}},
		{lc, "channels", "[data-channels] tbody tr", []string{"new-channel", "embed"}},
		{lc, "routing", "[data-routing-form]", nil},
		{lc, "hours", "[data-hours-form]", nil},
		{lc, "automation", "[data-automation] tbody tr", nil},
		{lc, "log", "[data-log]", nil},
		{"/admin/users", "", "[data-users] tbody tr", []string{"new-user", "add-to-group"}},
		{"/admin/groups", "", "[data-groups] tbody tr", []string{"new-group"}},
		{"/admin/processes", "", "[data-processes] tbody tr", []string{"new-process"}},
		{"/admin/processes/new-lead", "", "[data-canvas] .djs-container svg", []string{"edit"}},
		{"/admin/workspaces", "", "[data-workspaces] tbody tr", []string{"new-workspace"}},
		{"/admin/workspaces/crm", "", "[data-apps] tbody tr", []string{"new-app"}},
		{"/admin/workspaces/crm/apps/leads", "", "[data-fields] tbody tr", []string{"new-item", "add-field"}},
	}
	for _, pg := range pages {
		admin.Open(pg.path)
		state := pg.path
		if pg.tab != "" {
			admin.Click(fmt.Sprintf(`[data-tab-button=%q]`, pg.tab))
			state += " " + pg.tab
		}
		admin.WaitFor(pg.ready)
		admin.Audit(state)
		for _, d := range pg.dialogs {
			admin.Click(fmt.Sprintf(`[data-action=%q]`, d))
			admin.WaitFor("dialog[open]")
			admin.Audit(state + " " + d)
			admin.Click("dialog[open] .dialog-head .icon-btn")
			admin.WaitGone("dialog")
			// Closing a dialog gives the focus back to the button that opened it.
			admin.ExpectFocus(fmt.Sprintf(`[data-action=%q]`, d))
		}
	}
	admin.Open("/admin/groups")
	admin.ClickText("[data-groups] a", "Support operators")
	admin.WaitFor("[data-members] tbody tr")
	admin.Audit("group")
	admin.Click(`[data-action="remove"]`)
	admin.WaitFor("dialog[open]")
	admin.Audit("group remove")
	admin.Click("dialog[open] .dialog-head .icon-btn")
	admin.WaitGone("dialog")
	admin.ExpectFocus(`[data-action="remove"]`)
}
