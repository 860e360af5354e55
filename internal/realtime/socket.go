package realtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/parleychat/parley/internal/chat"
)

// Stream is what one socket is sent.
type Stream struct {
	// Filter keeps the events the client may see.
	Filter func(*chat.Event) bool
	// Render turns an event into the JSON frame to send; nil skips the event.
	Render func(chat.Event) any
	// Cursor, when not negative, is the seq of the last event the client got on an earlier
	// connection: the events after it are replayed before live ones.
	Cursor int64
	// Refresh, when set, runs every RefreshInterval, for instance to re-read what the user may
	// see; an error ends the stream.
	Refresh         func(ctx context.Context) error
	RefreshInterval time.Duration
	// Signals are wake-up channels (store.DB.Subscribe) that are not outbox events, such as
	// the task inboxes of the user: after a commit notifies one of them, the socket sends
	// SignalFrame, and the client reads what changed over the HTTP API. Signals coalesce and
	// are not replayed; a client reloads after every (re)connect anyway.
	Signals     []string
	SignalFrame any
	// More are further wake-up channels, each set with its own frame, such as the news that
	// an instance linked to a session started.
	More []SignalSet
	// OnFrame, when set, receives each text frame the client sends (such as a typing
	// indicator); it runs on the socket's reader and must be quick. Without it the client's
	// frames are discarded.
	OnFrame func(ctx context.Context, data []byte)
}

// SignalSet is wake-up channels and the frame a notification of any of them sends.
type SignalSet struct {
	Channels []string
	Frame    any
}

// ProcessesChanged is the frame the staff socket sends when an instance linked to a session
// started: a session page reads its processes again, since the start follows the chat event
// that caused it, in a later transaction.
var ProcessesChanged = Signal{Type: "processes_changed"}

// DeliveriesChanged is the frame the staff socket sends when a reply's delivery by email or
// webhook was sent, failed, or is tried again: a session page reads its deliveries again.
var DeliveriesChanged = Signal{Type: "deliveries_changed"}

// TasksChanged is the frame the staff socket sends when a task in the user's inbox (their own
// or one of their groups') opened, was completed or was cancelled.
var TasksChanged = Signal{Type: "tasks_changed"}

// Signal is a frame that says something changed without carrying it.
type Signal struct {
	Type string `json:"type"`
}

// SocketConfig tunes sockets.
type SocketConfig struct {
	// PingInterval is how often a client must answer a ping; PongTimeout how long it has.
	PingInterval, PongTimeout time.Duration
	// WriteTimeout bounds one frame's write: a client that does not read is dropped.
	WriteTimeout time.Duration
	// ReadLimit bounds a frame from the client, which says no more than "typing".
	ReadLimit int64
	// Buffer is how many events may wait for a socket before it is dropped as too slow.
	Buffer int
	// MaxReplay is how far back a reconnecting client's cursor may be, in events. A replay
	// reads the outbox from the cursor on, so this bounds the work one reconnect can cause; a
	// client further behind is closed with StatusCursorTooOld and reloads instead.
	MaxReplay int64
}

// StatusCursorTooOld closes a socket whose ?cursor= is more than MaxReplay events behind: the
// client should reload what it shows over the HTTP API and reconnect without a cursor.
const StatusCursorTooOld websocket.StatusCode = 4410

// WithDefaults fills the zero fields: pings every 25s answered within 10s, writes within 10s,
// frames from clients up to 4 KiB, 256 events of buffer, replays of up to 100,000 events.
func (c SocketConfig) WithDefaults() SocketConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PingInterval, 25*time.Second)
	def(&c.PongTimeout, 10*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	if c.ReadLimit <= 0 {
		c.ReadLimit = 4096
	}
	if c.Buffer <= 0 {
		c.Buffer = 256
	}
	if c.MaxReplay <= 0 {
		c.MaxReplay = 100_000
	}
	return c
}

// Hello is the first frame of every stream: Seq is the position the stream starts from.
type Hello struct {
	Type string `json:"type"`
	Seq  int64  `json:"seq"`
}

// errSlow ends a stream whose subscription was dropped; errTooOld one whose cursor is
// further back than MaxReplay.
var (
	errSlow    = errors.New("slow consumer")
	errTooOld  = errors.New("cursor too old")
	errStopped = errors.New("the hub has stopped")
)

