package httpapi_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

// photo is a real PNG picture of w×h pixels.
func photo(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{B: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const (
	testPDF = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	// evilSVG would set a cookie and call home if it ever ran as a page of Parley's origin.
	evilSVG = `<svg xmlns="http://www.w3.org/2000/svg"><script>document.cookie="pwned=1"</script><circle r="4"/></svg>`
)

type attachmentJSON struct {
	ID          string
	Name        string
	ContentType string `json:"content_type"`
	Size        int64
	Image       bool
}

type messageJSON struct {
	ID          string
	Text        string
	Attachments []attachmentJSON
}

// wantServed checks a download's headers: always nosniff and the sandboxing CSP; inline for
// pictures, a download for everything else.
func wantServed(t *testing.T, r *servertest.Response, contentType, disposition string) {
	t.Helper()
	h := r.Header
	if r.Status != 200 || h.Get("Content-Type") != contentType || !strings.HasPrefix(h.Get("Content-Disposition"), disposition) ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" {
		t.Fatalf("served %d with %v, want %s as %s, nosniff and the sandbox CSP", r.Status, h, contentType, disposition)
	}
}

func TestAttachmentsOverHTTP(t *testing.T) {
	small := servertest.Options{Configure: func(cfg *server.Config) {
		cfg.Files = chat.FileLimits{MaxFileSize: 200_000, MaxMessageSize: 300_000}
	}}
	servertest.Each(t, small, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		// The customer's first message is a photo alone.
		big := photo(t, 800, 600)
		body, ct := servertest.Multipart(map[string]string{"customer_name": "Ann"}, servertest.File{Name: "IMG_0001.png", ContentType: "image/png", Data: big})
		start := env.DoRequest("POST", "/api/v1/widget/"+c.liveChat+"/sessions", body, func(r *http.Request) { r.Header.Set("Content-Type", ct) })
		var ws struct {
			SessionID    string `json:"session_id"`
			VisitorToken string `json:"visitor_token"`
		}
		if start.Status != 201 {
			t.Fatalf("start with a photo: %d %s", start.Status, start.Body)
		}
		start.JSON(t, &ws)
		id, visitor := ws.SessionID, ws.VisitorToken

		var list struct{ Items []messageJSON }
		env.MustDo("GET", "/api/v1/sessions/"+id+"/messages", c.op, nil, 200, &list)
		if len(list.Items) != 1 || len(list.Items[0].Attachments) != 1 || !list.Items[0].Attachments[0].Image ||
			list.Items[0].Attachments[0].Name != "IMG_0001.png" || list.Items[0].Attachments[0].Size != int64(len(big)) {
			t.Fatalf("the operator sees %+v, want the photo", list.Items)
		}
		photoURL := "/api/v1/attachments/" + list.Items[0].Attachments[0].ID
		r := env.Do("GET", photoURL, c.op, nil)
		wantServed(t, r, "image/png", "inline")
		if !bytes.Equal(r.Body, big) {
			t.Fatal("the photo came back changed")
		}
		thumb := env.Do("GET", photoURL+"?thumb=1", visitor, nil)
		wantServed(t, thumb, "image/png", "inline")
		if cfg, err := png.DecodeConfig(bytes.NewReader(thumb.Body)); err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Fatalf("thumbnail %+v, %v, want 320×240", cfg, err)
		}

		// The operator answers with text and a PDF; the customer downloads it.
		var reply messageJSON
		res := env.Upload("/api/v1/sessions/"+id+"/messages", c.op, map[string]string{"text": "Your invoice"},
			servertest.File{Name: "invoice.pdf", Data: []byte(testPDF)})
		if res.Status != 201 {
			t.Fatalf("reply with a file: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &reply)
		var seen struct{ Items []messageJSON }
		env.MustDo("GET", "/api/v1/widget/sessions/"+id+"/messages", visitor, nil, 200, &seen)
		if len(seen.Items) != 2 || seen.Items[1].Text != "Your invoice" || len(seen.Items[1].Attachments) != 1 ||
			seen.Items[1].Attachments[0].ContentType != "application/pdf" {
			t.Fatalf("the customer sees %+v, want the invoice", seen.Items)
		}
		wantServed(t, env.Do("GET", "/api/v1/attachments/"+reply.Attachments[0].ID, visitor, nil), "application/pdf", "attachment")

		// An SVG with a script is stored, and only ever served as opaque bytes to download.
		res = env.Upload("/api/v1/widget/sessions/"+id+"/messages", visitor, nil, servertest.File{Name: "logo.png", ContentType: "image/png", Data: []byte(evilSVG)})
		var svg messageJSON
		res.JSON(t, &svg)
		if res.Status != 201 || svg.Attachments[0].ContentType != "image/svg+xml" || svg.Attachments[0].Image {
			t.Fatalf("svg upload: %d %s", res.Status, res.Body)
		}
		wantServed(t, env.Do("GET", "/api/v1/attachments/"+svg.Attachments[0].ID, c.op, nil), "application/octet-stream", "attachment")
		wantError(t, env.Do("GET", "/api/v1/attachments/"+svg.Attachments[0].ID+"?thumb=1", c.op, nil), 422, "thumb")

		// Limits and types are refused whole, naming the file.
		html := servertest.File{Name: "page.pdf", Data: []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")}
		wantError(t, env.Upload("/api/v1/widget/sessions/"+id+"/messages", visitor, map[string]string{"text": "see"}, html), 422, "files[0]", "text/html")
		huge := servertest.File{Name: "huge.txt", Data: bytes.Repeat([]byte("a"), 200_001)}
		wantError(t, env.Upload("/api/v1/sessions/"+id+"/messages", c.op, nil, servertest.File{Name: "ok.txt", Data: []byte("ok")}, huge), 413, "files[1]")
		wantError(t, env.Upload("/api/v1/sessions/"+id+"/messages", c.op, map[string]string{"text": " "}), 422, "text")

		// Who may not read the session is not told the file exists.
		_, other := c.startWidget(c.liveChat, "someone else")
		wantError(t, env.Do("GET", photoURL, other, nil), 404)
		wantError(t, env.Do("GET", photoURL, c.stranger, nil), 404)
		wantError(t, env.Do("GET", photoURL, "", nil), 401)
	})
}

// TestHTTPChannelAttachments checks the http channel both ways: a messenger hands a file over
// by URL or in a multipart body, and the webhook gets the operator's file as a download URL
// that the channel's key opens.
func TestHTTPChannelAttachments(t *testing.T) {
	opts := servertest.Options{Configure: func(cfg *server.Config) {
		cfg.Webhooks.Poll = 50 * time.Millisecond
		cfg.AllowPrivateNetworks = true // the file server of the test is on 127.0.0.1
	}}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/scan.pdf" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "image/jpeg") // a wrong claim: the content decides
			io.WriteString(w, testPDF)
		}))
		defer files.Close()
		var mu sync.Mutex
		var delivered []string
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			delivered = append(delivered, string(b))
			mu.Unlock()
		}))
		defer hook.Close()
		c := newChatEnv(t, env)
		var ch struct {
			ID     string
			APIKey string `json:"api_key"`
		}
		env.MustDo("POST", "/api/v1/livechats/"+c.liveChat+"/channels", env.Admin, map[string]any{"type": "http", "name": "Messenger", "webhook_url": hook.URL}, 201, &ch)
		inbound := "/api/v1/channels/" + ch.ID + "/inbound"
		var in struct {
			SessionID string `json:"session_id"`
			MessageID string `json:"message_id"`
		}
		env.MustDo("POST", inbound, ch.APIKey, map[string]any{"external_chat_id": "chat-7",
			"attachments": []map[string]any{{"url": files.URL + "/scan.pdf"}}}, 201, &in)
		wantError(t, env.Do("POST", inbound, ch.APIKey, map[string]any{"external_chat_id": "chat-7",
			"attachments": []map[string]any{{"url": files.URL + "/missing.pdf"}}}), 422, "attachments[0]", "404")
		wantError(t, env.Do("POST", inbound, ch.APIKey, map[string]any{"external_chat_id": "chat-7",
			"attachments": []map[string]any{{"url": "file:///etc/passwd"}}}), 422, "attachments[0]")
		res := env.Upload(inbound, ch.APIKey, map[string]string{"external_chat_id": "chat-7", "text": "and a photo"},
			servertest.File{Name: "p.png", Data: photo(t, 10, 10)})
		if res.Status != 201 {
			t.Fatalf("multipart inbound: %d %s", res.Status, res.Body)
		}
		var list struct{ Items []messageJSON }
		env.MustDo("GET", "/api/v1/sessions/"+in.SessionID+"/messages", c.op, nil, 200, &list)
		if len(list.Items) != 2 || list.Items[0].Attachments[0].Name != "scan.pdf" || list.Items[0].Attachments[0].ContentType != "application/pdf" ||
			!list.Items[1].Attachments[0].Image {
			t.Fatalf("messages %+v, want the fetched PDF then the photo", list.Items)
		}

		reply := env.Upload("/api/v1/sessions/"+in.SessionID+"/messages", c.op, nil, servertest.File{Name: "answer.pdf", Data: []byte(testPDF)})
		if reply.Status != 201 {
			t.Fatalf("reply: %d %s", reply.Status, reply.Body)
		}
		var payload struct {
			Message struct {
				Attachments []struct {
					ID, Name, URL string
				}
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			n := len(delivered)
			if n > 0 {
				_ = json.Unmarshal([]byte(delivered[n-1]), &payload)
			}
			mu.Unlock()
			if n > 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(payload.Message.Attachments) != 1 || payload.Message.Attachments[0].Name != "answer.pdf" {
			t.Fatalf("the webhook got %+v, want the reply's file", payload)
		}
		got := env.Do("GET", payload.Message.Attachments[0].URL, ch.APIKey, nil)
		wantServed(t, got, "application/pdf", "attachment")
	})
}

// TestInboundURLsArePublicOnly checks that without --http-allow-private a URL that points
// inside the server's network is never fetched.
func TestInboundURLsArePublicOnly(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		hits := 0
		files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
		defer files.Close()
		c := newChatEnv(t, env)
		var ch struct {
			ID     string
			APIKey string `json:"api_key"`
		}
		env.MustDo("POST", "/api/v1/livechats/"+c.liveChat+"/channels", env.Admin, map[string]any{"type": "http", "name": "Messenger"}, 201, &ch)
		wantError(t, env.Do("POST", "/api/v1/channels/"+ch.ID+"/inbound", ch.APIKey, map[string]any{"external_chat_id": "x",
			"attachments": []map[string]any{{"url": files.URL + "/a.pdf"}}}), 422, "attachments[0]", "private")
		if hits != 0 {
			t.Fatalf("the private address was called %d times", hits)
		}
	})
}
