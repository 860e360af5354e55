package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/parleychat/parley/internal/server/servertest"
)

// Upload sets the file of the file input matching sel, as a person choosing it would.
func (p *Tab) Upload(sel, file string) {
	p.t.Helper()
	p.do("upload "+file+" into "+sel, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{file}, chromedp.NodeVisible))
}

// TestProcessPagesDrawDiagrams creates a process with the form (variables and an uploaded
// BPMN file), publishes it, and checks the diagram of the process and of a running instance.
func TestProcessPagesDrawDiagrams(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	file := filepath.Join(t.TempDir(), "lead.bpmn")
	if err := os.WriteFile(file, []byte(leadDiagram), 0o644); err != nil {
		t.Fatal(err)
	}
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/processes")
	createProcessThroughForm(admin, file)

	admin.WaitFor(".djs-container svg")
	assertModeled(t, admin, 4, 3)
	admin.Shot("process")
	admin.ClickText("button", "Publish")
	admin.WaitText("[data-publish-result]", "Version 1 published")
	admin.Shot("published")

	var inst struct{ ID string }
	env.MustDo("POST", "/api/v1/processes/lead/instances", env.Admin, map[string]any{"inputs": map[string]any{"name": "Ann"}}, 201, &inst)
	admin.Open("/instances/" + inst.ID)
	admin.WaitFor(".diagram svg")
	assertDiagram(t, admin)
	if !admin.Has(`[data-element="call"].bpmn-active`) || !admin.Has(`[data-element="start"].bpmn-completed`) {
		t.Fatal("the instance's diagram does not mark the waiting task active and the start event completed")
	}
	if admin.Has(`[data-element="end"].bpmn-active, [data-element="end"].bpmn-completed`) {
		t.Fatal("the end event, never reached, is highlighted")
	}
	admin.WaitText(`[data-variables] tr[data-variable="name"]`, "Ann")
	admin.Shot("instance")
	drawPrefixedDiagram(t, env, admin)
}

// drawPrefixedDiagram opens the draft of a bpmn-js file, whose elements carry the bpmn: prefix
// and whose shapes have label bounds, and counts what was drawn against the file.
func drawPrefixedDiagram(t *testing.T, env *servertest.Env, admin *Tab) {
	xml, err := os.ReadFile("../process/testdata/review-with-reminder.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "review", "name": "Review", "bpmn": string(xml)}, 201, nil)
	admin.Open("/admin/processes/review")
	admin.WaitFor(".djs-container svg")
	assertModeled(t, admin, strings.Count(string(xml), "<bpmndi:BPMNShape "), strings.Count(string(xml), "<bpmndi:BPMNEdge "))
	admin.Shot("prefixed-diagram")
	importAndDownload(t, admin)
}

// createProcessThroughForm fills "+ Process": a variable with a bad name first, which the
// API refuses beside that row, then the three variables and the BPMN file.
func createProcessThroughForm(admin *Tab, file string) {
	admin.ClickText("button", "+ Process")
	admin.Fill("dialog [name=code]", "lead")
	admin.Fill("dialog [name=name]", "Lead intake")
	for range 3 {
		admin.Click(`dialog [data-action="add-variable"]`)
	}
	admin.Fill(`dialog [name="variables[0].name"]`, "1name")
	admin.ClickText("dialog button", "Create draft")
	admin.WaitFor(`dialog [name="variables[0].name"] ~ .field-error`)
	admin.Shot("process-form-error")

	admin.Fill(`dialog [name="variables[0].name"]`, "name")
	admin.Click(`dialog [name="variables[0].required"]`)
	admin.Fill(`dialog [name="variables[1].name"]`, "phone")
	admin.Fill(`dialog [name="variables[1].type"]`, "phone")
	admin.Fill(`dialog [name="variables[2].name"]`, "note")
	admin.Upload("dialog [name=bpmn_file]", file)
	admin.ClickText("dialog button", "Create draft")
	admin.WaitText("[data-title]", "Lead intake")
}

// assertDiagram checks that the page drew one shape per BPMN element and one line per flow,
// and the exclusive gateway's marker.
func assertDiagram(t *testing.T, admin *Tab) {
	t.Helper()
	var shapes, flows int
	admin.Eval(`document.querySelectorAll('.diagram svg [data-element]').length`, &shapes)
	admin.Eval(`document.querySelectorAll('.diagram svg [data-flow] polyline').length`, &flows)
	if shapes != 4 || flows != 3 {
		t.Fatalf("the diagram has %d shapes and %d flows, want 4 and 3", shapes, flows)
	}
	if got := admin.Text(`.diagram svg [data-element="done"] .bpmn-marker`); got != "X" {
		t.Fatalf("the exclusive gateway's marker is %q", got)
	}
}

// assertModeled checks that the process page's modeler drew the shapes and flows of the draft.
func assertModeled(t *testing.T, admin *Tab, shapes, flows int) {
	t.Helper()
	var got [2]int
	admin.Eval(`[document.querySelectorAll('[data-canvas] .djs-shape:not([data-element-id$="_label"])').length, document.querySelectorAll('[data-canvas] .djs-connection').length]`, &got)
	if got != [2]int{shapes, flows} {
		t.Fatalf("the modeler drew %d shapes and %d flows, want %d and %d", got[0], got[1], shapes, flows)
	}
}

// importAndDownload replaces the modeler's diagram with a file through "Import .bpmn", then
// saves it with "Download .bpmn": the file holds the imported process, as bpmn-js writes it.
func importAndDownload(t *testing.T, admin *Tab) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "lead.bpmn")
	if err := os.WriteFile(file, []byte(leadDiagram), 0o644); err != nil {
		t.Fatal(err)
	}
	admin.Upload("[data-import]", file)
	admin.WaitFor(`[data-canvas] [data-element-id="done"]`)
	assertModeled(t, admin, 4, 3)
	admin.WaitText("[data-publish-state]", "Unsaved changes")

	allow := browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		BrowserContextID: chromedp.FromContext(admin.ctx).BrowserContextID}
	if _, err := chromedp.Call(admin.ctx, browser.SetDownloadBehavior, allow); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	admin.Click(`[data-action="download"]`)
	saved := filepath.Join(dir, "review.bpmn")
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, _ = os.ReadFile(saved); strings.Contains(string(got), "</bpmn:definitions>") {
			break
		}
	}
	if !strings.Contains(string(got), `id="done"`) || !strings.Contains(string(got), "parley:") {
		t.Fatalf("the downloaded file is not the imported diagram with its parley: elements:\n%s", got)
	}
}
