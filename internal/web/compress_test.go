package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                       false,
		"gzip":                   true,
		"gzip, deflate, br":      true,
		"br;q=1.0, gzip;q=0.8":   true,
		"GZIP":                   true,
		"x-gzip":                 true,
		"*":                      true,
		"gzip;q=0":               false,
		"gzip; q=0.0, identity":  false,
		"identity":               false,
		"deflate, br":            false,
		"gzipped-not-really, br": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: accepts gzip %v, want %v", header, got, want)
		}
	}
}

func TestCompressible(t *testing.T) {
	for ctype, want := range map[string]bool{
		"text/html; charset=utf-8":        true,
		"text/javascript; charset=utf-8":  true,
		"text/css":                        true,
		"application/json; charset=utf-8": true,
		"image/svg+xml":                   true,
		"application/vnd.api+json":        true,
		"text/event-stream":               false,
		"image/png":                       false,
		"application/gzip":                false,
		"application/octet-stream":        false,
		"":                                false,
	} {
		if got := compressible(ctype); got != want {
			t.Errorf("compressible(%q) = %v, want %v", ctype, got, want)
		}
	}
}

// TestCompressStreams checks that a handler which flushes gets its bytes out at each flush,
// compressed or not, and that the status and headers it set survive.
func TestCompressStreams(t *testing.T) {
	big := strings.Repeat("a line of text that compresses well\n", 100)
	h := Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("first"))
		http.NewResponseController(w).Flush()
		_, _ = w.Write([]byte(big))
	}))
	for _, accept := range []string{"gzip", ""} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", accept)
		h.ServeHTTP(rec, r)
		// The first flush came before the body was known to be big: the response goes out
		// uncompressed rather than holding the stream back.
		if rec.Code != http.StatusAccepted || rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "first"+big || !rec.Flushed {
			t.Fatalf("accept %q: %d %v flushed %v, %d bytes", accept, rec.Code, rec.Header(), rec.Flushed, rec.Body.Len())
		}
	}
}
