package httpapi_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestMessagePublishTTLAndID publishes over HTTP: a message with a ttl that no instance waits
// for is kept, a repeat of its message_id says it is a duplicate, and a ttl that is not an
// ISO 8601 duration of at most a week is refused naming the field.
func TestMessagePublishTTLAndID(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		msg := map[string]any{"name": "ping", "correlation_key": "k", "ttl": "PT1H", "message_id": "m-1"}
		var res struct{ Delivered, Buffered, Duplicate any }
		env.MustDo("POST", "/api/v1/messages", env.Admin, msg, 200, &res)
		if res.Delivered != 0.0 || res.Buffered != true || res.Duplicate != false {
			t.Fatalf("first publish: %+v", res)
		}
		env.MustDo("POST", "/api/v1/messages", env.Admin, msg, 200, &res)
		if res.Delivered != 0.0 || res.Buffered != false || res.Duplicate != true {
			t.Fatalf("repeat: %+v", res)
		}
		for _, ttl := range []string{"an hour", "P8D"} {
			wantError(t, env.Do("POST", "/api/v1/messages", env.Admin,
				map[string]any{"name": "ping", "correlation_key": "k", "ttl": ttl}), 422, "ttl")
		}
	})
}
