package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// minCompressSize is the smallest body worth compressing: below it gzip's header and the
// cost of compressing outweigh the bytes saved.
const minCompressSize = 1024

// noModTime tells http.ServeContent that a static file has no modification time: its ETag
// alone decides revalidation.
var noModTime time.Time

// compressible reports whether a body of this Content-Type is text that gzip shrinks. Images
// other than SVG, archives and fonts are compressed already.
func compressible(ctype string) bool {
	t, _, _ := strings.Cut(ctype, ";")
	t = strings.TrimSpace(strings.ToLower(t))
	switch {
	case t == "text/event-stream":
		return false // a stream: each event must leave at once
	case strings.HasPrefix(t, "text/"):
		return true
	}
	switch t {
	case "application/json", "application/javascript", "application/xml", "image/svg+xml", "application/problem+json":
		return true
	}
	return strings.HasSuffix(t, "+json") || strings.HasSuffix(t, "+xml")
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip ("gzip", "x-gzip" or
// "*", unless with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			q, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
		return q > 0
	}
	return false
}

// gzipBytes compresses data once, at the best level, for files served many times.
func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(data)
	_ = zw.Close()
	return buf.Bytes()
}

var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}

// Compress returns next with gzip for the text responses it writes (pages, JSON, scripts,
// stylesheets, SVG) when the client accepts it, and with a Cache-Control of no-store on
// every response that sets none: only fingerprinted static files may be kept by a browser.
// Bodies under minCompressSize, responses that carry their own Content-Encoding (static files
// compressed at start) and WebSocket upgrades pass unchanged. Wrap the whole handler with it,
// outside the API's middleware, so that every route is served the same way.
func Compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, accept: acceptsGzip(r) && r.Method != http.MethodHead, status: http.StatusOK}
		defer cw.finish()
		next.ServeHTTP(cw, r)
	})
}

// compressWriter holds back the start of a body until it knows whether compressing pays:
// the first minCompressSize bytes, or a Flush, decide.
type compressWriter struct {
	http.ResponseWriter
	accept      bool
	status      int
	wroteHeader bool // WriteHeader was called by the handler
	decided     bool // headers went out; zw says how the body goes
	buf         []byte
	zw          *gzip.Writer
}

func (c *compressWriter) WriteHeader(code int) {
	if c.wroteHeader || c.decided {
		return
	}
	if code >= 100 && code < 200 {
		c.ResponseWriter.WriteHeader(code) // informational: the real status follows
		return
	}
	c.status, c.wroteHeader = code, true
}

func (c *compressWriter) Write(p []byte) (int, error) {
	if !c.decided {
		c.buf = append(c.buf, p...)
		if len(c.buf) < minCompressSize {
			return len(p), nil
		}
		c.decide(true)
		return len(p), c.flushBuffer()
	}
	if c.zw != nil {
		return c.zw.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

// decide sends the headers, choosing gzip when the body is compressible text and, unless it
// is complete, large enough.
func (c *compressWriter) decide(big bool) {
	c.decided = true
	h := c.Header()
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	ctype := h.Get("Content-Type")
	if ctype == "" && len(c.buf) > 0 {
		ctype = http.DetectContentType(c.buf)
		h.Set("Content-Type", ctype)
	}
	text := compressible(ctype) && h.Get("Content-Encoding") == "" && bodyAllowed(c.status)
	if text {
		h.Add("Vary", "Accept-Encoding")
	}
	if text && c.accept && big {
		h.Del("Content-Length")
		h.Set("Content-Encoding", "gzip")
		if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
			h.Set("ETag", "W/"+etag) // the bytes differ from the identity representation's
		}
		c.zw = gzipPool.Get().(*gzip.Writer)
		c.zw.Reset(c.ResponseWriter)
	}
	c.ResponseWriter.WriteHeader(c.status)
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}

func (c *compressWriter) flushBuffer() error {
	if len(c.buf) == 0 {
		return nil
	}
	var err error
	if c.zw != nil {
		_, err = c.zw.Write(c.buf)
	} else {
		_, err = c.ResponseWriter.Write(c.buf)
	}
	c.buf = nil
	return err
}

// finish writes what is still held back once the handler returns.
func (c *compressWriter) finish() {
	if !c.decided {
		c.decide(false)
		_ = c.flushBuffer()
	}
	if c.zw != nil {
		_ = c.zw.Close()
		c.zw.Reset(nil)
		gzipPool.Put(c.zw)
		c.zw = nil
	}
}

// Flush sends what was written so far: a streaming handler decides for the whole response
// with its first flush.
func (c *compressWriter) Flush() {
	if !c.decided {
		c.decide(len(c.buf) >= minCompressSize)
		_ = c.flushBuffer()
	}
	if c.zw != nil {
		_ = c.zw.Flush()
	}
	_ = http.NewResponseController(c.ResponseWriter).Flush()
}

// Hijack hands the connection over; only possible before anything was written.
func (c *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(c.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the real writer.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