// Serve streams events to conn until the client leaves, ctx ends, the hub stops, a ping goes
// unanswered, or the client falls too far behind. It closes conn.
func (h *Hub) Serve(ctx context.Context, conn *websocket.Conn, cfg SocketConfig, st Stream) error {
	h.sockets.Add(1)
	defer h.sockets.Add(-1)
	cfg = cfg.WithDefaults()
	conn.SetReadLimit(cfg.ReadLimit)
	if st.OnFrame != nil {
		ctx = readFrames(ctx, conn, st.OnFrame)
	} else {
		ctx = conn.CloseRead(ctx) // answers pings and closes; ctx ends when the client goes
	}
	// The writer also stops with the hub. The reader does not: it must go on to read the
	// client's answer to the close frame that tells it the server is going away (a read
	// whose context ends drops the connection). Nor does a frame being written: a write
	// whose context ends drops the connection too, and the client would see it cut off
	// rather than told to reconnect. Writes end with the client or their own timeout.
	client := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.life, cancel)()
	sub, err := h.Subscribe(ctx, st.Filter, cfg.Buffer)
	if err != nil {
		conn.Close(websocket.StatusGoingAway, "the server is stopping")
		return err
	}
	defer sub.Close()
	sets := st.More
	if len(st.Signals) > 0 {
		sets = append([]SignalSet{{Channels: st.Signals, Frame: st.SignalFrame}}, sets...)
	}
	w := &writer{ctx: client, conn: conn, cfg: cfg, st: st, last: max(sub.Start, st.Cursor)}
	if len(sets) == 1 {
		// The one signal set of most sockets (a widget's typing) is waited for by the
		// writer itself: no goroutine of its own for each open widget.
		wake := make(chan struct{}, 1)
		defer h.db.SubscribeAll(wake, sets[0].Channels...)()
		w.wake, w.wakeFrame = wake, sets[0].Frame
	} else {
		w.signals = h.signals(ctx, sets)
	}
	err = w.run(ctx, h, sub)
	switch {
	case errors.Is(err, errSlow):
		conn.Close(websocket.StatusTryAgainLater, fmt.Sprintf("too slow; reconnect with ?cursor=%d", w.sent))
	case errors.Is(err, errTooOld):
		conn.Close(StatusCursorTooOld, "cursor too old; reload and reconnect without ?cursor")
	case ctx.Err() != nil:
		conn.Close(websocket.StatusGoingAway, "")
	default:
		conn.Close(websocket.StatusInternalError, "the stream ended")
	}
	return err
}

// readFrames reads the client's frames, handing the text ones to fn, as CloseRead would
// discard them: reading answers pings and the close handshake. The context it returns ends
// when the client goes.
func readFrames(ctx context.Context, conn *websocket.Conn, fn func(context.Context, []byte)) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		for {
			typ, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if typ == websocket.MessageText {
				fn(ctx, data)
			}
		}
	}()
	return ctx
}

// writer sends one stream's frames and remembers how far it got.
type writer struct {
	// ctx bounds each write; it ends when the client goes, not when the hub stops (see Serve).
	ctx  context.Context
	conn *websocket.Conn
	cfg  SocketConfig
	st   Stream
	// last is the seq after which live events are new; sent the seq of the last event sent
	// or skipped, the cursor a client should reconnect with.
	last, sent int64
	// signals receives the frame of a signal set after any of its channels was notified;
	// or, for a socket with one signal set, wake says when to send wakeFrame.
	signals   <-chan any
	wake      <-chan struct{}
	wakeFrame any
}

// signals merges the wake-ups of each set's channels into one coalescing channel per set,
// and those into one channel of frames, until ctx ends. With no sets it returns nil, which
// never receives.
func (h *Hub) signals(ctx context.Context, sets []SignalSet) <-chan any {
	if len(sets) == 0 {
		return nil
	}
	frames := make(chan any)
	for _, set := range sets {
		wake := make(chan struct{}, 1)
		cancel := h.db.SubscribeAll(wake, set.Channels...)
		go func() {
			defer cancel()
			for {
				select {
				case <-ctx.Done():
					return
				case <-wake:
					select {
					case frames <- set.Frame:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	return frames
}

func (w *writer) run(ctx context.Context, h *Hub, sub *Subscription) error {
	start := sub.Start
	if w.st.Cursor >= 0 {
		start = w.st.Cursor
	}
	w.sent = start
	if err := w.write(Hello{Type: "hello", Seq: start}); err != nil {
		return err
	}
	if w.st.Cursor >= 0 && sub.Start-w.st.Cursor > w.cfg.MaxReplay {
		return errTooOld
	}
	if w.st.Cursor >= 0 && w.st.Cursor < sub.Start {
		if err := h.Replay(ctx, w.st.Cursor, sub.Start, w.st.Filter, w.send); err != nil {
			return err
		}
	}
	return w.live(ctx, sub)
}

// live sends live events, pings, and refreshes until something ends the stream.
func (w *writer) live(ctx context.Context, sub *Subscription) error {
	ping := time.NewTicker(w.cfg.PingInterval)
	defer ping.Stop()
	var refresh <-chan time.Time
	if w.st.Refresh != nil && w.st.RefreshInterval > 0 {
		t := time.NewTicker(w.st.RefreshInterval)
		defer t.Stop()
		refresh = t.C
	}
	for {
		// A stop wins over frames still waiting: select picks at random among ready cases.
		if ctx.Err() != nil {
			return ctx.Err()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sub.Dropped:
			return errSlow
		case e := <-sub.C:
			if e.Seq > w.last {
				if err := w.send(*e); err != nil {
					return err
				}
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(w.ctx, w.cfg.PongTimeout)
			err := w.conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		case <-refresh:
			if err := w.st.Refresh(ctx); err != nil {
				return err
			}
		case frame := <-w.signals:
			if err := w.write(frame); err != nil {
				return err
			}
		case <-w.wake:
			if err := w.write(w.wakeFrame); err != nil {
				return err
			}
		}
	}
}

// send writes one event's frame, if it renders to one.
func (w *writer) send(e chat.Event) error {
	w.sent = e.Seq
	frame := w.st.Render(e)
	if frame == nil {
		return nil
	}
	return w.write(frame)
}

func (w *writer) write(frame any) error {
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.WriteTimeout)
	defer cancel()
	return wsjson.Write(ctx, w.conn, frame)
}
