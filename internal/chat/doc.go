// Package chat holds live chats and their channels, customers, sessions and messages, the
// rules of a session's life (DOMAIN.md), and the event outbox that automation, the realtime
// stream and the webhook queue consume.
//
// # Writes
//
// Every public method is one transaction; the methods ending in Tx (ReceiveTx,
// PostMessageTx, PostProcessMessage, CloseTx, AssignTx, SessionTx, SnapshotTx) and the
// package functions that take a *store.Tx do the same work inside the caller's transaction,
// so that, for example, a process step and the reply it sends commit together. A change and
// the events it causes are written in the same transaction: both commit or neither does.
//
// Who may do what: administrators everything except taking a session, which only a member of
// an operator group of the live chat may do (the taker becomes its operator, and Assign holds
// operators to the same rule); a live chat's supervisors see all its sessions, assign, mark
// and unmark spam and close, and reply only when they are operators too; its operators see its
// sessions and, unless offline, take, reply, close and mark spam (CanSee, CanWork). Illegal
// transitions are conflicts that name the current state (CheckTransition).
//
// # The outbox
//
// Each change that matters appends events to the outbox table:
//
//	customer's first message         session_created, message_received
//	customer message                 message_received
//	customer message, closed session session_reopened, message_received
//	operator/process/system message  message_sent
//	take, assign, routing            session_assigned (routing's by "system", routing.go)
//	out-of-hours auto reply          message_sent (by "system", after the customer's events)
//	close                            session_closed
//	mark spam, remove from spam      session_spam, session_unspam
//	priority                         session_updated
//
// A message to a spam session is stored and its message_received written all the same; the
// consumer decides (automation logs "skipped: spam"). Every event carries the Snapshot of the
// session after the change — live chat, session, customer, and lastMessage (the message the
// event is about, else the newest one) — with every Live Chats property of DOMAIN.md
// (Snapshot.Property reads one by path).
//
// Order. Event.Seq is global and strictly increasing in the order events become readable, on
// both databases, so a reader that has handled everything up to seq n never later finds a new
// event at or below n, and reading "seq > cursor" loses nothing. On SQLite the one writer
// counts the seqs in memory, in the order its transactions commit (seqs.go). On PostgreSQL
// a counter row would make every event-writing transaction in the cluster commit
// one at a time, so events are written without a seq and numbered right after their commit
// by the node's sequencer (sequencer.go); the writer's call returns at its commit, before
// they are, and a reader that must see everything committed before it calls SequencePending
// first (LatestSeq does). Seqs have no gaps
// in practice, but do not rely on that. Event.SessionSeq counts one session's events from 1
// without gaps, and a session's events get their seqs in that order.
// Within a session, session_created precedes the first message_received.
//
// Consuming. A consumer keeps a durable cursor and works inside its own transaction, so that
// its effects and the cursor's advance commit together — exactly-once processing:
//
//	db.Tx(ctx, func(tx *store.Tx) error {
//		after, ok, err := chat.ClaimCursor(ctx, tx, "automation")
//		if err != nil || !ok {
//			return err // !ok: another node holds the cursor now; try again later
//		}
//		events, err := chat.EventsAfter(ctx, tx, after, 100)
//		... handle each event, using tx.Savepoint to isolate a failing one ...
//		return chat.AdvanceCursor(ctx, tx, "automation", events[len(events)-1].Seq)
//	})
//
// A consumer of the whole outbox that needs nothing more is a Follower (follow.go), which
// takes these steps, its wake-ups and its pacing in one place; the automation dispatcher
// writes them itself because on PostgreSQL it follows parts of the outbox (see Partitions).
//
// ClaimCursor creates a new consumer's cursor at 0, so it sees every event ever written. On
// PostgreSQL it locks the cursor row with FOR UPDATE SKIP LOCKED: one node at a time consumes,
// and the others get ok=false at once instead of waiting. Wake-ups: every event-writing
// transaction notifies EventsChannel; Subscribe to it with store.DB.Subscribe (across nodes on
// PostgreSQL) and keep a slow poll as a safety net. Readers that need no exactly-once (the
// realtime hub) just read EventsAfter their last seen seq.
//
// A consumer that itself writes events (a process replying in its session) appends them in
// its own transaction: they get seqs after the ones it is handling. Such a transaction holds
// the session's row (and on SQLite the outbox counter) from its first event to its commit, so
// keep what follows short; one that writes events for several sessions may meet a deadlock
// with a customer message, which PostgreSQL breaks and store.DB.Tx retries.
//
// Partitions. On PostgreSQL each event also carries its session's part of the outbox
// (PartitionOf, one of Partitions), and PartitionsEventsAfter reads parts in seq order, so
// that several consumers can each follow some parts, every session's events in order.
package chat
