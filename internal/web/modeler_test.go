package web_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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

// TestModelerBuildsPublishesAndStarts is issue 14's story in the browser: a new process is
// drawn in the modeler (a task from the palette made a user task, connected, named), the
// check marks the task that leads nowhere and the mark goes once an end event follows it;
// a variable is declared, the draft saved and published in one click each, the process
// bound to a live chat, and a customer's first message starts it. No step may break the
// page's content security policy.
func TestModelerBuildsPublishesAndStarts(t *testing.T) {
	servertest.Each(t, servertest.Options{}, buildPublishAndStart)
}

func buildPublishAndStart(t *testing.T, env *servertest.Env) {
	ops := env.Group("Support operators")
	sups := env.Group("Support supervisors")
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Website", "operator_groups": []string{ops}, "supervisor_groups": []string{sups}}, 201, &lc)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.recordCSP()
	admin.Login("admin", servertest.AdminPassword)

	admin.Open("/admin/processes")
	admin.ClickText("button", "+ Process")
	admin.Fill("dialog [name=code]", "callback")
	admin.Fill("dialog [name=name]", "Call back")
	admin.ClickText("dialog button", "Create draft")
	admin.WaitFor(".djs-palette")
	admin.WaitText("[data-problems-title]", "problem")
	task := drawUserTask(t, admin)
	markedAndFixed(t, admin)
	assignAndDeclare(admin, task)
	admin.Audit("modeler")

	admin.Click(`[data-action="save"]`)
	admin.WaitText("[data-publish-state]", "Saved.")
	admin.Click(`[data-action="publish"]`)
	admin.WaitText("[data-publish-result]", "Version 1 published.")
	admin.WaitFor(`[data-view="left"][data-shown="1"] .djs-container svg`)
	admin.WaitFor(`[data-view="right"][data-shown="draft"] .djs-container svg`)
	admin.Shot("published")
	if v := admin.cspViolations(); len(v) > 0 {
		t.Fatalf("the modeler broke the page's content security policy: %v", v)
	}

	bindThroughLiveChat(admin, lc.ID)
	admin.Open("/admin/processes/callback")
	admin.WaitText(`[data-bindings] tr[data-binding="`+lc.ID+` session_created"]`, "Starts it")
	admin.Shot("bound")

	session := writeWidget(env, lc.ID, "Ann Customer", "Please call me")
	var started []struct{ ID, Process, State string }
	for deadline := time.Now().Add(10 * time.Second); len(started) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var list struct {
			Items []struct{ ID, Process, State string }
		}
		env.MustDo("GET", "/api/v1/sessions/"+session+"/processes", env.Admin, nil, 200, &list)
		started = list.Items
	}
	if len(started) != 1 || started[0].Process != "callback" {
		t.Fatalf("the customer's message started %+v, want the drawn process", started)
	}
	var inst struct {
		Variables map[string]any
		Active    []struct{ Element string }
	}
	env.MustDo("GET", "/api/v1/instances/"+started[0].ID, env.Admin, nil, 200, &inst)
	if inst.Variables["customer_name"] != "Ann Customer" || len(inst.Active) != 1 || inst.Active[0].Element != task {
		t.Fatalf("the started instance is %+v, want it waiting at %s with the customer's name", inst, task)
	}
	breakTheBinding(admin)
}

// breakTheBinding makes the mapped variable an integer: the check warns, before anything is
// published, that the binding would no longer fit; publishing goes ahead with the same
// warning, as the API decides, and the page lists the binding as broken.
func breakTheBinding(admin *Tab) {
	admin.WaitTrue(`document.querySelector('` + panel + `') && document.querySelector('` + panel + `').dataset.loaded === 'true'`)
	admin.choose("vars.0.type", "integer")
	admin.WaitText("[data-check-warnings]", "version 2 of callback breaks the mapping")
	admin.Click(`[data-action="publish"]`)
	admin.WaitText("[data-publish-result] [data-warnings]", "breaks the mapping")
	admin.WaitText(`[data-bindings] [data-broken]`, "Broken")
	admin.WaitText(`[data-bindings]`, "Website")
	admin.Shot("binding-broken")
}

