package web_test

// The steps a test takes in a Tab. Selectors are CSS; steps wait for what they need (an
// element to be visible, the page's API calls to finish), so tests read as a person's
// actions without sleeps.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Open loads path (on the test server) and waits until the page has loaded its data. It
// returns the HTTP status of the page, after redirects.
func (p *Tab) Open(path string) int {
	p.t.Helper()
	resp := run(p, "open "+path, chromedp.NavigateResponse(p.b.URL+path))
	p.Idle()
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// Login logs in through the login page, as a person would, and waits for the page it leads to.
func (p *Tab) Login(login, password string) {
	p.t.Helper()
	p.Open("/login")
	p.Fill("#login", login)
	p.Fill("#password", password)
	p.Click("form [type=submit]")
	p.WaitFor("header .user")
	p.Idle()
}

// Click clicks the first element matching sel, once it is visible.
func (p *Tab) Click(sel string) {
	p.t.Helper()
	p.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	p.Idle()
}

// ClickText clicks the visible element matching sel whose text is text, such as
// ClickText("button", "Create user").
func (p *Tab) ClickText(sel, text string) {
	p.t.Helper()
	p.do(fmt.Sprintf("click %s %q", sel, text), chromedp.Click(byText(sel, text), chromedp.NodeVisible))
	p.Idle()
}

// byText selects the elements matching the CSS selector whose trimmed text is text.
func byText(sel, text string) chromedp.JSPath {
	s, _ := json.Marshal(sel)
	t, _ := json.Marshal(text)
	return chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll(%s)].find((e) => e.textContent.trim() === %s && e.offsetParent !== null)`, s, t))
}

// Fill replaces the value of the input matching sel by typing value. The old value is
// emptied by script first: chromedp.Clear only resets the value attribute, which an input a
// person has typed in no longer shows, and SetValue refuses the empty string.
func (p *Tab) Fill(sel, value string) {
	p.t.Helper()
	s, _ := json.Marshal(sel)
	p.do("fill "+sel,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).value = ''`, s)),
		chromedp.SendKeys(chromedp.CSS(sel), value, chromedp.NodeVisible))
}

// Choose picks, in the <select> matching sel, the option whose text contains label, and
// fires the change event as a person's choice would.
func (p *Tab) Choose(sel, label string) {
	p.t.Helper()
	p.WaitFor(sel)
	s, _ := json.Marshal(sel)
	l, _ := json.Marshal(label)
	ok := run(p, fmt.Sprintf("choose %q in %s", label, sel), chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		const opt = [...el.options].find((o) => o.textContent.includes(%s));
		if (!opt) return false;
		el.value = opt.value;
		el.dispatchEvent(new Event('input', { bubbles: true }));
		el.dispatchEvent(new Event('change', { bubbles: true }));
		return true;
	})()`, s, l)))
	if !ok {
		p.fail(fmt.Sprintf("choose %q in %s", label, sel), fmt.Errorf("no such option; the options are %q", p.Texts(sel+" option")))
	}
	p.Idle()
}

// WaitFor waits until an element matching sel is visible.
func (p *Tab) WaitFor(sel string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// WaitGone waits until no element matches sel.
func (p *Tab) WaitGone(sel string) {
	p.t.Helper()
	p.do("wait for "+sel+" to go", chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

// sessionState is the state in a session page's heading. The console's rows show states
// with the same badge, so "[data-state]" alone is met by the queue the operator is leaving,
// before the session page has loaded.
const sessionState = "h1 [data-state]"

// WaitText waits until an element matching sel contains text, and returns that element's text.
func (p *Tab) WaitText(sel, text string) string {
	p.t.Helper()
	s, _ := json.Marshal(sel)
	t, _ := json.Marshal(text)
	return run(p, fmt.Sprintf("wait for %q in %s", text, sel), chromedp.Poll[string](fmt.Sprintf(
		`[...document.querySelectorAll(%s)].map((e) => e.textContent).find((s) => s.includes(%s))`, s, t),
		chromedp.WithPollingTimeout(stepTimeout)))
}

// Text returns the text of the first element matching sel, once it is visible.
func (p *Tab) Text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(run(p, "read "+sel, chromedp.TextContent(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// Texts returns the trimmed text of every element matching sel, now.
func (p *Tab) Texts(sel string) []string {
	p.t.Helper()
	s, _ := json.Marshal(sel)
	return run(p, "read all "+sel, chromedp.Evaluate[[]string](fmt.Sprintf(
		`[...document.querySelectorAll(%s)].map((e) => e.textContent.trim())`, s)))
}

// WaitTrue waits until the JavaScript expression is truthy.
func (p *Tab) WaitTrue(expr string) {
	p.t.Helper()
	p.do("wait for "+expr, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(stepTimeout)))
}

// Has reports whether an element matches sel now, without waiting.
func (p *Tab) Has(sel string) bool {
	p.t.Helper()
	s, _ := json.Marshal(sel)
	return run(p, "look for "+sel, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%s) !== null`, s)))
}

// Eval evaluates a JavaScript expression in the page and decodes its value into out.
func (p *Tab) Eval(expr string, out any) {
	p.t.Helper()
	raw := run(p, "evaluate "+expr, chromedp.Evaluate[[]byte](expr))
	if err := json.Unmarshal(raw, out); err != nil {
		p.fail("decode "+expr, err)
	}
}

// Path returns the path and query of the page's address ("" when it cannot be read).
func (p *Tab) Path() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.RequestURI()
}

// Idle waits until the page has loaded and no API request of api.js is in flight.
func (p *Tab) Idle() {
	p.t.Helper()
	p.do("wait for the page to settle", chromedp.Poll[chromedp.Void](
		`document.readyState === 'complete' && (document.documentElement.dataset.pending ?? '0') === '0'`,
		chromedp.WithPollingTimeout(stepTimeout)))
}

// Shot saves a full-page screenshot as artifacts/screenshots/<test>-<n>-<tab>-<step>.png.
func (p *Tab) Shot(step string) {
	p.t.Helper()
	p.Idle()
	p.save(step)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// shotName is the file name of a test's screenshot: <test>-<step>.png, with subtests' slashes
// and other characters unsafe in file names replaced. step may be the glob "*".
func shotName(test, step string) string {
	if step == "*" {
		return unsafeName.ReplaceAllString(test, "_") + "-*.png"
	}
	return unsafeName.ReplaceAllString(test+"-"+step, "_") + ".png"
}

// save writes the screenshot and returns its path; it never fails the test, because it also
// runs while a test is failing.
func (p *Tab) save(step string) string {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", step, err)
		return ""
	}
	p.b.mu.Lock()
	p.b.shots++
	n := p.b.shots
	p.b.mu.Unlock()
	file := filepath.Join(screenshotDir(p.t), shotName(p.t.Name(), fmt.Sprintf("%02d-%s-%s", n, p.name, step)))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", step, err)
		return ""
	}
	return file
}
