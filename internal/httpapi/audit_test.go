package httpapi_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

type auditPage struct {
	Items []struct {
		ID, Actor  string
		ActorName  string `json:"actor_name"`
		Action     string
		TargetKind string `json:"target_kind"`
		TargetID   string `json:"target_id"`
		Detail     map[string]any
	}
	NextCursor string `json:"next_cursor"`
}

// TestAuditTrail checks that configuration changes leave a line naming who changed what,
// that a refused change leaves none (the line is written in the change's transaction), and
// that only administrators read the trail, filtered and paged.
func TestAuditTrail(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		env.MustDo("PATCH", "/api/v1/livechats/"+c.liveChat, env.Admin, map[string]any{"description": "Second line"}, 200, nil)
		body := map[string]any{"name": "Support", "operator_groups": []string{c.ops}, "supervisor_groups": []string{c.sups}}
		env.MustDo("POST", "/api/v1/livechats", env.Admin, body, 409, nil) // the name is taken: nothing changes
		env.MustDo("PATCH", "/api/v1/users/"+c.opID, env.Admin, map[string]any{"password": "a-new-password"}, 200, nil)

		var page auditPage
		env.MustDo("GET", "/api/v1/audit?target_kind=livechat&target_id="+c.liveChat, env.Admin, nil, 200, &page)
		if len(page.Items) != 2 || page.Items[0].Action != "livechat.update" || page.Items[0].ActorName != "admin" ||
			page.Items[0].Detail["description"] != "Second line" || page.Items[1].Action != "livechat.create" {
			t.Fatalf("the live chat's trail %+v, want its update then its creation, by admin", page.Items)
		}
		env.MustDo("GET", "/api/v1/audit?action=livechat.create", env.Admin, nil, 200, &page)
		if len(page.Items) != 2 {
			t.Fatalf("%d live chat creations in the trail, want 2 (the refused one left none)", len(page.Items))
		}
		env.MustDo("GET", "/api/v1/audit?action=user.update&target_id="+c.opID, env.Admin, nil, 200, &page)
		if len(page.Items) != 1 || page.Items[0].Detail["password"] != "changed" {
			t.Fatalf("the password change %+v, want it recorded without the password", page.Items)
		}
		env.MustDo("GET", "/api/v1/audit?limit=1", env.Admin, nil, 200, &page)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("a page of one: %+v", page)
		}
		first := page.Items[0].ID
		env.MustDo("GET", "/api/v1/audit?limit=1&cursor="+page.NextCursor, env.Admin, nil, 200, &page)
		if len(page.Items) != 1 || page.Items[0].ID >= first {
			t.Fatalf("the next page %+v, want an older line than %s", page.Items, first)
		}
		wantError(t, env.Do("GET", "/api/v1/audit", c.sup, nil), 403)
	})
}
