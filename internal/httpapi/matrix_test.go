package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// The roles of the access matrix, in the order of each row's cells. "A" is the live chat the
// row's resources belong to (its session, instance, task and http channel); "B" is another.
var matrixRoles = []string{
	"nobody", "B's visitor", "A's visitor", "B's channel key", "A's channel key", "worker key",
	"operator of B", "offline operator of A", "online operator of A", "supervisor of A", "administrator",
}

// A cell is an exact status ("404"), "2xx" for any success, or "pass" for a call the policy
// let through whose answer depends on what an earlier cell of the row changed (2xx, 400, 409
// or 422: the session is already closed, the task already completed).
const (
	everyone  = "2xx 2xx 2xx 2xx 2xx 2xx 2xx 2xx 2xx 2xx 2xx"
	staffOnly = "401 401 401 401 401 401 2xx 2xx 2xx 2xx 2xx"
	adminOnly = "401 401 401 401 401 401 403 403 403 403 2xx"
	// chatReaders read A's sessions: its staff of any presence and administrators. Another
	// live chat's operator is told the session does not exist.
	chatReaders = "401 401 401 401 401 401 404 2xx 2xx 2xx 2xx"
)

// matrixRow is one route of the table: the route as registered, the concrete path (with
// placeholders the world fills in), the body, and the expected answer per role.
type matrixRow struct {
	route, path string
	body        any
	want        string
	// prepare makes what the row acts on (a spam session to unspam, a key to revoke).
	prepare func(w *matrixWorld)
	// each, when set, runs before every cell (a new job for each caller to complete).
	each func(w *matrixWorld)
	// after repairs what the row's calls changed for the next rows (revoked tokens).
	after func(w *matrixWorld)
}

