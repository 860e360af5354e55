package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgChannelPrefix names the one PostgreSQL channel Parley listens on; the payload names the
// logical channel, so one connection serves every subscriber of a node. PostgreSQL's channels
// belong to the whole database, not to a schema, so the channel carries the schema's name
// (wakeChannel): installations kept in different schemas of one database, such as the test
// suites' schemas, then never wake each other's subscribers with their commits.
const pgChannelPrefix = "parley_wake"

// wakeChannel is the PostgreSQL channel of the schema this database's tables live in.
func wakeChannel(ctx context.Context, pool interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, error) {
	var schema string
	if err := pool.QueryRowContext(ctx, "SELECT COALESCE(current_schema(), 'public')").Scan(&schema); err != nil {
		return "", err
	}
	if schema == "public" {
		return pgChannelPrefix, nil
	}
	// A hash keeps the name a short identifier whatever the schema is called.
	sum := sha256.Sum256([]byte(schema))
	return pgChannelPrefix + "_" + hex.EncodeToString(sum[:8]), nil
}

// hub delivers wake-up signals to subscribers of a channel. Signals coalesce: a subscriber
// that is busy gets one pending signal, not a backlog, and then reads what changed itself.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]bool
}

func newHub() *hub { return &hub{subs: map[string]map[chan struct{}]bool{}} }

func (h *hub) publish(channel string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs[channel] {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (h *hub) publishAll() {
	h.mu.Lock()
	names := make([]string, 0, len(h.subs))
	for name := range h.subs {
		names = append(names, name)
	}
	h.mu.Unlock()
	for _, n := range names {
		h.publish(n)
	}
}

// Subscribe returns a channel that receives a signal after every commit that called Notify
// with this channel name, on this node or (PostgreSQL) any other. Call cancel when done.
func (db *DB) Subscribe(channel string) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	return c, db.SubscribeAll(c, channel)
}

// SubscribeAll has c signalled as Subscribe's channel is, after a commit that notified any of
// channels. Signals never wait: one that finds c full is merged into the one waiting there,
// so one buffered channel follows several names without a goroutine for each. Call the
// returned function when done.
func (db *DB) SubscribeAll(c chan struct{}, channels ...string) func() {
	db.hub.mu.Lock()
	for _, name := range channels {
		if db.hub.subs[name] == nil {
			db.hub.subs[name] = map[chan struct{}]bool{}
		}
		db.hub.subs[name][c] = true
	}
	db.hub.mu.Unlock()
	return func() {
		db.hub.mu.Lock()
		for _, name := range channels {
			delete(db.hub.subs[name], c)
		}
		db.hub.mu.Unlock()
	}
}

// Notifies reports whether the transaction, as it stands, will wake the subscribers of
// channel when it commits: work undone by a savepoint's rollback no longer counts.
func (tx *Tx) Notifies(channel string) bool {
	_, ok := tx.notify[channel]
	return ok
}

// Notify wakes the subscribers of channel once this transaction commits. On PostgreSQL the
// other nodes are told after the commit, not by a NOTIFY inside the transaction: PostgreSQL
// orders notifying transactions by a lock on the whole database held through their commit,
// which would make every chat write in the cluster commit one at a time. A wake-up lost to a
// crash between the commit and the NOTIFY is covered by the subscribers' slow polls.
func (tx *Tx) Notify(ctx context.Context, channel string) error {
	if tx.notify == nil {
		tx.notify = map[string]bool{}
	}
	tx.notify[channel] = true
	return nil
}

// NotifyLater marks the transaction as one that Notifies channel, but leaves waking the
// subscribers to the caller's own work after the commit, for writes they cannot read yet at
// commit: PostgreSQL's outbox events, which the sequencer numbers after the commit and then
// wakes the readers for itself. Waking them at the commit too only had every reader on every
// node look, find nothing new, and look again. A Notify of the same channel still wakes them.
func (tx *Tx) NotifyLater(channel string) {
	if tx.notify == nil {
		tx.notify = map[string]bool{}
	}
	if _, ok := tx.notify[channel]; !ok {
		tx.notify[channel] = false
	}
}

// notifier sends the channels committed on this node to the other nodes, coalescing what
// commits while one NOTIFY is on its way into the next.
type notifier struct {
	mu      sync.Mutex
	pending map[string]bool
	kick    chan struct{}
}

func newNotifier() *notifier {
	return &notifier{pending: map[string]bool{}, kick: make(chan struct{}, 1)}
}

func (n *notifier) add(channel string) {
	n.mu.Lock()
	n.pending[channel] = true
	n.mu.Unlock()
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

func (n *notifier) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]string, 0, len(n.pending))
	for ch := range n.pending {
		out = append(out, ch)
		delete(n.pending, ch)
	}
	return out
}

