package web_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server/servertest"
)

// writeWidget has a new widget customer write to a live chat and returns the session id.
func writeWidget(env *servertest.Env, liveChat, name, text string) string {
	env.T.Helper()
	var out struct {
		SessionID string `json:"session_id"`
	}
	env.MustDo("POST", "/api/v1/widget/"+liveChat+"/sessions", "", map[string]any{
		"customer": map[string]any{"name": name}, "text": text}, 201, &out)
	return out.SessionID
}

// failedLineID waits for the live chat's failed log line and returns its id.
func failedLineID(t *testing.T, env *servertest.Env, liveChat string) string {
	var log struct{ Items []struct{ ID, Reason string } }
	for deadline := time.Now().Add(10 * time.Second); len(log.Items) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		env.MustDo("GET", "/api/v1/livechats/"+liveChat+"/automation/log?outcome=failed", env.Admin, nil, 200, &log)
	}
	if len(log.Items) != 1 {
		t.Fatalf("failed lines %+v, want one", log.Items)
	}
	return log.Items[0].ID
}

// TestAdministratorTriesConditionAndRetriesFailedStart: an administrator adds a condition to a
// binding, tries it on the live chat's sessions (one would start, one be skipped) before
// saving it on; then the process is unpublished, a customer writes and the start fails; the
// process is published again, the administrator retries the line in the log, and exactly one
// instance starts.
func TestAdministratorTriesConditionAndRetriesFailedStart(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "refund", "name": "Refund request", "scope": "global",
		"variables": []map[string]any{{"name": "text", "type": "string", "required": true}}, "bpmn": leadDiagram}, 201, nil)
	env.MustDo("POST", "/api/v1/processes/refund/publish", env.Admin, nil, 201, nil)
	group := env.Group("Support operators")
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Support",
		"operator_groups": []string{group}, "supervisor_groups": []string{group}}, 201, &lc)
	writeWidget(env, lc.ID, "Ann Hello", "hello, a question about opening hours")
	writeWidget(env, lc.ID, "Bob Refund", "I want a refund for my order")

	b := startBrowser(t, env.URL)
	admin := b.Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/livechats/" + lc.ID + "#automation")
	admin.Click(`tr[data-event="message_received"] [data-action="select"]`)
	admin.Click(`dialog [data-code="refund"]`)
	admin.WaitGone("dialog")
	admin.Click(`tr[data-event="message_received"] [data-action="configure"]`)
	admin.Choose(`dialog select[name="inputs.text"]`, "Last message text")
	if !admin.Has(`dialog datalist option[value="channel.type"]`) || !admin.Has(`dialog [data-condition-properties] [data-path="customer.phone"]`) {
		t.Fatal("the condition editor does not offer the Live Chats properties")
	}
	admin.Fill(`dialog [name=condition]`, `lastMessage.text contans "refund"`)
	admin.Click(`dialog [data-action="dry-run"]`)
	admin.WaitText(`dialog [data-condition] .field-error`, "not a true/false expression")
	admin.Fill(`dialog [name=condition]`, ``)
	admin.Click(`dialog [data-condition-properties] [data-path="lastMessage.text"]`)
	var typed bool
	admin.Eval(`(() => { const i = document.querySelector('dialog [name=condition]'); i.value += ' contains "refund"'; return true })()`, &typed)
	admin.Click(`dialog [data-action="dry-run"]`)
	admin.WaitText(`dialog [data-dry-run] tr[data-outcome="would_start"]`, "Bob Refund")
	admin.WaitText(`dialog [data-dry-run] tr[data-outcome="would_start"]`, "I want a refund for my order")
	admin.WaitText(`dialog [data-dry-run] tr[data-outcome="skipped"]`, "condition false")
	admin.WaitText(`dialog [data-dry-run] [data-summary]`, "1 would start, 1 would be skipped")
	admin.Shot("dry-run")
	admin.ClickText("dialog button", "Save")
	admin.WaitGone("dialog")
	admin.WaitText(`tr[data-event="message_received"] [data-condition-shown]`, `lastMessage.text contains "refund"`)
	admin.WaitText(`tr[data-event="message_received"] .switch`, "On")
	// Off and on again with the toggle: the condition stays with the binding.
	admin.Click(`tr[data-event="message_received"] [data-action="enabled"]`)
	admin.WaitText(`tr[data-event="message_received"] .switch`, "Off")
	admin.Click(`tr[data-event="message_received"] [data-action="enabled"]`)
	admin.WaitText(`tr[data-event="message_received"] .switch`, "On")
	admin.WaitText(`tr[data-event="message_received"] [data-condition-shown]`, `lastMessage.text contains "refund"`)
	if n := countInstances(env, lc.ID); n != 0 {
		t.Fatalf("trying and saving the binding started %d instances", n)
	}

	env.MustDo("POST", "/api/v1/processes/refund/unpublish", env.Admin, nil, 200, nil)
	carl := writeWidget(env, lc.ID, "Carl Customer", "refund, please")
	line := failedLineID(t, env, lc.ID)
	env.MustDo("POST", "/api/v1/processes/refund/publish", env.Admin, nil, 201, nil)

	admin.Open("/admin/livechats/" + lc.ID + "/log")
	row := `[data-log] tr[data-line="` + line + `"]`
	admin.WaitText(row+` a[data-session]`, "Carl Customer")
	admin.Choose("[data-log-filter] select[name=event]", "Message received")
	admin.WaitFor(`[data-action="retry-all"]`)
	admin.Shot("log-failed")
	admin.Click(row + ` [data-action="retry"]`)
	admin.WaitFor(`[data-log] tr[data-line="` + line + `"][data-outcome="started"] [data-instance]`)
	admin.Shot("log-retried")
	if admin.Has(row + ` [data-action="retry"]`) {
		t.Fatal("a started line still offers Retry")
	}
	var procs struct{ Items []struct{ ID string } }
	env.MustDo("GET", "/api/v1/sessions/"+carl+"/processes", env.Admin, nil, 200, &procs)
	if len(procs.Items) != 1 || countInstances(env, lc.ID) != 1 {
		t.Fatalf("after the retry Carl's session has %d instances (%d in all), want exactly 1", len(procs.Items), countInstances(env, lc.ID))
	}
}

// countInstances counts the instances linked to the live chat's sessions.
func countInstances(env *servertest.Env, liveChat string) int {
	env.T.Helper()
	var sessions struct{ Items []struct{ ID string } }
	env.MustDo("GET", "/api/v1/sessions?livechat="+liveChat, env.Admin, nil, 200, &sessions)
	n := 0
	for _, sess := range sessions.Items {
		var procs struct{ Items []struct{ ID string } }
		env.MustDo("GET", "/api/v1/sessions/"+sess.ID+"/processes", env.Admin, nil, 200, &procs)
		n += len(procs.Items)
	}
	return n
}
