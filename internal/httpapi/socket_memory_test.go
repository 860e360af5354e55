package httpapi_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/parleychat/parley/internal/server/servertest"
)

// clientFrame is a masked text frame as a client sends it (RFC 6455 §5.2).
func clientFrame(payload []byte) []byte {
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xFFFF:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	mask := [4]byte{0x1f, 0x2e, 0x3d, 0x4c}
	f = append(f, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	return f
}

// eagerConn sends extra after the first thing written to it (the handshake request), in the
// same write, as a client does that sends its first frame without waiting for the answer.
type eagerConn struct {
	net.Conn
	once  sync.Once
	extra []byte
}

func (c *eagerConn) Write(p []byte) (int, error) {
	first := false
	c.once.Do(func() { first = true })
	if !first {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(append(append([]byte(nil), p...), c.extra...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// TestSocketFramesLargerThanItsBuffers has a widget send a typing frame of 3 KB in the same
// packet as its handshake, so that it reaches the server with the request, and then the
// operator reply with a long message: a socket's buffers are 512 bytes to read and 1 KiB to
// write, and neither frame may be lost or cut.
func TestSocketFramesLargerThanItsBuffers(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "hello")
		op := dial(t, env, "/api/v1/ws?session="+id, c.op, false)

		typing := fmt.Sprintf(`{"type":"typing","padding":%q}`, strings.Repeat("x", 3000))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &eagerConn{Conn: conn, extra: clientFrame([]byte(typing))}, nil
		}}
		defer tr.CloseIdleConnections()
		u := "ws" + strings.TrimPrefix(env.URL, "http") + "/api/v1/widget/sessions/" + id + "/ws"
		conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr},
			HTTPHeader: http.Header{"Authorization": {"Bearer " + visitor}}})
		if err != nil {
			t.Fatalf("dial: %v (response %v)", err, resp)
		}
		defer conn.CloseNow()
		widget := &socket{t: t, conn: conn}
		if f := widget.next(); f.Type != "hello" {
			t.Fatalf("first frame %+v", f)
		}
		if f := op.expect("typing", id); f.SessionID != id {
			t.Fatalf("the operator got %+v", f)
		}

		long := strings.Repeat("A long answer. ", 300)
		env.MustDo("POST", "/api/v1/sessions/"+id+"/take", c.op, nil, 200, nil)
		env.MustDo("POST", "/api/v1/sessions/"+id+"/messages", c.op, map[string]any{"text": long}, 201, nil)
		// The customer's own "hello" may come first: on PostgreSQL it can be numbered after
		// the socket's start, and is then sent live.
		for {
			var f frame
			rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := wsjson.Read(rctx, conn, &f)
			rcancel()
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if f.Type != "message" || f.Message == nil || f.Message.Author != "operator" {
				continue
			}
			if f.Message.Text != long {
				t.Fatalf("the widget got the reply as %d bytes, want %d", len(f.Message.Text), len(long))
			}
			break
		}
	})
}

// rawSocket opens the widget socket of a session with nothing but a TCP connection, so that
// the client holds no goroutine or buffer of its own, and reads the hello frame.
func rawSocket(t *testing.T, addr, path, token string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer %s\r\n\r\n", path, addr, token)
	br := bufio.NewReaderSize(conn, 64)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil || hdr[0] != 0x81 || hdr[1] >= 126 {
		t.Fatalf("hello frame header %x: %v", hdr, err)
	}
	if _, err := io.ReadFull(br, make([]byte, hdr[1])); err != nil {
		t.Fatal(err)
	}
	if br.Buffered() > 0 {
		t.Fatalf("%d bytes after the hello frame", br.Buffered())
	}
	_ = conn.SetDeadline(time.Time{})
	return conn
}

// serverMemory is the heap in use after a collection, goroutine stacks, and goroutines. They
// are signed, so that what an earlier test's server frees meanwhile cannot wrap a difference.
func serverMemory() (heap, stacks, goroutines int64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/sched/goroutines:goroutines"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64()), int64(s[2].Value.Uint64())
}

