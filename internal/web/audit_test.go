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