// assignAndDeclare gives the user task to the session's operator and declares the process's
// customer_name variable, both in the properties panel; the page's variables follow.
func assignAndDeclare(admin *Tab, task string) {
	admin.centerCanvas()
	admin.WaitTrue(`document.querySelector('` + panel + `') && document.querySelector('` + panel + `').dataset.loaded === 'true'`)
	admin.selectShape(task)
	admin.choose("assignee.kind", "The operator of the linked session")
	// A click on the empty canvas selects nothing: the panel shows the process.
	x, y := admin.emptyCanvasPoint()
	admin.edit(func() { admin.mouse(x, y, true) })
	admin.edit(func() { admin.Click(key("vars.add")) })
	admin.enter("vars.0.name", "customer_name")
	admin.WaitFor(`[data-variables] tr[data-variable="customer_name"]`)
	admin.WaitText("[data-problems-title]", "No problems")
	admin.WaitText("[data-publish-state]", "Unsaved changes")
	admin.Shot("assigned-declared")
}

// bindThroughLiveChat binds the process to the live chat's session_created event on its
// Business Processes tab, mapping the customer's name.
func bindThroughLiveChat(admin *Tab, id string) {
	admin.Open("/admin/livechats/" + id + "#automation")
	admin.Click(`tr[data-event="session_created"] [data-action="select"]`)
	admin.Click(`dialog [data-code="callback"]`)
	admin.WaitGone("dialog")
	admin.Click(`tr[data-event="session_created"] [data-action="configure"]`)
	admin.Choose(`dialog select[name="inputs.customer_name"]`, "Customer name")
	admin.ClickText("dialog button", "Save")
	admin.WaitGone("dialog")
	admin.WaitText(`tr[data-event="session_created"]`, "1 mapped")
}

// drawUserTask takes a task from the palette with the mouse, places it right of the start
// event, makes it a user task with its context pad's Change type menu, names it by typing on
// it, and connects the start event to it with the context pad's connect tool.
func drawUserTask(t *testing.T, admin *Tab) string {
	t.Helper()
	admin.centerCanvas()
	sx, sy := admin.center(`.djs-element[data-element-id="start"]`)
	px, py := admin.center(`.djs-palette [data-action="create.task"]`)
	admin.drag(px, py, sx+200, sy)
	admin.WaitFor(`.djs-shape.selected[data-element-id^="Activity_"]`)
	var task string
	admin.Eval(`document.querySelector('.djs-shape.selected').dataset.elementId`, &task)
	admin.clickAt(`.djs-context-pad [data-action="replace"]`)
	// The Change type menu opens with its search focused: typing filters, Enter takes the first.
	admin.WaitFor(`.djs-popup [data-id="replace-with-user-task"]`)
	admin.Press("User task")
	admin.Press(kb.Enter)
	admin.WaitTrue(fmt.Sprintf(`window.parleyModeler.get('elementRegistry').get(%q).type === 'bpmn:UserTask'`, task))

	// Select the start event as a click on it does, and wait until the context pad is the start
	// event's: clicking the pad while it still belongs to the task would connect the task to
	// itself.
	var selected bool
	admin.Eval(`(() => { const m = window.parleyModeler; m.get('selection').select(m.get('elementRegistry').get('start')); return true; })()`, &selected)
	admin.WaitTrue(`(() => { const p = window.parleyModeler.get('contextPad'); return !!p.isOpen && p.isOpen(window.parleyModeler.get('elementRegistry').get('start')); })()`)
	admin.clickAt(`.djs-context-pad [data-action="connect"]`)
	admin.clickAt(fmt.Sprintf(`.djs-element[data-element-id=%q]`, task))
	admin.WaitTrue(fmt.Sprintf(`window.parleyModeler.get('elementRegistry').get(%q).incoming.length === 1`, task))
	admin.Shot("user-task")
	return task
}

