package web_test

// How responses travel: compressed when the client accepts it, fingerprinted static files
// cached for a year, pages and the API never cached.

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/server/servertest"
)

// fetch requests path with the headers given; the body is decompressed when it is gzip, and
// the raw size is returned beside it.
func fetch(t *testing.T, env *servertest.Env, path, token string, header ...string) (resp *http.Response, body string, raw int) {
	t.Helper()
	req, err := http.NewRequest("GET", env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "parley_session", Value: token})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// An Accept-Encoding set by hand stops the transport from decompressing on its own, so
	// the test sees the bytes as sent.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw = len(data)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(strings.NewReader(string(data)))
		if err != nil {
			t.Fatalf("%s: Content-Encoding gzip, but the body is not gzip: %v", path, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: broken gzip body: %v", path, err)
		}
	}
	return resp, string(data), raw
}

func TestTextResponsesAreCompressed(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	cases := []struct {
		path, token, want string
		gzip              bool
	}{
		{"/admin/users", env.Admin, "<h1>Users</h1>", true},
		{"/api/v1/openapi.json", "", `"openapi"`, true},
		{"/static/js/api.js", "", "export async function api", true},
		{"/static/css/parley.css", "", ":root", true},
		// Tiny bodies are not worth it.
		{"/api/v1/me", env.Admin, `"login"`, false},
		{"/static/img/parley.svg", "", "<svg", false},
	}
	for _, c := range cases {
		resp, body, raw := fetch(t, env, c.path, c.token, "Accept-Encoding", "gzip, deflate, br")
		got := resp.Header.Get("Content-Encoding") == "gzip"
		if resp.StatusCode != 200 || got != c.gzip || !strings.Contains(body, c.want) {
			t.Fatalf("GET %s accepting gzip: %d, Content-Encoding %q, want gzip %v, body has %q: %v",
				c.path, resp.StatusCode, resp.Header.Get("Content-Encoding"), c.gzip, c.want, strings.Contains(body, c.want))
		}
		if got {
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Fatalf("GET %s: a compressed answer must say Vary: Accept-Encoding; Vary is %q", c.path, resp.Header.Get("Vary"))
			}
			t.Logf("%s: %d bytes, %d gzipped", c.path, len(body), raw)
		}
		plain, body2, _ := fetch(t, env, c.path, c.token)
		if plain.Header.Get("Content-Encoding") != "" || body2 != body {
			t.Fatalf("GET %s without gzip: Content-Encoding %q, same body %v", c.path, plain.Header.Get("Content-Encoding"), body2 == body)
		}
	}
	if resp, _, _ := fetch(t, env, "/static/js/api.js", "", "Accept-Encoding", "gzip;q=0, identity"); resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("gzip;q=0 refuses gzip, but the answer is %q", resp.Header.Get("Content-Encoding"))
	}
}

// TestWebSocketThroughCompression opens the staff WebSocket through the whole handler, with
// a browser's Accept-Encoding: compression must leave the upgrade alone.
func TestWebSocketThroughCompression(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{"Accept-Encoding": {"gzip, deflate"}, "Authorization": {"Bearer " + env.Admin}}
	c, _, err := websocket.Dial(ctx, strings.Replace(env.URL, "http", "ws", 1)+"/api/v1/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("WebSocket through the compressing handler: %v", err)
	}
	defer c.CloseNow()
	_, msg, err := c.Read(ctx)
	if err != nil || !strings.Contains(string(msg), "hello") {
		t.Fatalf("first frame: %q, %v; want the hello frame", msg, err)
	}
}

var (
	assetRef   = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	importRef  = regexp.MustCompile(`(?:from\s*|import\s*\(?\s*)['"]([^'"]+\.js)['"]`)
	hashedPath = regexp.MustCompile(`^/static/.+\.[0-9a-f]{10}\.(js|css|svg)$`)
)

// TestAssetsAreFingerprintedAndCached follows every static address a page links to, and every
// module those modules import, checking that each carries its content's hash and may be kept
// for a year, while pages and API answers may not be kept at all.
func TestAssetsAreFingerprintedAndCached(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	seen := map[string]bool{}
	var queue []string
	for _, page := range []string{"/console", "/console/sessions/ses_x", "/tasks", "/admin/livechats", "/admin/users", "/login", "/widget/lc_x"} {
		resp, body, _ := fetch(t, env, page, env.Admin)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("page %s: Cache-Control %q, want no-store", page, cc)
		}
		for _, m := range assetRef.FindAllStringSubmatch(body, -1) {
			queue = append(queue, m[1])
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		if !hashedPath.MatchString(u) {
			t.Fatalf("%s is linked without its content hash", u)
		}
		resp, body, _ := fetch(t, env, u, "")
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("GET %s: %d, Cache-Control %q", u, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if strings.HasSuffix(u, ".js") {
			for _, m := range importRef.FindAllStringSubmatch(body, -1) {
				queue = append(queue, m[1])
			}
		}
	}
	if len(seen) < 15 {
		t.Fatalf("only %d static files were reached from the pages: %v", len(seen), seen)
	}
	resp, _, _ := fetch(t, env, "/static/js/dom.js", "")
	if resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("ETag") == "" {
		t.Fatalf("a plain static address must be revalidated: Cache-Control %q, ETag %q", resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
	}
	if resp, _, _ := fetch(t, env, "/static/js/dom.0123456789.js", ""); resp.StatusCode != 404 {
		t.Fatalf("a fingerprint that is not the file's: %d, want 404", resp.StatusCode)
	}
	if resp, _, _ := fetch(t, env, "/api/v1/me", env.Admin); resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("API answers: Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
	}
}
