package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/internal/server/servertest"
)

// stubAPI makes the tab's pages answer GET requests for the given API paths with the given
// JSON, before any of their scripts run: the instance page then draws instances whose shapes the
// engine of this build may not run yet (sub-processes, call activities), with tokens where the
// test puts them. Every other request goes to the server.
func (p *Tab) stubAPI(answers map[string]any) {
	p.t.Helper()
	body, err := json.Marshal(answers)
	if err != nil {
		p.t.Fatal(err)
	}
	src := fmt.Sprintf(`(() => {
		const answers = %s;
		const real = window.fetch.bind(window);
		window.fetch = (input, init) => {
			const path = new URL(typeof input === 'string' ? input : input.url, location.href).pathname;
			if (path in answers) return Promise.resolve(new Response(JSON.stringify(answers[path]), { status: 200, headers: { 'Content-Type': 'application/json' } }));
			return real(input, init);
		};
	})()`, body)
	p.do("stub the API", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stubInstance is the instance API's answer for an instance of process version 1 with tokens at
// the active elements.
func stubInstance(id, process string, active []string, extra map[string]any) map[string]any {
	act := []map[string]any{}
	for _, a := range active {
		act = append(act, map[string]any{"element": a})
	}
	inst := map[string]any{"id": id, "process": process, "version": 1, "state": "active", "active": act,
		"variables": map[string]any{}, "history": []any{}, "incidents": []any{}, "created_at": "2026-01-02T10:00:00Z"}
	for k, v := range extra {
		inst[k] = v
	}
	return inst
}

// TestDiagramDrawsSubProcessesAndFollowsTokens opens instance pages of diagrams with every
// shape beyond tasks and plain gateways, and checks what each shape is called, the markers and
// symbols, the tokens (two on a parallel multi-instance task, one inside a collapsed
// sub-process), the links to the calling and called instances, and the way into the collapsed
// sub-process and back, by keyboard and by mouse.
func TestDiagramDrawsSubProcessesAndFollowsTokens(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	axeSource(t)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.stubAPI(map[string]any{
		"/api/v1/instances/fx1": stubInstance("fx1", "order", []string{"check", "check", "pack", "pack_box"}, map[string]any{
			"parent":   map[string]any{"instance": "fx0", "process": "shop", "version": 2, "element": "order_call", "state": "active"},
			"children": []any{map[string]any{"instance": "fx2", "process": "billing", "version": 1, "state": "active", "element": "bill"}},
			"history":  []any{map[string]any{"seq": 1, "at": "2026-01-02T10:00:00Z", "element": "start_msg", "event": "completed"}},
		}),
		"/api/v1/processes/order/versions/1": map[string]any{"number": 1, "bpmn": readFixture(t, "shapes.bpmn")},
		"/api/v1/instances/fx3": stubInstance("fx3", "errors", []string{"error-task"}, map[string]any{
			"parent": map[string]any{"instance": "fx1", "process": "order", "version": 1, "element": "call_errors", "state": "active"}}),
		"/api/v1/processes/errors/versions/1": map[string]any{"number": 1, "bpmn": readFixture(t, "event-subprocess-error.bpmn")},
		"/api/v1/instances/fx4":               stubInstance("fx4", "incl", nil, nil),
		"/api/v1/processes/incl/versions/1":   map[string]any{"number": 1, "bpmn": readFixture(t, "inclusive-gateway-plain-conditions.bpmn")},
	})

	admin.Open("/instances/fx1")
	admin.WaitFor(`.diagram svg[data-plane="order"] [data-element="check"].bpmn-active`)
	assertTitles(t, admin, map[string]string{
		"start_msg":   "Order placed (message start event)",
		"start_timer": "Every day (timer start event)",
		"sub":         "Check items (sub-process)",
		"check":       "Check one item (service task, parallel multi-instance, 2 tokens here)",
		"esc_throw":   "Late (escalation intermediate throw event)",
		"stock_err":   "Out of stock (error boundary event)",
		"err_end":     "Failed (error end event)",
		"incl":        "What next? (inclusive gateway)",
		"bill":        "Bill customer (call activity)",
		"pack":        "Pack (collapsed sub-process, 1 token here)",
		"link_out":    "To shipping (link intermediate throw event)",
		"link_in":     "Shipping (link intermediate catch event)",
		"on_late":     "When late (event sub-process)",
		"late_start":  "Late (escalation start event, non-interrupting)",
	})
	for sel, what := range map[string]string{
		`[data-element="check"] [data-marker="multi-parallel"]`:                       "the parallel multi-instance marker",
		`[data-element="pack"] [data-marker="collapsed"]`:                             "the collapsed sub-process's + marker",
		`[data-element="incl"] [data-marker="inclusive"]`:                             "the inclusive gateway's circle",
		`[data-element="bill"] rect.bpmn-call`:                                        "the call activity's thick border",
		`[data-element="on_late"] rect.bpmn-event-sub`:                                "the event sub-process's dotted border",
		`[data-element="start_timer"] [data-symbol="timer"]`:                          "the timer start event's clock",
		`[data-element="start_msg"] [data-symbol="message"]:not(.bpmn-symbol-filled)`: "the message start event's open envelope",
		`[data-element="err_end"] [data-symbol="error"].bpmn-symbol-filled`:           "the error end event's filled bolt",
		`[data-element="link_out"] [data-symbol="link"].bpmn-symbol-filled`:           "the link throw event's filled arrow",
		`[data-element="pack"].bpmn-active [data-tokens="1"]`:                         "the token of the collapsed sub-process",
		`[data-element="start_msg"].bpmn-completed`:                                   "the completed start event",
		`a[data-call="parent"][href="/instances/fx0"]`:                                "the link to the calling instance",
		`a[data-call="child"][href="/instances/fx2"]`:                                 "the link to the called instance",
	} {
		if !admin.Has(sel) {
			t.Errorf("the instance page lacks %s (%s)", what, sel)
		}
	}
	if got := admin.Text(`[data-call="child"]`); got != "billing v1 at bill (active)" {
		t.Errorf("the called instance reads %q, want its process, version, call activity and state", got)
	}
	admin.Audit("instance-with-sub-processes")
	admin.Shot("instance-sub-processes")

	// Down into the collapsed sub-process with its button, and back with the trail.
	admin.Click(`[data-drill="pack"]`)
	admin.WaitFor(`.diagram svg[data-plane="pack"] [data-element="pack_box"].bpmn-active [data-marker="multi-sequential"]`)
	admin.ExpectFocus(`[data-diagram-up="0"]`)
	assertTitles(t, admin, map[string]string{"pack_box": "Pack a box (user task, sequential multi-instance, 1 token here)"})
	if got := admin.Text(`.diagram-trail [aria-current="location"]`); got != "Pack" {
		t.Errorf("the trail ends at %q, want Pack", got)
	}
	admin.Audit("collapsed-sub-process")
	admin.Shot("collapsed-sub-process")
	admin.Press(kb.Enter)
	admin.WaitFor(`.diagram svg[data-plane="order"]`)
	admin.ExpectFocus(`[data-drill="pack"]`)
	// A click on the shape goes down too.
	admin.Click(`.diagram svg [data-element="pack"] rect`)
	admin.WaitFor(`.diagram svg[data-plane="pack"]`)
	admin.Click(`[data-diagram-up="0"]`)
	admin.WaitFor(`.diagram svg[data-plane="order"]`)

	admin.Open("/instances/fx3")
	admin.WaitFor(`.diagram svg [data-element="error-task"].bpmn-active`)
	assertTitles(t, admin, map[string]string{"error-sub-process": "error-sub-process (event sub-process)"})
	if !admin.Has(`[data-element="error-sub-process"] rect.bpmn-event-sub`) || !admin.Has(`a[data-call="parent"][href="/instances/fx1"]`) {
		t.Error("the event sub-process of the corpus file is not dotted, or its calling instance is not linked")
	}
	admin.Open("/instances/fx4")
	admin.WaitFor(`.diagram svg [data-element="Gateway_01wr5g0"] [data-marker="inclusive"]`)
	if admin.Has(`.diagram-nav button`) {
		t.Error("a diagram without collapsed sub-processes offers a way down")
	}
	drillInModeler(t, env, admin)
}

// drillInModeler opens the same file as a draft: the modeler (bpmn-js) opens the collapsed
// sub-process's level with the arrow on its shape and goes back with its trail, within the
// page's content security policy.
func drillInModeler(t *testing.T, env *servertest.Env, admin *Tab) {
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "shapes", "name": "Shapes", "bpmn": readFixture(t, "shapes.bpmn")}, 201, nil)
	admin.recordCSP()
	admin.Open("/admin/processes/shapes")
	admin.WaitFor(`[data-canvas] .bjs-drilldown`)
	admin.Click(`[data-canvas] .bjs-drilldown`)
	admin.WaitFor(`[data-canvas] [data-element-id="pack_box"]`)
	admin.WaitText(`[data-canvas] .bjs-breadcrumbs`, "Pack")
	admin.WaitText(panel+" .pp-title", "Sub process “Pack”")
	admin.Shot("modeler-collapsed-sub-process")
	admin.Click(`[data-canvas] .bjs-breadcrumbs li:first-child .bjs-crumb`)
	admin.WaitFor(`[data-canvas] [data-element-id="check"]`)
	if v := admin.cspViolations(); len(v) > 0 {
		t.Errorf("the modeler's way into a sub-process breaks the content security policy: %v", v)
	}
}

// assertTitles checks the accessible names of the shapes (their <title>) by element id.
func assertTitles(t *testing.T, p *Tab, want map[string]string) {
	t.Helper()
	var got map[string]string
	p.Eval(`Object.fromEntries([...document.querySelectorAll('.diagram svg [data-element]')].map((g) => [g.dataset.element, g.querySelector('title').textContent]))`, &got)
	for id, w := range want {
		if got[id] != w {
			t.Errorf("shape %s is called %q, want %q", id, got[id], w)
		}
	}
}