func matrixRows() []matrixRow {
	spam := func(w *matrixWorld) {
		w.env.MustDo("POST", w.fill("/api/v1/sessions/{sess}/spam"), w.env.Admin, nil, 200, nil)
	}
	return []matrixRow{
		{route: "GET /healthz", want: everyone},
		{route: "GET /readyz", want: everyone},
		{route: "GET /api/v1/openapi.json", want: everyone},
		{route: "POST /api/v1/auth/login", body: map[string]any{"login": "mallory", "password": "mallory-password"}, want: everyone},
		{route: "POST /api/v1/auth/logout", want: staffOnly, after: (*matrixWorld).login},
		{route: "GET /api/v1/me", want: staffOnly},
		{route: "PUT /api/v1/me/presence", body: map[string]any{"presence": "away"}, want: staffOnly, after: (*matrixWorld).presences},

		{route: "GET /api/v1/users", want: staffOnly},
		{route: "POST /api/v1/users", body: map[string]any{"login": "newbie", "display_name": "N", "password": "newbie-password"}, want: adminOnly},
		{route: "GET /api/v1/users/{id}", path: "/api/v1/users/{user}", want: staffOnly},
		{route: "PATCH /api/v1/users/{id}", path: "/api/v1/users/{user}", body: map[string]any{"display_name": "M"}, want: adminOnly},
		{route: "DELETE /api/v1/users/{id}", path: "/api/v1/users/{xuser}", want: adminOnly, prepare: (*matrixWorld).throwawayUser},
		{route: "GET /api/v1/groups", want: staffOnly},
		{route: "POST /api/v1/groups", body: map[string]any{"name": "Newcomers"}, want: adminOnly},
		{route: "GET /api/v1/groups/{id}", path: "/api/v1/groups/{group}", want: staffOnly},
		{route: "PUT /api/v1/groups/{id}/members/{userId}", path: "/api/v1/groups/{group}/members/{user}", want: adminOnly},
		{route: "DELETE /api/v1/groups/{id}/members/{userId}", path: "/api/v1/groups/{group}/members/{user}", want: adminOnly,
			prepare: func(w *matrixWorld) {
				w.env.MustDo("PUT", w.fill("/api/v1/groups/{group}/members/{user}"), w.env.Admin, nil, 204, nil)
			}},
		{route: "GET /api/v1/worker-keys", want: adminOnly},
		{route: "GET /api/v1/audit", path: "/api/v1/audit?target_kind=livechat", want: adminOnly},
		{route: "POST /api/v1/worker-keys", body: map[string]any{"name": "spare"}, want: adminOnly},
		{route: "DELETE /api/v1/worker-keys/{id}", path: "/api/v1/worker-keys/{xkey}", want: adminOnly, prepare: (*matrixWorld).throwawayKey},

		{route: "GET /api/v1/livechats", want: staffOnly},
		{route: "POST /api/v1/livechats", body: w0chat("New"), want: adminOnly},
		{route: "GET /api/v1/livechats/{id}", path: "/api/v1/livechats/{A}", want: "401 401 401 401 401 401 403 2xx 2xx 2xx 2xx"},
		{route: "PATCH /api/v1/livechats/{id}", path: "/api/v1/livechats/{A}", body: map[string]any{"description": "d"}, want: adminOnly},
		{route: "DELETE /api/v1/livechats/{id}", path: "/api/v1/livechats/{C}", want: adminOnly, prepare: (*matrixWorld).throwawayChat},
		{route: "GET /api/v1/livechats/properties", want: staffOnly},
		{route: "GET /api/v1/livechats/{id}/routing", path: "/api/v1/livechats/{A}/routing", want: "401 401 401 401 401 401 403 2xx 2xx 2xx 2xx"},
		{route: "PUT /api/v1/livechats/{id}/routing", path: "/api/v1/livechats/{A}/routing", body: map[string]any{"mode": "manual", "max_open": 0, "reassign_after": 0}, want: adminOnly},
		{route: "GET /api/v1/livechats/{id}/working-hours", path: "/api/v1/livechats/{A}/working-hours", want: "401 401 401 401 401 401 403 2xx 2xx 2xx 2xx"},
		{route: "PUT /api/v1/livechats/{id}/working-hours", path: "/api/v1/livechats/{A}/working-hours", body: map[string]any{"enabled": false}, want: adminOnly},
		{route: "GET /api/v1/livechats/{id}/canned-responses", path: "/api/v1/livechats/{A}/canned-responses", want: "401 401 401 401 401 401 403 2xx 2xx 2xx 2xx"},
		// Supervisors keep their own live chat's canned responses; the global ones are administrators'.
		{route: "POST /api/v1/livechats/{id}/canned-responses", path: "/api/v1/livechats/{A}/canned-responses", body: map[string]any{"title": "Hi", "text": "Hello"}, want: "401 401 401 401 401 401 403 403 403 2xx 2xx"},
		{route: "POST /api/v1/canned-responses", body: map[string]any{"title": "Hi", "text": "Hello"}, want: adminOnly},
		{route: "PUT /api/v1/canned-responses/{cannedId}", path: "/api/v1/canned-responses/{cannedA}", body: map[string]any{"title": "Hi", "text": "Hello again"},
			want: "401 401 401 401 401 401 403 403 403 2xx 2xx", prepare: (*matrixWorld).cannedInA},
		{route: "DELETE /api/v1/canned-responses/{cannedId}", path: "/api/v1/canned-responses/{cannedA}",
			want: "401 401 401 401 401 401 403 403 403 2xx 2xx", each: (*matrixWorld).cannedInA},
		{route: "GET /api/v1/livechats/{id}/automation", path: "/api/v1/livechats/{A}/automation", want: adminOnly},
		{route: "PUT /api/v1/livechats/{id}/automation/settings", path: "/api/v1/livechats/{A}/automation/settings", body: map[string]any{"verbose_log": false}, want: adminOnly},
		{route: "PUT /api/v1/livechats/{id}/automation/{event}", path: "/api/v1/livechats/{A}/automation/session_closed", body: map[string]any{"process": "done", "inputs": map[string]any{}}, want: adminOnly},
		{route: "DELETE /api/v1/livechats/{id}/automation/{event}", path: "/api/v1/livechats/{A}/automation/session_closed", want: adminOnly,
			prepare: func(w *matrixWorld) {
				w.env.MustDo("PUT", w.fill("/api/v1/livechats/{A}/automation/session_closed"), w.env.Admin, map[string]any{"process": "done", "inputs": map[string]any{}}, 200, nil)
			}},
		{route: "GET /api/v1/livechats/{id}/automation/log", path: "/api/v1/livechats/{A}/automation/log", want: adminOnly},
		{route: "GET /api/v1/livechats/{id}/automation/log.csv", path: "/api/v1/livechats/{A}/automation/log.csv", want: adminOnly},
		// No failed line exists here: the administrator is let through to "no such line".
		{route: "POST /api/v1/livechats/{id}/automation/log/{line}/retry", path: "/api/v1/livechats/{A}/automation/log/alg_unknown/retry", want: "401 401 401 401 401 401 403 403 403 403 404"},
		{route: "POST /api/v1/livechats/{id}/automation/{event}/retry", path: "/api/v1/livechats/{A}/automation/session_closed/retry", want: adminOnly},
		{route: "POST /api/v1/livechats/{id}/automation/{event}/dry-run", path: "/api/v1/livechats/{A}/automation/session_closed/dry-run", body: map[string]any{"process": "done", "inputs": map[string]any{}}, want: adminOnly},
		{route: "GET /api/v1/livechats/{id}/channels", path: "/api/v1/livechats/{A}/channels", want: adminOnly},
		{route: "POST /api/v1/livechats/{id}/channels", path: "/api/v1/livechats/{A}/channels", body: map[string]any{"type": "http", "name": "Another"}, want: adminOnly},
		{route: "PATCH /api/v1/livechats/{id}/channels/{channelId}", path: "/api/v1/livechats/{A}/channels/{chanA}", body: map[string]any{"name": "Messenger"}, want: adminOnly},
		{route: "DELETE /api/v1/livechats/{id}/channels/{channelId}", path: "/api/v1/livechats/{A}/channels/{xchan}", want: adminOnly, prepare: (*matrixWorld).throwawayChannel},
		{route: "GET /api/v1/livechats/{id}/channels/{channelId}/deliveries", path: "/api/v1/livechats/{A}/channels/{chanA}/deliveries", want: adminOnly},
		{route: "POST /api/v1/livechats/{id}/channels/{channelId}/webhook-secret", path: "/api/v1/livechats/{A}/channels/{chanA}/webhook-secret", want: adminOnly},
		// A channel's key reaches its own channel's inbound and nothing else.
		{route: "POST /api/v1/channels/{channelId}/inbound", path: "/api/v1/channels/{chanA}/inbound", body: map[string]any{"external_chat_id": "x1", "text": "hi"},
			want: "401 401 401 403 2xx 401 401 401 401 401 401"},
		// Telegram's webhook takes no Parley credential, only the bot's secret token, which no
		// role here has (and an http channel has no bot).
		{route: "POST /api/v1/channels/{channelId}/telegram", path: "/api/v1/channels/{chanA}/telegram", body: map[string]any{"update_id": 1},
			want: "401 401 401 401 401 401 401 401 401 401 401"},

		{route: "GET /api/v1/sessions", want: staffOnly},
		{route: "GET /api/v1/sessions/{id}", path: "/api/v1/sessions/{sess}", want: chatReaders},
		{route: "PATCH /api/v1/sessions/{id}", path: "/api/v1/sessions/{sess}", body: map[string]any{"priority": "high"}, want: "401 401 401 401 401 401 404 403 2xx 2xx 2xx"},
		{route: "GET /api/v1/sessions/{id}/messages", path: "/api/v1/sessions/{sess}/messages", want: chatReaders},
		{route: "PUT /api/v1/sessions/{id}/read", path: "/api/v1/sessions/{sess}/read", body: map[string]any{}, want: chatReaders},
		{route: "GET /api/v1/sessions/{id}/notes", path: "/api/v1/sessions/{sess}/notes", want: chatReaders},
		{route: "POST /api/v1/sessions/{id}/notes", path: "/api/v1/sessions/{sess}/notes", body: map[string]any{"text": "a note"}, want: chatReaders},
		// A file of A's widget session: its staff and its visitor; A's http channel key has
		// no business with a widget session, so it is told the file does not exist.
		{route: "GET /api/v1/attachments/{id}", path: "/api/v1/attachments/{att}", want: "401 404 2xx 404 404 401 404 2xx 2xx 2xx 2xx", prepare: (*matrixWorld).attachment},
		// Answering customers is operators' work: a supervisor who is not an operator does not.
		{route: "POST /api/v1/sessions/{id}/messages", path: "/api/v1/sessions/{sess}/messages", body: map[string]any{"text": "hello"}, want: "401 401 401 401 401 401 404 403 2xx 403 2xx"},
		// A widget reply has no delivery to retry, so the calls the policy lets through get 409.
		{route: "POST /api/v1/sessions/{id}/messages/{messageId}/retry", path: "/api/v1/sessions/{sess}/messages/{reply}/retry",
			want: "401 401 401 401 401 401 404 403 pass pass pass", prepare: (*matrixWorld).replyInSession},
		{route: "POST /api/v1/sessions/{id}/take", path: "/api/v1/sessions/{sess}/take", want: "401 401 401 401 401 401 404 403 2xx 403 403"},
		{route: "POST /api/v1/sessions/{id}/assign", path: "/api/v1/sessions/{sess}/assign", body: map[string]any{"operator": "{onOp}"}, want: "401 401 401 401 401 401 404 403 403 2xx 2xx"},
		// The session is the online operator's: they, a supervisor and an administrator hand it on
		// (to the offline operator, who then holds it: the later cells may find nothing to change).
		{route: "POST /api/v1/sessions/{id}/transfer", path: "/api/v1/sessions/{sess}/transfer", body: map[string]any{"to_user": "{offOp}", "note": "over to you"},
			want: "401 401 401 401 401 401 404 403 2xx pass pass", prepare: func(w *matrixWorld) {
				w.env.MustDo("POST", w.fill("/api/v1/sessions/{sess}/assign"), w.env.Admin, map[string]any{"operator": w.ids["onOp"]}, 200, nil)
			}},
		{route: "GET /api/v1/sessions/{id}/transfer-targets", path: "/api/v1/sessions/{sess}/transfer-targets", want: "401 401 401 401 401 401 404 403 403 2xx 2xx"},
		{route: "POST /api/v1/sessions/{id}/close", path: "/api/v1/sessions/{sess}/close", want: "401 401 401 401 401 401 404 403 2xx pass pass"},
		{route: "POST /api/v1/sessions/{id}/spam", path: "/api/v1/sessions/{sess}/spam", want: "401 401 401 401 401 401 404 403 2xx pass pass"},
		{route: "DELETE /api/v1/sessions/{id}/spam", path: "/api/v1/sessions/{sess}/spam", want: "401 401 401 401 401 401 404 403 2xx pass pass", prepare: spam},
		{route: "GET /api/v1/sessions/{id}/processes", path: "/api/v1/sessions/{sess}/processes", want: chatReaders},
		{route: "POST /api/v1/sessions/{id}/processes", path: "/api/v1/sessions/{sess}/processes", body: map[string]any{"process": "done"}, want: "401 401 401 401 401 401 404 403 2xx 2xx 2xx"},
		{route: "GET /api/v1/ws", want: "401 401 401 401 401 401 pass pass pass pass pass"},

		{route: "POST /api/v1/widget/{livechatId}/sessions", path: "/api/v1/widget/{A}/sessions", body: map[string]any{"customer": map[string]any{"name": "Kim"}, "text": "Hi"}, want: everyone},
		{route: "POST /api/v1/widget/sessions/{id}/messages", path: "/api/v1/widget/sessions/{sess}/messages", body: map[string]any{"text": "more"}, want: "401 403 2xx 401 401 401 401 401 401 401 401"},
		{route: "GET /api/v1/widget/sessions/{id}/messages", path: "/api/v1/widget/sessions/{sess}/messages", want: "401 403 2xx 401 401 401 401 401 401 401 401"},
		{route: "GET /api/v1/widget/{livechatId}/status", path: "/api/v1/widget/{A}/status", want: everyone},
		// The session is open here: its own visitor is let through to "rate it once it is closed".
		{route: "POST /api/v1/widget/sessions/{id}/rating", path: "/api/v1/widget/sessions/{sess}/rating", body: map[string]any{"score": 5}, want: "401 403 pass 401 401 401 401 401 401 401 401"},
		{route: "GET /api/v1/search", path: "/api/v1/search?q=hello", want: staffOnly},
		// Reports are for supervisors (of their own live chats: B's operator supervises B) and administrators.
		{route: "GET /api/v1/reports", want: "401 401 401 401 401 401 2xx 403 403 2xx 2xx"},
		{route: "GET /api/v1/widget/sessions/{id}/ws", path: "/api/v1/widget/sessions/{sess}/ws", want: "401 403 pass 401 401 401 401 401 401 401 401"},

		{route: "GET /api/v1/workspaces", want: staffOnly},
		{route: "POST /api/v1/workspaces", body: map[string]any{"code": "ops", "name": "Ops"}, want: adminOnly},
		{route: "GET /api/v1/workspaces/{ws}", path: "/api/v1/workspaces/crm", want: staffOnly},
		{route: "PATCH /api/v1/workspaces/{ws}", path: "/api/v1/workspaces/crm", body: map[string]any{"name": "CRM"}, want: adminOnly},
		{route: "GET /api/v1/workspaces/{ws}/apps", path: "/api/v1/workspaces/crm/apps", want: staffOnly},
		{route: "POST /api/v1/workspaces/{ws}/apps", path: "/api/v1/workspaces/crm/apps", body: map[string]any{"code": "deals", "name": "Deals",
			"fields": []map[string]any{{"code": "a", "type": "string"}}}, want: adminOnly},
		{route: "GET /api/v1/workspaces/{ws}/apps/{app}", path: "/api/v1/workspaces/crm/apps/leads", want: staffOnly},
		{route: "PATCH /api/v1/workspaces/{ws}/apps/{app}", path: "/api/v1/workspaces/crm/apps/leads", body: map[string]any{"name": "Leads"}, want: adminOnly},
		{route: "GET /api/v1/workspaces/{ws}/apps/{app}/items", path: "/api/v1/workspaces/crm/apps/leads/items", want: staffOnly},
		{route: "POST /api/v1/workspaces/{ws}/apps/{app}/items", path: "/api/v1/workspaces/crm/apps/leads/items", body: map[string]any{"values": map[string]any{"name": "Ann"}}, want: staffOnly},
		{route: "GET /api/v1/workspaces/{ws}/apps/{app}/items/{id}", path: "/api/v1/workspaces/crm/apps/leads/items/{item}", want: staffOnly},
		{route: "PATCH /api/v1/workspaces/{ws}/apps/{app}/items/{id}", path: "/api/v1/workspaces/crm/apps/leads/items/{item}", body: map[string]any{"values": map[string]any{"name": "Bo"}}, want: staffOnly},

		{route: "GET /api/v1/processes", want: staffOnly},
		{route: "POST /api/v1/processes", body: map[string]any{"code": "fresh", "name": "Fresh", "scope": "global", "bpmn": doneDiagram}, want: adminOnly},
		{route: "GET /api/v1/processes/{code}", path: "/api/v1/processes/done", want: staffOnly},
		{route: "PUT /api/v1/processes/{code}", path: "/api/v1/processes/spare", body: map[string]any{"name": "Spare", "scope": "global", "bpmn": doneDiagram}, want: adminOnly},
		{route: "POST /api/v1/processes/{code}/publish", path: "/api/v1/processes/spare/publish", want: adminOnly},
		{route: "POST /api/v1/processes/{code}/unpublish", path: "/api/v1/processes/spare/unpublish", want: adminOnly},
		{route: "GET /api/v1/processes/{code}/versions/{n}", path: "/api/v1/processes/done/versions/1", want: staffOnly},
		{route: "POST /api/v1/processes/check", body: map[string]any{"name": "Fresh", "bpmn": doneDiagram}, want: adminOnly},
		{route: "GET /api/v1/processes/{code}/bindings", path: "/api/v1/processes/done/bindings", want: adminOnly},
		// Starting outside a session is for administrators and worker keys.
		{route: "POST /api/v1/processes/{code}/instances", path: "/api/v1/processes/done/instances", body: map[string]any{"inputs": map[string]any{}}, want: "401 401 401 401 401 2xx 403 403 403 403 2xx"},
		// The instance is linked to A's session and its task offered to A's operators.
		{route: "GET /api/v1/instances/{id}", path: "/api/v1/instances/{inst}", want: chatReaders},
		{route: "POST /api/v1/instances/{id}/cancel", path: "/api/v1/instances/{inst}/cancel", want: adminOnly},
		{route: "GET /api/v1/incidents", want: adminOnly},
		{route: "POST /api/v1/incidents/{id}/retry", path: "/api/v1/incidents/{incident}/retry", want: adminOnly, prepare: (*matrixWorld).incident},
		{route: "GET /api/v1/tasks", want: staffOnly},
		{route: "GET /api/v1/tasks/{id}", path: "/api/v1/tasks/{task}", want: chatReaders},
		// Offline operators complete nothing; the administrator finds it completed already.
		{route: "POST /api/v1/tasks/{id}/complete", path: "/api/v1/tasks/{task}/complete", body: map[string]any{"values": map[string]any{}}, want: "401 401 401 401 401 401 404 403 2xx 403 pass"},
		{route: "GET /api/v1/jobs", path: "/api/v1/jobs?type=crm.sync", want: "401 401 401 401 401 2xx 403 403 403 403 2xx"},
		{route: "POST /api/v1/jobs/{id}/complete", path: "/api/v1/jobs/{job}/complete", body: map[string]any{"variables": map[string]any{}}, want: "401 401 401 401 401 2xx 403 403 403 403 2xx", each: (*matrixWorld).job},
		{route: "POST /api/v1/jobs/{id}/error", path: "/api/v1/jobs/{job}/error", body: map[string]any{"code": "x"}, want: "401 401 401 401 401 2xx 403 403 403 403 2xx", each: (*matrixWorld).job},
		{route: "POST /api/v1/jobs/{id}/fail", path: "/api/v1/jobs/{job}/fail", body: map[string]any{"error": "x", "retries": 0}, want: "401 401 401 401 401 2xx 403 403 403 403 2xx", each: (*matrixWorld).job},
		// Chat B's channel key used to complete chat A's instances here.
		{route: "POST /api/v1/messages", body: map[string]any{"name": "ping", "correlation_key": "k"}, want: "401 401 401 401 401 2xx 403 403 403 403 2xx"},
	}
}

