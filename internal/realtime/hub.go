// Package realtime streams chat events to WebSocket clients: operator consoles and widgets.
//
// Each node runs one Hub. The hub follows the chat outbox (package chat): it reads the events
// after the last one it saw whenever a commit notifies chat.EventsChannel — on PostgreSQL that
// notification reaches every node through LISTEN/NOTIFY — and on a slow poll as a safety net,
// and fans them out to the subscriptions of its own sockets. There is no cluster protocol:
// the outbox is the shared log, and every node reads it.
//
// A socket that falls behind (its buffer fills) is dropped rather than allowed to slow the hub
// or grow without bound; the client reconnects with ?cursor=<the last seq it got> and the
// socket replays what it missed from the outbox before going live, so reconnecting loses no
// event. Outbox seqs follow commit order, so "seq > cursor" is exactly what was missed. A
// replay reads the outbox from the cursor on; a cursor more than SocketConfig.MaxReplay
// events back is refused (StatusCursorTooOld) so that no client can make the server read the
// whole history, and that client reloads over the HTTP API instead.
package realtime

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// Hub fans outbox events out to local subscriptions.
type Hub struct {
	db  *store.DB
	log *slog.Logger
	// Poll is the safety-net interval between outbox reads without a wake-up.
	Poll time.Duration

	mu   sync.Mutex
	subs map[*Subscription]struct{}
	last int64
	// stale: the hub skipped reading while it had no subscription, so last may be behind.
	stale bool
	// kick wakes Run for a subscription that ended the hub's idleness: a wake that came
	// while it was idle was passed over.
	kick  chan struct{}
	ready chan struct{}
	// life ends when Run returns; the sockets end with it. Sockets are served outside any
	// request's context (see Serve), so this is what stops them with the server.
	life context.Context
	end  context.CancelFunc
	// sockets counts the WebSockets being served, for the metrics.
	sockets atomic.Int64
}

// New returns a hub over db; call Run to start it.
func New(db *store.DB, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Hub{db: db, log: log, Poll: 2 * time.Second,
		subs: map[*Subscription]struct{}{}, ready: make(chan struct{}), kick: make(chan struct{}, 1)}
	h.life, h.end = context.WithCancel(context.Background())
	return h
}

// readBatch bounds one outbox read.
const readBatch = 500

// Run follows the outbox until ctx ends. It starts at the newest event: sockets that want
// older ones replay them themselves.
func (h *Hub) Run(ctx context.Context) {
	defer h.end()
	wake, cancel := h.db.Subscribe(chat.EventsChannel)
	defer cancel()
	if !h.start(ctx) {
		return
	}
	tick := time.NewTicker(h.Poll)
	defer tick.Stop()
	var pace store.Pacer
	for {
		if err := h.catchUp(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("realtime: reading the outbox failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
			pace.Wait(ctx)
		case <-h.kick:
		case <-tick.C:
		}
	}
}

// start finds the newest event, retrying until the database answers, and opens the hub to
// subscribers.
func (h *Hub) start(ctx context.Context) bool {
	for {
		err := h.db.Read(ctx, func(tx *store.Tx) (err error) {
			h.last, err = chat.LatestSeq(ctx, tx)
			return err
		})
		if err == nil {
			close(h.ready)
			return true
		}
		h.log.Error("realtime: cannot read the outbox; retrying", "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Second):
		}
	}
}

// catchUp reads and delivers every event after the last one seen. A hub without
// subscriptions reads nothing: its position goes stale, and the next Subscribe moves it to
// the newest event first. Each node's hub follows every node's events, so reading them all
// was work that grew with the cluster on a node that had no socket to give them to.
func (h *Hub) catchUp(ctx context.Context) error {
	for {
		if h.idle() {
			return nil
		}
		var evs []chat.Event
		err := h.db.Read(ctx, func(tx *store.Tx) (err error) {
			evs, err = chat.EventsAfterUndecoded(ctx, tx, h.position(), readBatch)
			return err
		})
		if err != nil {
			return err
		}
		for i := range evs {
			h.deliver(&evs[i])
		}
		if len(evs) < readBatch {
			return nil
		}
	}
}

// idle reports whether the hub has no subscription, and marks its position stale if so.
func (h *Hub) idle() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) > 0 {
		return false
	}
	h.stale = true
	return true
}

