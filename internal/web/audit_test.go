package web_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestAdministratorReadsTheAudit checks Administration > Audit: a change made through the API
// shows up with who made it, and the kind filter narrows the list.
func TestAdministratorReadsTheAudit(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	gid := env.Group("Auditors")
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Audited",
		"operator_groups": []string{gid}, "supervisor_groups": []string{gid}}, 201, nil)
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/audit")
	admin.WaitText(`[data-audit] tr[data-action="livechat.create"]`, "admin")
	admin.WaitText(`[data-audit] tr[data-action="group.create"]`, "Auditors")
	admin.Shot("audit")
	admin.Choose("[data-filter-kind]", "Groups")
	admin.WaitGone(`[data-audit] tr[data-action="livechat.create"]`)
	admin.WaitText(`[data-audit] tr[data-action="group.create"]`, "Auditors")
}

// TestAdministratorManagesWorkerKeys checks Administration > Worker keys: a new key is shown
// once and works for jobs; revoked, it is refused.
func TestAdministratorManagesWorkerKeys(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	admin := startBrowser(t, env.URL).Tab("admin")
	admin.Login("admin", servertest.AdminPassword)
	admin.Open("/admin/worker-keys")
	admin.WaitFor("[data-empty]:not([hidden])")
	admin.ClickText("button", "+ Worker key")
	admin.Fill("dialog [name=name]", "crm-sync")
	admin.ClickText("dialog button", "Create key")
	admin.WaitFor("dialog [data-secret]")
	key := admin.Text("dialog [data-secret]")
	admin.Shot("worker-key-shown-once")
	env.MustDo("GET", "/api/v1/jobs?type=crm.sync", key, nil, 200, nil)
	admin.Click("dialog .icon-btn")
	admin.WaitGone("dialog")
	admin.Click(`[data-keys] tr[data-key="crm-sync"] [data-action="revoke"]`)
	admin.ClickText("dialog button", "Revoke")
	admin.WaitFor(`[data-keys] tr[data-key="crm-sync"][data-revoked="true"]`)
	if r := env.Do("GET", "/api/v1/jobs?type=crm.sync", key, nil); r.Status != 401 {
		t.Fatalf("a revoked key: %d, want 401", r.Status)
	}
}