// w0chat is the body of a new live chat; its groups are filled in by the world.
func w0chat(name string) map[string]any {
	return map[string]any{"name": name, "operator_groups": []string{"{opsA}"}, "supervisor_groups": []string{"{supsA}"}}
}

// TestAccessMatrix calls every registered route as every role and checks each answer against
// the table above, on both databases. A route registered without a row fails the test, so no
// endpoint is added without saying who may call it.
func TestAccessMatrix(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		rows := matrixRows()
		checkMatrixCoversRoutes(t, env, rows)
		w := newMatrixWorld(t, env)
		for _, row := range rows {
			t.Run(row.route, func(t *testing.T) { w.run(t, row) })
		}
	})
}

func checkMatrixCoversRoutes(t *testing.T, env *servertest.Env, rows []matrixRow) {
	have := map[string]bool{}
	for _, r := range rows {
		if have[r.route] {
			t.Errorf("two rows for %s", r.route)
		}
		have[r.route] = true
	}
	for _, rt := range env.Server.API.Routes() {
		key := rt.Method + " " + rt.Path
		if !have[key] {
			t.Errorf("route %s (action %q) has no row in the access matrix: say who may call it", key, rt.Action)
		}
		delete(have, key)
	}
	for key := range have {
		t.Errorf("row %s names no registered route", key)
	}
}

func (w *matrixWorld) run(t *testing.T, row matrixRow) {
	w.t, w.env.T = t, t
	w.fresh()
	if row.prepare != nil {
		row.prepare(w)
	}
	want := strings.Fields(row.want)
	if len(want) != len(matrixRoles) {
		t.Fatalf("row %s has %d cells, want %d", row.route, len(want), len(matrixRoles))
	}
	method, path, _ := strings.Cut(row.route, " ")
	if row.path != "" {
		path = row.path
	}
	for i, role := range matrixRoles {
		if row.each != nil {
			row.each(w)
		}
		r := w.env.Do(method, w.fill(path), w.tokens[i], w.fillBody(row.body))
		if !cellMatches(want[i], r.Status) {
			t.Errorf("%s as %s: %d, want %s: %s", row.route, role, r.Status, want[i], r.Body)
		}
	}
	if row.after != nil {
		row.after(w)
	}
}

func cellMatches(want string, status int) bool {
	switch want {
	case "2xx":
		return status >= 200 && status < 300
	case "pass":
		return status < 500 && status != 401 && status != 403 && status != 404
	}
	return want == fmt.Sprint(status)
}
