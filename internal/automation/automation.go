// Package automation starts business processes from live chats: the Business Processes tab
// (one binding per live chat and event, with a type-checked input mapping), the dispatcher
// that turns chat events into process instances exactly once, and the manual start from a
// session page.
//
// Exactly once. The dispatcher is a consumer of the chat outbox (chat.ClaimCursor). It
// handles a batch of events in one transaction: for each event it reads the binding, checks
// spam on the session as it is now, maps the event's snapshot to typed inputs, starts the
// instance (which runs to its first wait inside the same transaction), writes the automation
// log line, and finally advances its cursor. Everything commits together or not at all, so a
// crash before the commit replays the batch and a crash after it never sees it again; the log
// line's unique key on (event, binding) is a second guard. On SQLite one cursor follows the
// whole outbox. On PostgreSQL the outbox is divided into parts by session, each with its own
// cursor claimed with SKIP LOCKED, and each node holds leases on its share of the parts, so
// that every node dispatches its own parts at once while each session's events are still
// handled in order by one transaction at a time (partitions.go, leases.go).
// A batch ends early after an event whose process wrote to the chat, because that write holds
// the session's row (and on SQLite the chat's outbox counter) until commit (see DispatchOnce).
// On SQLite the events are usually handled before the dispatcher sees them, in the commit that
// wrote them, under the same cursor (see StartInline).
//
// Bounded triggering. Processes act on their session (reply, close, assign), and a close by a
// process is a close: it fires session_closed. Process, operator and system messages never
// fire message_received, and a closed session cannot be closed again until its customer
// writes, so no binding can trigger itself without a customer. As a hard bound, an event
// caused by a process carries that instance's chain depth plus one, and an event whose chain
// depth would exceed MaxChainDepth starts nothing and is logged skipped.
package automation

import (
	"embed"
	"log/slog"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
)

//go:embed migrations
var migrations embed.FS

func init() { store.RegisterMigrationsIn(migrations, "migrations") }

// Events are the chat events a binding can be set for, in the order the tab shows them.
var Events = []string{chat.EventSessionCreated, chat.EventMessageReceived, chat.EventSessionClosed}

// Outcomes of an automation log line.
const (
	Started = "started"
	Skipped = "skipped"
	Failed  = "failed"
)

// MaxChainDepth bounds how many processes may start one another through their session.
const MaxChainDepth = 3

// consumer is the dispatcher's cursor name in the chat outbox.
const consumer = "automation"

// Options tune the dispatcher.
type Options struct {
	// Batch is how many events one transaction handles.
	Batch int
	// Poll is the safety-net interval when no wake-up arrives.
	Poll time.Duration
	// Workers is how many batches one node dispatches at once on PostgreSQL, each over its
	// share of the parts of the outbox that the node holds.
	Workers int
}

// Service is the automation service.
type Service struct {
	db      *store.DB
	chat    *chat.Service
	process *process.Service
	log     *slog.Logger
	opts    Options
	// conds caches the bindings' compiled conditions.
	conds conditions
	// beforeCommit, when set by tests, runs after a batch's work (or the work a commit does
	// inline) and before its commit, to simulate a crash between starting an instance and
	// committing it.
	beforeCommit func() error
	// afterEvent, when set by tests, runs inside a batch's transaction after each event's
	// work, to let a concurrent writer in at that point.
	afterEvent func(ev *chat.Event)
	// afterBatch, when set by benchmarks, is told after each commit which customer messages'
	// message_received events the batch handled, to measure start latency.
	afterBatch func(messageIDs []string)
	// counts are the committed log lines by outcome, for the metrics (stats.go).
	counts outcomeCounts
	// lease is what this dispatcher holds of PostgreSQL's outbox (leases.go).
	lease leaseState
}

// New returns the service and registers its publish hook with the engine.
func New(db *store.DB, c *chat.Service, p *process.Service, log *slog.Logger, opts Options) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Batch <= 0 {
		opts.Batch = 256
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	s := &Service{db: db, chat: c, process: p, log: log, opts: opts, lease: leaseState{node: store.NewID("node")}}
	p.OnPublish(s.recheckBindings)
	p.OnCheck(s.checkBindings)
	return s
}
