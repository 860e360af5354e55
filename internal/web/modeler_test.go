package web_test

import (
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/parleychat/parley/internal/server/servertest"
)

// recordCSP makes every page the tab opens keep the content security policy's violations in
// window.cspViolations, so that a test can say which directive a library broke; the page's
// own policy forbids inline script, so the recorder comes in through the browser instead.
func (p *Tab) recordCSP() {
	p.t.Helper()
	src := `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || e.sample || '')));`
	if _, err := chromedp.Call(p.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
		p.t.Fatalf("record CSP violations: %v", err)
	}
}

// cspViolations returns what the page's policy blocked since it loaded.
func (p *Tab) cspViolations() []string {
	p.t.Helper()
	var out []string
	p.Eval(`window.cspViolations || []`, &out)
	return out
}

func TestModelerSmoke(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "lead", "name": "New lead"}, 201, nil)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.recordCSP()
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/processes/lead")
	admin.WaitFor(".djs-palette")
	admin.WaitFor("[data-problems-title]")
	admin.Idle()
	admin.Shot("modeler")
	if v := admin.cspViolations(); len(v) > 0 {
		t.Fatalf("CSP violations: %v", v)
	}
}
