package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestWorkerKeys checks the life of a worker key: administrators create it (shown once),
// list it (never the secret) and revoke it; it reaches jobs, messages and process starts and
// nothing else; a channel's key reaches none of those.
func TestWorkerKeys(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "done", "name": "Done", "scope": "global", "bpmn": doneDiagram}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/done/publish", env.Admin, nil, 201, nil)
		wantError(t, env.Do("POST", "/api/v1/worker-keys", c.sup, map[string]any{"name": "crm"}), 403)
		wantError(t, env.Do("POST", "/api/v1/worker-keys", env.Admin, map[string]any{"name": ""}), 422, "name")
		var k struct{ ID, Name, Key string }
		env.MustDo("POST", "/api/v1/worker-keys", env.Admin, map[string]any{"name": "crm"}, 201, &k)
		if k.Key == "" || k.Name != "crm" {
			t.Fatalf("created %+v, want the key shown once", k)
		}
		wantError(t, env.Do("POST", "/api/v1/worker-keys", env.Admin, map[string]any{"name": "crm"}), 409, "crm")
		list := env.MustDo("GET", "/api/v1/worker-keys", env.Admin, nil, 200, nil)
		if strings.Contains(string(list.Body), k.Key) || !strings.Contains(string(list.Body), k.ID) {
			t.Fatalf("list %s: want the key listed without its secret", list.Body)
		}

		env.MustDo("GET", "/api/v1/jobs?type=crm", k.Key, nil, 200, nil)
		env.MustDo("POST", "/api/v1/messages", k.Key, map[string]any{"name": "ping", "correlation_key": "k"}, 200, nil)
		var inst struct{ Trigger struct{ Kind, Key string } }
		env.MustDo("POST", "/api/v1/processes/done/instances", k.Key, map[string]any{"inputs": map[string]any{}}, 201, &inst)
		if inst.Trigger.Kind != "api" || inst.Trigger.Key != "worker:crm" {
			t.Fatalf("trigger %+v, want the worker key named", inst.Trigger)
		}
		for _, path := range []string{"/api/v1/sessions", "/api/v1/me", "/api/v1/worker-keys", "/api/v1/processes"} {
			wantError(t, env.Do("GET", path, k.Key, nil), 401)
		}

		var ch struct {
			APIKey string `json:"api_key"`
		}
		env.MustDo("POST", "/api/v1/livechats/"+c.otherChat+"/channels", env.Admin, map[string]any{"type": "http", "name": "B"}, 201, &ch)
		wantError(t, env.Do("POST", "/api/v1/messages", ch.APIKey, map[string]any{"name": "ping", "correlation_key": "k"}), 401)
		wantError(t, env.Do("POST", "/api/v1/processes/done/instances", ch.APIKey, map[string]any{"inputs": map[string]any{}}), 401)
		wantError(t, env.Do("POST", "/api/v1/channels/"+c.widget+"/inbound", ch.APIKey,
			map[string]any{"external_chat_id": "x", "text": "hi"}), 403)

		env.MustDo("DELETE", "/api/v1/worker-keys/"+k.ID, env.Admin, nil, 204, nil)
		wantError(t, env.Do("GET", "/api/v1/jobs?type=crm", k.Key, nil), 401)
		env.MustDo("POST", "/api/v1/worker-keys", env.Admin, map[string]any{"name": "crm"}, 201, nil) // the name is free again
	})
}
