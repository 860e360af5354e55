package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"
	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/realtime"
)

func (s *Server) registerSockets() {
	if s.Hub == nil {
		return
	}
	s.handle("GET /api/v1/ws", staff, op{action: policy.StaffEvents, summary: "WebSocket: the events of the sessions the caller may see. The first frame is {\"type\":\"hello\",\"seq\":n}; then chat events with their seq, and {\"type\":\"tasks_changed\"} when a task in the caller's inbox opened, was completed or was cancelled, and {\"type\":\"processes_changed\"} when an instance linked to a session started, and {\"type\":\"deliveries_changed\"} when a reply's email or webhook delivery was sent, failed or is retried. With ?session=<id> (a session the caller may read), {\"type\":\"typing\",\"session_id\",\"side\":\"customer\"} while its customer types; the client may send {\"type\":\"typing\",\"session_id\"} while its user types a reply (at most one per 2 s is passed on, nothing is stored). Reconnect with ?cursor=<last seq> to get what was missed (a cursor more than 100,000 events back is closed with code 4410: reload and reconnect without it). Browsers may authenticate with the session cookie or ?access_token=",
		query: []string{"cursor", "session", "access_token"}, status: http.StatusSwitchingProtocols, fails: []int{http.StatusUpgradeRequired}}, s.handleStaffSocket)
	if s.Channels != nil {
		s.handle("GET /api/v1/widget/sessions/{id}/ws", visitor, op{action: policy.WidgetRead, summary: "WebSocket (visitor token, or ?access_token=): the messages of the customer's own session and its closing, each with a seq, and {\"type\":\"typing\"} while an operator types; the widget may send {\"type\":\"typing\"} while the customer types (at most one per 2 s is passed on, nothing is stored); reconnect with ?cursor=<last seq> (code 4410: too old, reload)",
			query: []string{"cursor", "access_token"}, status: http.StatusSwitchingProtocols, fails: []int{http.StatusUpgradeRequired}}, s.handleWidgetSocket)
	}
}

// cursor reads ?cursor=, the seq of the last event a reconnecting client got; -1 when absent.
func cursor(r *http.Request) (int64, error) {
	c := r.URL.Query().Get("cursor")
	if c == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Field("cursor", "must be the seq of the last event received, a whole number, not %q", c)
	}
	return n, nil
}

// handleStaffSocket handles GET /api/v1/ws.
func (s *Server) handleStaffSocket(w http.ResponseWriter, r *http.Request) error {
	c, err := cursor(r)
	if err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	st, err := realtime.StaffStream(r.Context(), s.Hub.DB(), u, c)
	if err != nil {
		return err
	}
	st.Signals, st.SignalFrame = process.InboxChannels(u), realtime.TasksChanged
	st.More = []realtime.SignalSet{{Channels: []string{process.SessionProcessesChannel}, Frame: realtime.ProcessesChanged},
		{Channels: []string{channel.DeliveryOutcomesChannel}, Frame: realtime.DeliveriesChanged}}
	if id := r.URL.Query().Get("session"); id != "" {
		// The session page follows its customer's typing; the session is checked like a read.
		if _, err := s.Chat.Session(r.Context(), u, id); err != nil {
			return err
		}
		st.More = append(st.More, realtime.TypingSignal(id, realtime.SideCustomer))
	}
	st.OnFrame = realtime.StaffTyping(s.Hub.DB(), u)
	return s.serveSocket(w, r, st)
}

// handleWidgetSocket handles GET /api/v1/widget/sessions/{id}/ws.
func (s *Server) handleWidgetSocket(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := channel.VisitorSession(auth.FromContext(r.Context()), id); err != nil {
		return err
	}
	c, err := cursor(r)
	if err != nil {
		return err
	}
	return s.serveSocket(w, r, realtime.WidgetStream(s.Hub.DB(), id, c))
}

// serveSocket upgrades the request and streams until the socket ends. Errors after the
// upgrade cannot be answered in HTTP: they are logged, and the socket's close frame says why.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request, st realtime.Stream) error {
	if !isUpgrade(r) {
		// Answered in the contract's error shape rather than the library's plain text, so a
		// client that forgot the upgrade reads why like any other refusal.
		writeJSON(w, http.StatusUpgradeRequired, errorBody{errorPayload{Code: errs.Invalid,
			Message: "this route is a WebSocket: connect with Connection: Upgrade and Upgrade: websocket"}})
		return nil
	}
	conn, err := websocket.Accept(smallBuffers{w}, r, nil)
	if err != nil {
		return nil // Accept has answered the request already
	}
	// The stream goes on in a goroutine of its own and this handler returns, so that net/http's
	// goroutine for the connection ends: its stack grew while serving the request through every
	// middleware (16 KiB), and a new goroutine blocked in the writer's select needs less. The
	// request's context ends when the handler returns; the stream keeps its values, and ends
	// with the hub, the client, or a failed write instead.
	ctx := context.WithoutCancel(r.Context())
	path := r.URL.Path
	go func() {
		defer func() {
			if p := recover(); p != nil {
				conn.Close(websocket.StatusInternalError, "")
				s.log.Error("socket panicked", "path", path, "panic", p, "request_id", requestID(ctx))
			}
		}()
		if err := s.Hub.Serve(ctx, conn, s.Sockets, st); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Debug("socket ended", "path", path, "err", err, "request_id", requestID(ctx))
		}
	}()
	return nil
}

// smallBuffers gives the WebSocket library the hijacked connection with small buffers.
// net/http's are 4 KiB each way: 80 MiB for 10,000 open widgets, which send a few bytes
// ("typing") and are sent a message now and then. A frame larger than a buffer is read or
// written in more than one system call, which is rare and cheap next to holding the memory.
type smallBuffers struct{ http.ResponseWriter }

const (
	socketReadBuffer  = 512
	socketWriteBuffer = 1024
)

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// What the client sent after its request (its first frame, if it did not wait for the
	// answer) sits in net/http's reader, which the hijack made ours; it must be in the new
	// reader's buffer, which is where the library looks for it.
	n := brw.Reader.Buffered()
	early, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(early), conn), max(socketReadBuffer, n))
	if n > 0 {
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, socketWriteBuffer)), nil
}

// isUpgrade says the request asks for a WebSocket.
func isUpgrade(r *http.Request) bool {
	return headerHas(r.Header.Get("Connection"), "upgrade") && headerHas(r.Header.Get("Upgrade"), "websocket")
}

// headerHas says the comma-separated header value lists token, in any case.
func headerHas(value, token string) bool {
	for _, v := range strings.Split(value, ",") {
		if strings.EqualFold(strings.TrimSpace(v), token) {
			return true
		}
	}
	return false
}
