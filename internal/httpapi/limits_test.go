package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

// limited starts a server with the limits, trusting 127.0.0.1 as a proxy so that tests can
// call from several client addresses through X-Forwarded-For.
func limited(l httpapi.Limits) servertest.Options {
	return servertest.Options{Configure: func(c *server.Config) {
		c.Limits = l
		c.TrustedProxies, _ = httpapi.ParseProxies("127.0.0.1/32")
	}}
}

func jsonBody(t *testing.T, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loginFrom(t *testing.T, env *servertest.Env, addr, login, password string) *servertest.Response {
	return doWithHeader(t, env, "POST", "/api/v1/auth/login", "", jsonBody(t, map[string]any{"login": login, "password": password}), "X-Forwarded-For", addr)
}

// wantLimited fails unless the answer is 429 rate_limited with a Retry-After.
func wantLimited(t *testing.T, r *servertest.Response, what string) {
	t.Helper()
	if r.Status != 429 || r.ErrorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d %s (Retry-After %q), want 429 rate_limited with Retry-After", what, r.Status, r.Body, r.Header.Get("Retry-After"))
	}
}

// TestLoginThrottle checks that guessing one login's password is stopped after a few tries,
// with the same answers for a login that exists and one that does not, while other logins
// still work.
func TestLoginThrottle(t *testing.T) {
	servertest.Each(t, limited(httpapi.Limits{LoginPerLogin: httpapi.Rate{PerMinute: 5}, LoginPerAddress: httpapi.Rate{PerMinute: 1000}}), func(t *testing.T, env *servertest.Env) {
		for _, login := range []string{"olga", "oleg"} { // created, not logged in: no attempt spent yet
			env.MustDo("POST", "/api/v1/users", env.Admin, map[string]any{"login": login, "display_name": login, "password": login + "-password"}, 201, nil)
		}
		for _, login := range []string{"olga", "ghost"} {
			for i := 0; i < 5; i++ {
				if r := loginFrom(t, env, "203.0.113.9", login, "wrong-password"); r.Status != 401 {
					t.Fatalf("wrong password %d for %s: %d %s, want 401", i, login, r.Status, r.Body)
				}
			}
			wantLimited(t, loginFrom(t, env, "203.0.113.9", login, "wrong-password"), "the sixth guess for "+login)
		}
		wantLimited(t, loginFrom(t, env, "198.51.100.7", "olga", "olga-password"), "the right password after the guesses")
		if r := loginFrom(t, env, "198.51.100.7", "oleg", "oleg-password"); r.Status != 200 {
			t.Fatalf("another login: %d %s, want 200", r.Status, r.Body)
		}
	})
}

// TestLoginSprayThrottle checks that one address trying one password over many logins is
// stopped, that another address is not, and that X-Forwarded-For counts only from a trusted
// proxy.
func TestLoginSprayThrottle(t *testing.T) {
	l := httpapi.Limits{LoginPerLogin: httpapi.Rate{PerMinute: 1000}, LoginPerAddress: httpapi.Rate{PerMinute: 10}}
	servertest.Each(t, limited(l), func(t *testing.T, env *servertest.Env) {
		env.User("olga")
		for i := 0; i < 10; i++ {
			if r := loginFrom(t, env, "203.0.113.9", fmt.Sprintf("user%d", i), "Summer2026!"); r.Status != 401 {
				t.Fatalf("spray %d: %d %s, want 401", i, r.Status, r.Body)
			}
		}
		wantLimited(t, loginFrom(t, env, "203.0.113.9", "olga", "olga-password"), "the sprayer's next login")
		if r := loginFrom(t, env, "198.51.100.7", "olga", "olga-password"); r.Status != 200 {
			t.Fatalf("a customer's colleague from another address: %d %s, want 200", r.Status, r.Body)
		}
	})
	untrusted := servertest.Options{Configure: func(c *server.Config) { c.Limits = l }}
	servertest.Each(t, untrusted, func(t *testing.T, env *servertest.Env) {
		for i := 0; i < 10; i++ {
			loginFrom(t, env, fmt.Sprintf("192.0.2.%d", i), fmt.Sprintf("user%d", i), "Summer2026!")
		}
		wantLimited(t, loginFrom(t, env, "192.0.2.99", "user99", "Summer2026!"), "a sprayer forging X-Forwarded-For without a trusted proxy")
	})
}