// sendNotifications relays this node's commits to the other nodes until ctx ends, on a
// connection of its own (notifyConn).
func (db *DB) sendNotifications(ctx context.Context) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.notifier.kick:
		}
		channels := db.notifier.take()
		if len(channels) == 0 {
			continue
		}
		var err error
		if conn == nil {
			conn, err = db.notifyConn(ctx)
		}
		if err == nil {
			// Every channel in one statement, so one transaction: a commit of PostgreSQL's
			// and one wake-up of each listening node for what was one of each per channel
			// (started instances notify two channels, the chat's events a third).
			_, err = conn.Exec(ctx, "SELECT pg_notify($1, ch) FROM unnest($2::text[]) AS ch", db.wake, channels)
		}
		if err != nil && ctx.Err() == nil {
			db.log.Warn("cannot tell other nodes of a commit; they will see it on their next poll", "channels", channels, "err", err)
		}
		if err != nil && conn != nil {
			conn.Close(context.Background())
			conn = nil
		}
	}
}

// notifyConn connects for sending notifications without waiting for their commits' WAL
// flush (synchronous_commit off): a notifying transaction gets a transaction id and a commit
// record, and with the default each wake-up waited for a flush of its own, in turn with the
// writers' commits. A wake-up needs no durability; one lost to a crash is covered by the
// subscribers' slow polls.
func (db *DB) notifyConn(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(db.dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["synchronous_commit"] = "off"
	return pgx.ConnectConfig(ctx, cfg)
}

// listenPostgres relays PostgreSQL notifications to local subscribers, reconnecting after
// failures. listening is called each time LISTEN is in place. Every channel is woken then:
// a commit between a reconnect (or the node's start) and the LISTEN sent a notification
// nobody heard, and the woken subscribers read what changed themselves.
func (db *DB) listenPostgres(ctx context.Context, listening func()) {
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, func() {
			listening()
			db.hub.publishAll()
		})
		if ctx.Err() != nil {
			return
		}
		db.log.Warn("PostgreSQL listener stopped; reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, listening func()) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+db.wake); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		db.hub.publish(n.Payload)
	}
}

// Pacer spaces out the passes of a consumer that a channel's notifications wake. On
// PostgreSQL every commit of every node wakes every node's consumers of the outbox (through
// the sequencer's runs), so with more nodes each woke more often for fewer events, and most
// passes were a transaction that found little or nothing: per-node work that grew with the
// number of nodes. A pass at most every WakeGap keeps what a wake costs per event small, for
// a delay under a dispatcher's batch.
//
// On SQLite the one writer wakes every consumer once per group commit, and the consumers
// that follow the outbox with a write of their own (the engine's message waits, the delivery
// queue) then each put a transaction into the next group, in the writer that every customer's
// message waits for. Paced the same way, they take the events of several groups a pass: 64
// customers, 15 s runs alternately, 5,206 / 5,107 / 5,074 msgs/s unpaced and 5,508 / 5,603 /
// 5,429 with passes at most every 10 ms (25 ms: 5,746 / 5,611 / 5,609, for more delay).
//
// A consumer that every node runs over one cursor (the engine's message waits, the delivery
// queue) does its work on one node at a time: the others find the cursor held (SKIP LOCKED).
// Those call Held, and sit out the wakes of the next HeldGap: otherwise every node tried to
// claim on every wake and most of the cluster's consumer transactions found the cursor taken.
// The node working on keeps up alone; should it stop, another claims within HeldGap.
//
// The zero Pacer is ready to use.
type Pacer struct {
	// Gap is the least time between two woken passes; zero is WakeGap.
	Gap  time.Duration
	last time.Time
	held bool
}

// WakeGap is the least time between two woken passes of an outbox consumer.
const WakeGap = 10 * time.Millisecond

// HeldGap is how long a consumer that found its cursor held by another node ignores wakes.
const HeldGap = time.Second

// Held tells the pacer that the last pass found the cursor held elsewhere: the next Wait
// lasts until HeldGap after that pass.
func (p *Pacer) Held() { p.held = true }

// Wait returns once the gap has passed since it last returned, or when ctx ends.
func (p *Pacer) Wait(ctx context.Context) {
	gap := p.Gap
	if gap == 0 {
		gap = WakeGap
	}
	if p.held {
		gap, p.held = HeldGap, false
	}
	if d := gap - time.Since(p.last); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	p.last = time.Now()
}