// TestOpenWidgetsHoldLittleMemory opens a thousand idle widget sockets and measures what the
// server holds for each: at most two goroutines (the reader that answers pings, the writer)
// and 34 KiB of heap and stacks together. Ten thousand open widgets must fit in 600 MiB with
// messages flowing (docs/performance.md). A socket served on net/http's own goroutine, with
// its 4 KiB buffers each way, held 42 KiB (45 KiB with -race); now 19 KiB (27 with -race).
func TestOpenWidgetsHoldLittleMemory(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	c := newChatEnv(t, env)
	id, visitor := c.startWidget(c.liveChat, "hello")
	addr, path := strings.TrimPrefix(env.URL, "http://"), "/api/v1/widget/sessions/"+id+"/ws"
	rawSocket(t, addr, path, visitor).Close() // warms up the server's pools and caches

	const n, perSocket = 1000, 34 << 10
	heap0, stacks0, g0 := serverMemory()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		conns = append(conns, rawSocket(t, addr, path, visitor))
	}
	deadline := time.Now().Add(10 * time.Second)
	var heap, stacks, g int64
	for {
		// A socket's goroutines settle after its hello was sent: the handler's ends.
		heap, stacks, g = serverMemory()
		if g-g0 <= 2*n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if per := (g - g0) / n; g-g0 > 2*n+20 {
		t.Errorf("%d open sockets added %d goroutines, %d each; want at most 2 each", n, g-g0, per)
	}
	grew := heap + stacks - heap0 - stacks0
	t.Logf("%d sockets: heap %+d KiB, stacks %+d KiB, %d bytes each", n, (heap-heap0)>>10, (stacks-stacks0)>>10, grew/n)
	if grew > n*perSocket {
		t.Errorf("%d open sockets took %d KiB of heap and stacks, %d bytes each; want at most %d each", n, grew>>10, grew/n, perSocket)
	}

	// They are live: a message of the session reaches a socket.
	env.MustDo("POST", "/api/v1/widget/sessions/"+id+"/messages", visitor, map[string]any{"text": "still there?"}, 201, nil)
	conn := conns[n/2]
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	k, err := conn.Read(buf)
	if err != nil && !errors.Is(err, io.EOF) || !strings.Contains(string(buf[:k]), "still there?") {
		t.Fatalf("the socket read %q: %v", buf[:k], err)
	}
}

// TestSocketsEndWhenTheServerStops: a socket outlives the request that opened it, so the
// server's stop must end it, with the close code that tells a client to reconnect. The stop
// comes while the socket still has messages to send: a frame being written when the stop
// came used to be cut short, and the client saw the connection drop (EOF) instead.
func TestSocketsEndWhenTheServerStops(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{})
	c := newChatEnv(t, env)
	id, visitor := c.startWidget(c.liveChat, "hello")
	// The customer has the chat open in several tabs.
	tabs := make([]*socket, 20)
	for i := range tabs {
		tabs[i] = dial(t, env, "/api/v1/widget/sessions/"+id+"/ws", visitor, false)
	}
	// The customer goes on writing until the server refuses: the stop comes while the
	// socket has frames to send.
	var sent atomic.Int64
	posting := make(chan struct{})
	go func() {
		defer close(posting)
		for i := 0; ; i++ {
			req, _ := http.NewRequest("POST", env.URL+"/api/v1/widget/sessions/"+id+"/messages",
				strings.NewReader(fmt.Sprintf(`{"text":"m%d"}`, i)))
			req.Header.Set("Authorization", "Bearer "+visitor)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				return
			}
			sent.Add(1)
		}
	}()
	for sent.Load() < 20 {
		select {
		case <-posting:
			t.Fatalf("the customer's messages were refused after %d, before the stop", sent.Load())
		case <-time.After(time.Millisecond):
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.Server.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	<-posting
	for i, tab := range tabs {
		frames := 0
		for {
			_, data, err := tab.conn.Read(ctx)
			if err == nil {
				if !strings.Contains(string(data), `"message"`) {
					t.Fatalf("tab %d: frame %s, want a message", i, data)
				}
				frames++
				continue
			}
			if s := websocket.CloseStatus(err); s != websocket.StatusGoingAway {
				t.Fatalf("tab %d: after %d message frames (%d messages sent), the socket ended with %v (status %d), want going away", i, frames, sent.Load(), err, s)
			}
			break
		}
	}
}