// TestCustomerFloodsAreTheirOwn checks the limits on what customers and integrations reach:
// a flood from one visitor, one address or one channel key gets 429 while another customer
// keeps chatting.
func TestCustomerFloodsAreTheirOwn(t *testing.T) {
	l := httpapi.Limits{WidgetSessions: httpapi.Rate{PerMinute: 3}, VisitorMessages: httpapi.Rate{PerMinute: 5}, Inbound: httpapi.Rate{PerMinute: 5}}
	servertest.Each(t, limited(l), func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		start := func(addr string) *servertest.Response {
			return doWithHeader(t, env, "POST", "/api/v1/widget/"+c.liveChat+"/sessions", "",
				jsonBody(t, map[string]any{"customer": map[string]any{"name": "Ann"}, "text": "Hi"}), "X-Forwarded-For", addr)
		}
		var sessions [2]struct {
			SessionID    string `json:"session_id"`
			VisitorToken string `json:"visitor_token"`
		}
		for i := 0; i < 3; i++ {
			r := start("203.0.113.9")
			if r.Status != 201 {
				t.Fatalf("session %d: %d %s", i, r.Status, r.Body)
			}
			if i < 2 {
				r.JSON(t, &sessions[i])
			}
		}
		wantLimited(t, start("203.0.113.9"), "a fourth conversation from one address")
		if r := start("198.51.100.7"); r.Status != 201 {
			t.Fatalf("a customer at another address: %d %s, want 201", r.Status, r.Body)
		}

		flooder, customer := sessions[0], sessions[1]
		send := func(s struct {
			SessionID    string `json:"session_id"`
			VisitorToken string `json:"visitor_token"`
		}) *servertest.Response {
			return env.Do("POST", "/api/v1/widget/sessions/"+s.SessionID+"/messages", s.VisitorToken, map[string]any{"text": "spam"})
		}
		for i := 0; i < 5; i++ {
			if r := send(flooder); r.Status != 201 {
				t.Fatalf("message %d: %d %s", i, r.Status, r.Body)
			}
		}
		wantLimited(t, send(flooder), "the flooding visitor's sixth message")
		if r := send(customer); r.Status != 201 {
			t.Fatalf("the other customer's message: %d %s, want 201", r.Status, r.Body)
		}

		keys := [2]string{}
		for i := range keys {
			var ch struct{ ID, APIKey string }
			var raw map[string]any
			env.MustDo("POST", "/api/v1/livechats/"+c.liveChat+"/channels", env.Admin, map[string]any{"type": "http", "name": fmt.Sprint("M", i)}, 201, &raw)
			ch.ID, ch.APIKey = raw["id"].(string), raw["api_key"].(string)
			keys[i] = ch.ID + " " + ch.APIKey
		}
		inbound := func(k string) *servertest.Response {
			id, key, _ := strings.Cut(k, " ")
			return env.Do("POST", "/api/v1/channels/"+id+"/inbound", key, map[string]any{"external_chat_id": "x", "text": "hi"})
		}
		for i := 0; i < 5; i++ {
			if r := inbound(keys[0]); r.Status != 201 {
				t.Fatalf("delivery %d: %d %s", i, r.Status, r.Body)
			}
		}
		wantLimited(t, inbound(keys[0]), "a flooding channel key")
		if r := inbound(keys[1]); r.Status != 201 {
			t.Fatalf("another channel's delivery: %d %s, want 201", r.Status, r.Body)
		}
	})
}

// TestBehindAProxy checks the API's answer headers and that the session cookie is Secure
// when a trusted proxy says the browser came over HTTPS, and only then.
func TestBehindAProxy(t *testing.T) {
	body := func(t *testing.T) []byte {
		return jsonBody(t, map[string]any{"login": "admin", "password": servertest.AdminPassword})
	}
	secureCookie := func(r *servertest.Response) bool {
		for _, c := range r.Header.Values("Set-Cookie") {
			if strings.HasPrefix(c, httpapi.SessionCookie+"=") {
				return strings.Contains(c, "; Secure")
			}
		}
		t.Fatalf("no session cookie in %v", r.Header)
		return false
	}
	servertest.Each(t, limited(httpapi.NoLimits()), func(t *testing.T, env *servertest.Env) {
		r := doWithHeader(t, env, "POST", "/api/v1/auth/login", "", body(t), "X-Forwarded-Proto", "https")
		if r.Status != 200 || !secureCookie(r) {
			t.Fatalf("login through a trusted HTTPS proxy: %d, cookie not Secure: %v", r.Status, r.Header.Values("Set-Cookie"))
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("headers %v, want nosniff and no-store", r.Header)
		}
		if r := env.Do("GET", "/api/v1/nothing", "", nil); r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("an error answer's headers %v, want nosniff", r.Header)
		}
	})
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		r := doWithHeader(t, env, "POST", "/api/v1/auth/login", "", body(t), "X-Forwarded-Proto", "https")
		if r.Status != 200 || secureCookie(r) {
			t.Fatalf("an untrusted X-Forwarded-Proto made the cookie Secure: %v", r.Header.Values("Set-Cookie"))
		}
	})
}
