package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

type signedDelivery struct {
	timestamp, signature string
	body                 []byte
}

// verify is what docs/security.md tells a receiver to do.
func (d signedDelivery) verify(secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(d.timestamp + "."))
	mac.Write(d.body)
	return hmac.Equal([]byte(d.signature), []byte("v1="+hex.EncodeToString(mac.Sum(nil))))
}

// TestWebhooksAreSigned checks that an http channel's deliveries carry a signature over the
// timestamp and the body, with the secret shown at creation, and after a rotation with the
// new one only.
func TestWebhooksAreSigned(t *testing.T) {
	opts := servertest.Options{Configure: func(cfg *server.Config) { cfg.Webhooks.Poll = 50 * time.Millisecond }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		got := make(chan signedDelivery, 10)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			got <- signedDelivery{r.Header.Get("Parley-Timestamp"), r.Header.Get("Parley-Signature"), body}
		}))
		defer srv.Close()
		c := newChatEnv(t, env)
		channels := "/api/v1/livechats/" + c.liveChat + "/channels"
		var ch struct {
			ID     string
			APIKey string `json:"api_key"`
			Secret string `json:"webhook_secret"`
		}
		env.MustDo("POST", channels, env.Admin, map[string]any{"type": "http", "name": "Messenger", "webhook_url": srv.URL}, 201, &ch)
		if ch.Secret == "" {
			t.Fatal("the new http channel's answer shows no webhook secret")
		}
		var in struct {
			SessionID string `json:"session_id"`
		}
		env.MustDo("POST", "/api/v1/channels/"+ch.ID+"/inbound", ch.APIKey, map[string]any{"external_chat_id": "x", "text": "Hi"}, 201, &in)
		reply := func() signedDelivery {
			env.MustDo("POST", "/api/v1/sessions/"+in.SessionID+"/messages", c.op, map[string]any{"text": "Hello"}, 201, nil)
			select {
			case d := <-got:
				return d
			case <-time.After(10 * time.Second):
				t.Fatal("no delivery reached the webhook")
			}
			return signedDelivery{}
		}
		if d := reply(); !d.verify(ch.Secret) {
			t.Fatalf("delivery %+v does not verify with the channel's secret", d)
		}
		if list := env.MustDo("GET", channels, env.Admin, nil, 200, nil); len(list.Body) == 0 || strings.Contains(string(list.Body), ch.Secret) {
			t.Fatal("the channel list shows the webhook secret again")
		}
		var rotated struct {
			Secret string `json:"webhook_secret"`
		}
		env.MustDo("POST", channels+"/"+ch.ID+"/webhook-secret", env.Admin, nil, 200, &rotated)
		if d := reply(); !d.verify(rotated.Secret) || d.verify(ch.Secret) {
			t.Fatalf("after rotation, delivery %+v: want it signed with the new secret only", d)
		}
		wantError(t, env.Do("POST", channels+"/"+c.widget+"/webhook-secret", env.Admin, nil), 409, "http")
	})
}
