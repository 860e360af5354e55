package web_test

// HTTP-level tests of the page shell: what a browser cannot easily show (redirect targets,
// headers, cookies), checked against the real server.

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/web"
)

// client does not follow redirects, so tests see where a page sends the browser.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get requests path with the session cookie (when token is set) and extra headers.
func get(t *testing.T, env *servertest.Env, method, path, token string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "parley_session", Value: token})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestSessionCookieName keeps the UI's copy of the cookie name equal to the API's.
func TestSessionCookieName(t *testing.T) {
	if web.SessionCookie != httpapi.SessionCookie {
		t.Fatalf("the UI reads cookie %q, the API sets %q", web.SessionCookie, httpapi.SessionCookie)
	}
}

func TestPagesRedirect(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	_, opToken := env.User("olga")
	cases := []struct {
		name, path, token, want string
	}{
		{"home without a session", "/", "", "/login"},
		{"a page without a session comes back after login", "/admin/users?x=1", "", "/login?next=%2Fadmin%2Fusers%3Fx%3D1"},
		{"an administrator's home", "/", env.Admin, "/console"},
		{"an operator's home", "/", opToken, "/console"},
		{"Administration opens its first section", "/admin/", env.Admin, "/admin/livechats"},
		{"login when logged in goes on", "/login?next=/admin/groups", env.Admin, "/admin/groups"},
		{"login never sends to another site", "/login?next=//evil.example/x", env.Admin, "/console"},
		{"login never sends to another scheme", "/login?next=https://evil.example", env.Admin, "/console"},
		{"logout without a session", "/logout", "", "/login"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, _ := get(t, env, "GET", c.path, c.token)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != c.want {
				t.Fatalf("GET %s: %d to %q, want 303 to %q", c.path, resp.StatusCode, resp.Header.Get("Location"), c.want)
			}
		})
	}
}

func TestStaleSessionCookieLeadsToLogin(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	token := env.Login("admin", servertest.AdminPassword)
	env.MustDo("POST", "/api/v1/auth/logout", token, nil, 204, nil)

	resp, _ := get(t, env, "GET", "/admin/users", token)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("a page with a revoked cookie: %d to %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := sessionCookie(resp); c == nil || c.MaxAge >= 0 {
		t.Fatalf("the revoked cookie is not cleared: %v", resp.Header["Set-Cookie"])
	}
	resp, body := get(t, env, "GET", "/login", token)
	if resp.StatusCode != 200 || !strings.Contains(body, "data-login-form") {
		t.Fatalf("the login page with a revoked cookie: %d %s", resp.StatusCode, body)
	}
	// The API itself must still tell a client that its credential is bad.
	if resp, _ := get(t, env, "GET", "/api/v1/me", token); resp.StatusCode != 401 {
		t.Fatalf("the API with a revoked cookie: %d, want 401", resp.StatusCode)
	}
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "parley_session" {
			return c
		}
	}
	return nil
}

func TestLogoutRevokesTheSession(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	token := env.Login("admin", servertest.AdminPassword)

	// A form posted from another site must not log anyone out.
	resp, _ := get(t, env, "POST", "/logout", token, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site POST /logout: %d, want 403", resp.StatusCode)
	}
	env.MustDo("GET", "/api/v1/me", token, nil, 200, nil)

	resp, _ = get(t, env, "POST", "/logout", token, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("POST /logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := sessionCookie(resp); c == nil || c.MaxAge >= 0 {
		t.Fatalf("logout did not clear the cookie: %v", resp.Header["Set-Cookie"])
	}
	if r := env.Do("GET", "/api/v1/me", token, nil); r.Status != 401 {
		t.Fatalf("the token still works after logout: %d", r.Status)
	}
}

func TestPageResponses(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	resp, body := get(t, env, "GET", "/admin/users", env.Admin)
	if resp.StatusCode != 200 || !strings.Contains(body, "<h1>Users</h1>") {
		t.Fatalf("GET /admin/users: %d %s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("pages must forbid inline and foreign scripts; CSP is %q", csp)
	}
	resp, body = get(t, env, "GET", "/no/such/page", env.Admin)
	if resp.StatusCode != 404 || !strings.Contains(body, "Not found") {
		t.Fatalf("an unknown page: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, env, "GET", "/admin/groups/grp_nope", env.Admin)
	if resp.StatusCode != 404 || !strings.Contains(body, "grp_nope") {
		t.Fatalf("an unknown group's page: %d %s", resp.StatusCode, body)
	}
	resp, _ = get(t, env, "GET", "/api/v1/nope", env.Admin)
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("an unknown API route must stay JSON: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestStaticFiles(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	resp, body := get(t, env, "GET", "/static/js/api.js", "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(body, "export") {
		t.Fatalf("GET /static/js/api.js: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := get(t, env, "GET", "/static/js/api.js", "", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("a repeat with the ETag: %d, want 304", resp.StatusCode)
	}
	if resp, _ := get(t, env, "GET", "/static/js/", ""); resp.StatusCode != 404 {
		t.Fatalf("a static directory is listed: %d", resp.StatusCode)
	}
	// Static files need no session, so even a revoked cookie must not break them.
	token := env.Login("admin", servertest.AdminPassword)
	env.MustDo("POST", "/api/v1/auth/logout", token, nil, 204, nil)
	if resp, _ := get(t, env, "GET", "/static/css/parley.css", token); resp.StatusCode != 200 {
		t.Fatalf("the stylesheet with a revoked cookie: %d", resp.StatusCode)
	}
}
