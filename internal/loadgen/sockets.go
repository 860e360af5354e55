package loadgen

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Sockets is what the customers' widget WebSockets saw, when the run opened them.
type Sockets struct {
	Opened int64 `json:"opened"`
	// Frames counts the frames received during the run: the customers' own messages, echoed
	// as the widget shows them, and anything else the session streams.
	Frames int64 `json:"frames"`
	// Dropped counts sockets the server closed before the run ended.
	Dropped int64 `json:"dropped"`
}

// sockets holds one widget WebSocket per customer open through the run, as a customer's open
// widget would, and counts the frames they receive.
type sockets struct {
	cancel                  context.CancelFunc
	wg                      sync.WaitGroup
	opened, frames, dropped atomic.Int64
}

// openSockets connects every customer's widget WebSocket; it fails when one cannot connect.
func openSockets(ctx context.Context, customers []*customer) (*sockets, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &sockets{cancel: cancel}
	for _, cu := range customers {
		u := "ws" + strings.TrimPrefix(cu.c.base, "http") + "/api/v1/widget/sessions/" + cu.session + "/ws"
		h := http.Header{}
		h.Set("Authorization", "Bearer "+cu.token)
		conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, HTTPClient: cu.c.http})
		if err != nil {
			s.close()
			return nil, err
		}
		conn.SetReadLimit(1 << 20)
		s.opened.Add(1)
		s.wg.Add(1)
		go s.read(ctx, conn)
	}
	return s, nil
}

func (s *sockets) read(ctx context.Context, conn *websocket.Conn) {
	defer s.wg.Done()
	defer conn.CloseNow()
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			if ctx.Err() == nil {
				s.dropped.Add(1)
			}
			return
		}
		s.frames.Add(1)
	}
}

// settle waits, up to limit, until the sockets have received at least want frames: the
// realtime stream is a consumer of its own and may still be sending when the load ends.
func (s *sockets) settle(want int64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for s.frames.Load() < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

// close ends every socket and waits for their readers.
func (s *sockets) close() {
	s.cancel()
	s.wg.Wait()
}

func (s *sockets) report() *Sockets {
	return &Sockets{Opened: s.opened.Load(), Frames: s.frames.Load(), Dropped: s.dropped.Load()}
}
