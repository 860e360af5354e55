package httpapi_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestCannedResponsesOverHTTP walks a canned response's life over the API: created for a live
// chat beside a global one, listed for its operators, refused with the field named, replaced
// and deleted.
func TestCannedResponsesOverHTTP(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		own := "/api/v1/livechats/" + c.liveChat + "/canned-responses"
		var made struct {
			ID         string
			LiveChatID string `json:"live_chat_id"`
		}
		env.MustDo("POST", own, env.Admin, map[string]any{"title": "Refunds", "text": "Refunds take {liveChat.name} five days."}, 201, &made)
		env.MustDo("POST", "/api/v1/canned-responses", env.Admin, map[string]any{"title": "Greeting", "text": "Hello {customer.name}"}, 201, nil)
		if made.LiveChatID != c.liveChat {
			t.Fatalf("created %+v", made)
		}
		var list struct {
			Items []struct{ Title, Text string }
		}
		env.MustDo("GET", own, c.op, nil, 200, &list)
		if len(list.Items) != 2 || list.Items[0].Title != "Greeting" || list.Items[1].Title != "Refunds" {
			t.Fatalf("listed %+v", list.Items)
		}
		wantError(t, env.Do("POST", own, env.Admin, map[string]any{"title": "x", "text": "Dear {customer.phone}"}), 422, "text")
		wantError(t, env.Do("POST", own, env.Admin, map[string]any{"title": "", "text": "x"}), 422, "title")
		wantError(t, env.Do("PUT", "/api/v1/canned-responses/cnr_none", env.Admin, map[string]any{"title": "x", "text": "y"}), 404)
		env.MustDo("PUT", "/api/v1/canned-responses/"+made.ID, env.Admin, map[string]any{"title": "Refund policy", "text": "Five days."}, 200, nil)
		env.MustDo("DELETE", "/api/v1/canned-responses/"+made.ID, env.Admin, nil, 204, nil)
		env.MustDo("GET", own, c.op, nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].Title != "Greeting" {
			t.Fatalf("after delete %+v", list.Items)
		}
	})
}