func (h *Hub) position() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// deliver hands one event to every subscription that wants it. A subscription whose buffer is
// full is dropped: the hub never waits for a socket. The event's snapshot is decoded only when
// a subscription wants it: most of a cluster's events concern sockets of other nodes, or none.
// An event whose snapshot cannot be decoded is logged and passed over, as nobody can be
// shown it.
func (h *Hub) deliver(e *chat.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = e.Seq
	for s := range h.subs {
		if !s.filter(e) {
			continue
		}
		if err := e.Decode(); err != nil {
			h.log.Error("realtime: event passed over", "seq", e.Seq, "err", err)
			return
		}
		select {
		case s.c <- e:
		default:
			delete(h.subs, s)
			close(s.dropped)
		}
	}
}

// Subscription receives the events after Start that pass its filter.
type Subscription struct {
	// C delivers the events in seq order. Every subscription receives the same event; none
	// may change it.
	C <-chan *chat.Event
	// Dropped is closed when the subscription fell too far behind and was removed.
	Dropped <-chan struct{}
	// Start is the hub's position when the subscription began: every later event that passes
	// the filter arrives on C.
	Start int64

	// c holds pointers: a buffer of 256 events by value was 110 KB a subscription, most of
	// the memory of 10,000 open widgets.
	c       chan *chat.Event
	dropped chan struct{}
	filter  func(*chat.Event) bool
	hub     *Hub
}

// Subscribe adds a subscription for the events that pass filter, dropped when more than
// buffer of them wait. It waits until the hub has started. filter decides by the event's own
// fields (type, session, live chat, actor): its Snapshot is not decoded yet when filter sees
// it, and is decoded for the events that pass (see deliver). filter runs under the hub's lock
// and must be quick.
func (h *Hub) Subscribe(ctx context.Context, filter func(*chat.Event) bool, buffer int) (*Subscription, error) {
	select {
	case <-h.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-h.life.Done():
		return nil, errStopped
	}
	s := &Subscription{c: make(chan *chat.Event, buffer), dropped: make(chan struct{}), filter: filter, hub: h}
	s.C, s.Dropped = s.c, s.dropped
	if err := h.refresh(ctx); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s.Start = h.last
	h.subs[s] = struct{}{}
	if len(h.subs) == 1 {
		select {
		case h.kick <- struct{}{}:
		default:
		}
	}
	return s, nil
}

// refresh moves a stale position (see catchUp) to the newest event numbered. Events numbered
// after the read get larger seqs, and the hub reads them once the subscription is in.
func (h *Hub) refresh(ctx context.Context) error {
	h.mu.Lock()
	stale := h.stale
	h.mu.Unlock()
	if !stale {
		return nil
	}
	var newest int64
	err := h.db.Read(ctx, func(tx *store.Tx) (err error) {
		newest, err = chat.NumberedSeq(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last, h.stale = max(h.last, newest), false
	return nil
}

// Close removes the subscription.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	delete(s.hub.subs, s)
}

// Replay calls fn, in order, for each event with after < seq <= upTo that passes filter (which
// sees an event as Subscribe's filter does), reading the outbox page by page.
func (h *Hub) Replay(ctx context.Context, after, upTo int64, filter func(*chat.Event) bool, fn func(chat.Event) error) error {
	for after < upTo {
		var evs []chat.Event
		err := h.db.Read(ctx, func(tx *store.Tx) (err error) {
			evs, err = chat.EventsAfterUndecoded(ctx, tx, after, readBatch)
			return err
		})
		if err != nil || len(evs) == 0 {
			return err
		}
		for _, e := range evs {
			if e.Seq > upTo {
				return nil
			}
			after = e.Seq
			if filter(&e) {
				if err := e.Decode(); err != nil {
					return err
				}
				if err := fn(e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// DB returns the database the hub follows.
func (h *Hub) DB() *store.DB { return h.db }

// Sockets returns how many WebSockets this node is serving now.
func (h *Hub) Sockets() int64 { return h.sockets.Load() }