// markedAndFixed waits for the check to mark the user task, which leads nowhere, selects it
// from the list of problems, and appends an end event with its context pad: the marks go
// and Publish is enabled.
func markedAndFixed(t *testing.T, admin *Tab) {
	t.Helper()
	// The marks of a check of the diagram before its last change stay until the newest check
	// answers; the state line says "Checking the draft…" until then.
	admin.WaitText("[data-publish-state]", "Publishing is blocked")
	admin.WaitFor(`.djs-shape.has-problem[data-element-id^="Activity_"]`)
	admin.WaitText(`.problem-overlay`, "no outgoing flow")
	if !admin.Has(`[data-action="publish"][disabled]`) {
		t.Fatal("Publish is enabled while problems are marked")
	}
	admin.Shot("problem-marked")
	appendEndEventFromList(admin)
	admin.WaitText("[data-problems-title]", "No problems")
	if admin.Has(".has-problem, .problem-overlay") {
		t.Fatal("a mark stayed after its problem was fixed")
	}
	admin.WaitFor(`[data-action="publish"]:not([disabled])`)

	// The keyboard works on the canvas once it has the focus: Ctrl+Z takes the end event back,
	// and the check marks the task again; Ctrl+Y puts it back.
	admin.WaitTrue(`(window.parleyModeler.get('canvas').focus(), window.parleyModeler.get('canvas').isFocused())`)
	admin.Press("z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	admin.WaitFor(`.djs-shape.has-problem[data-element-id^="Activity_"]`)
	admin.Press("y", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	admin.WaitText("[data-problems-title]", "No problems")
}

// appendEndEventFromList selects the marked task from the problem list and appends an end
// event from its context pad. Selecting from the list scrolls the canvas, and the pad follows
// only when the canvas's debounced viewbox change fires; under load a click can still land
// where the pad was, which deselects the task and appends nothing. A person clicks again:
// so does this, at most three times, and the story fails if no end event ever appears.
func appendEndEventFromList(admin *Tab) {
	appended := `window.parleyModeler.get('elementRegistry').filter((e) => e.type === 'bpmn:EndEvent').length > 0`
	for range 3 {
		admin.Click(`[data-problems] [data-problem^="Activity_"] button`)
		admin.WaitFor(`.djs-shape.selected[data-element-id^="Activity_"]`)
		admin.clickAt(`.djs-context-pad [data-action="append.end-event"]`)
		if admin.pollWithin(appended, 3*time.Second) {
			return
		}
	}
	admin.fail("append an end event from the context pad", fmt.Errorf("three clicks on the pad's end event appended none"))
}

// center returns the middle of the first element matching sel in the viewport's coordinates,
// after scrolling it into view.
func (p *Tab) center(sel string) (x, y float64) {
	p.t.Helper()
	var r struct{ X, Y float64 }
	s, _ := json.Marshal(sel)
	p.Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.scrollIntoView({block: 'nearest'});
  const b = e.getBoundingClientRect(); return {x: b.x + b.width / 2, y: b.y + b.height / 2}; })()`, s), &r)
	return r.X, r.Y
}

// mouse moves the mouse to (x, y) in a few steps, as a hand would, then presses and
// releases it there when click is set. diagram-js follows the moves to place what is dragged.
func (p *Tab) mouse(x, y float64, click bool) {
	p.t.Helper()
	var fromX, fromY float64
	p.Eval(`[window.lastMouseX || 0, window.lastMouseY || 0]`, &[]*float64{&fromX, &fromY})
	steps := []chromedp.Action[chromedp.Void]{}
	for i := 1; i <= 5; i++ {
		f := float64(i) / 5
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, fromX+(x-fromX)*f, fromY+(y-fromY)*f))
	}
	if click {
		steps = append(steps, chromedp.MouseClickXY(x, y))
	}
	p.do(fmt.Sprintf("mouse to %.0f,%.0f", x, y), steps...)
	var moved bool
	p.Eval(fmt.Sprintf(`(window.lastMouseX = %f, window.lastMouseY = %f, true)`, x, y), &moved)
}

// clickAt clicks the middle of the element matching sel with the mouse.
//
// It clicks only once the element has stayed where it is for a while. Selecting from the
// problem list scrolls the canvas to the element, and diagram-js moves the context pad only
// once a scroll has settled (its viewbox "changed" event, 300 ms after the last change): a
// click aimed where the pad was before landed on the empty canvas, which took the selection
// away instead.
func (p *Tab) clickAt(sel string) {
	p.t.Helper()
	p.WaitFor(sel)
	p.center(sel) // scrolls it into view
	p.waitSteady(sel)
	x, y := p.center(sel)
	p.mouse(x, y, true)
}

// waitSteady waits until the first element matching sel has kept its place and size on the
// screen for half a second.
func (p *Tab) waitSteady(sel string) {
	p.t.Helper()
	s := jsString(sel)
	var reset bool
	p.Eval(fmt.Sprintf(`((window.steadyRects = window.steadyRects || {}), delete window.steadyRects[%s], true)`, s), &reset)
	p.WaitTrue(fmt.Sprintf(`(() => { const e = document.querySelector(%[1]s); if (!e) return false;
  const b = e.getBoundingClientRect(), at = [b.x, b.y, b.width, b.height].join(), now = performance.now(), seen = window.steadyRects[%[1]s];
  if (!seen || seen.at !== at) { window.steadyRects[%[1]s] = { at, since: now }; return false; }
  return now - seen.since >= 500; })()`, s))
}

// drag presses the left button at (fromX, fromY), moves with it held to (toX, toY) and
// releases it there: a person dragging an entry of the palette onto the canvas.
func (p *Tab) drag(fromX, fromY, toX, toY float64) {
	p.t.Helper()
	held := func(e *input.DispatchMouseEventParams) {
		e.Button, e.Buttons, e.ClickCount = input.MouseButtonLeft, 1, 1
	}
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, fromX, fromY),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, fromX, fromY, held),
	}
	for i := 1; i <= 10; i++ {
		f := float64(i) / 10
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, fromX+(toX-fromX)*f, fromY+(toY-fromY)*f, held))
	}
	steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, toX, toY, held))
	p.do(fmt.Sprintf("drag from %.0f,%.0f to %.0f,%.0f", fromX, fromY, toX, toY), steps...)
	var moved bool
	p.Eval(fmt.Sprintf(`(window.lastMouseX = %f, window.lastMouseY = %f, true)`, toX, toY), &moved)
}

// emptyCanvasPoint returns a point of the canvas inside the window where nothing is drawn:
// no shape, flow, label, palette or overlay takes a click there. A fixed offset from the
// canvas's edge is not enough: the page may have scrolled the edge out of the window, or a
// shape may lie there.
func (p *Tab) emptyCanvasPoint() (float64, float64) {
	p.t.Helper()
	p.centerCanvas()
	var at *struct{ X, Y float64 }
	p.Eval(`(() => {
		const canvas = document.querySelector('[data-canvas]');
		const b = canvas.getBoundingClientRect();
		const top = Math.max(b.top, 0) + 20, bottom = Math.min(b.bottom, window.innerHeight) - 20;
		const left = Math.max(b.left, 0) + 20, right = Math.min(b.right, window.innerWidth) - 20;
		for (let y = bottom; y >= top; y -= 15) {
			for (let x = right; x >= left; x -= 15) {
				const e = document.elementFromPoint(x, y);
				if (!e || !canvas.contains(e)) continue;
				if (e.closest('.djs-element, .djs-overlay, .djs-palette, .djs-context-pad, button, a, input, select')) continue;
				return { x, y };
			}
		}
		return null;
	})()`, &at)
	if at == nil {
		p.t.Fatalf("%s: the canvas has no empty point inside the window", p.name)
	}
	return at.X, at.Y
}

// centerCanvas scrolls the modeler to the middle of the window, clear of the sticky top bar,
// which would otherwise take the clicks meant for shapes under it.
func (p *Tab) centerCanvas() {
	p.t.Helper()
	var done bool
	p.Eval(`(document.querySelector('[data-canvas]').scrollIntoView({block: 'center'}), true)`, &done)
}
