package chat

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// EventsChannel is the store notification channel every event-writing transaction notifies
// on commit; consumers Subscribe to it to wake at once.
const EventsChannel = "chat_events"

// The event types. The first three are the automation events of DOMAIN.md; the others feed
// the realtime stream and the webhook queue.
const (
	// EventSessionCreated: a customer's first message created the session.
	EventSessionCreated = "session_created"
	// EventMessageReceived: a customer message, including the one that created the session
	// (written after its session_created). Never for operator, process or system messages.
	EventMessageReceived = "message_received"
	// EventSessionClosed: an operator, supervisor, process or the API closed the session.
	EventSessionClosed = "session_closed"
	// EventMessageSent: an operator, process or system message.
	EventMessageSent = "message_sent"
	// EventSessionAssigned: an operator took the session or was assigned to it.
	EventSessionAssigned = "session_assigned"
	// EventSessionSpam: the session was marked as spam.
	EventSessionSpam = "session_spam"
	// EventSessionUnspam: the session was removed from spam and restored.
	EventSessionUnspam = "session_unspam"
	// EventSessionReopened: a customer wrote to a closed session (followed by message_received).
	EventSessionReopened = "session_reopened"
	// EventSessionUpdated: another property changed, such as the priority.
	EventSessionUpdated = "session_updated"
)

// Event is one entry of the outbox. Seq is global and follows commit order; SessionSeq counts
// the session's events from 1.
type Event struct {
	Seq        int64  `json:"seq"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	SessionID  string `json:"session_id"`
	LiveChatID string `json:"live_chat_id"`
	SessionSeq int64  `json:"session_seq"`
	// By is who caused the event: "customer:<id>", "user:<id>", "process:<instance id>",
	// "api:<key owner>" or "system".
	By       string    `json:"by"`
	Snapshot Snapshot  `json:"snapshot"`
	At       time.Time `json:"at"`

	// undecoded holds the snapshot's JSON until Decode (EventsAfterUndecoded), and keep
	// remembers the snapshot once decoded, for the node's other readers (PostgreSQL).
	undecoded *string
	keep      *recentEvents
}

// Decode fills Snapshot from the JSON that EventsAfterUndecoded left undecoded. It does
// nothing for an event that is decoded already.
func (e *Event) Decode() error {
	if e.undecoded == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(*e.undecoded), &e.Snapshot); err != nil {
		return fmt.Errorf("event %d: decode snapshot: %w", e.Seq, err)
	}
	e.keep.put(e.Seq, e.ID, e.Snapshot)
	e.undecoded, e.keep = nil, nil
	return nil
}

// commitChange saves a changed session and appends the events the change caused, all with
// the session's snapshot after the change. It must be the last write of a change: on SQLite
// the outbox counter it takes is held until commit.
func commitChange(ctx context.Context, tx *store.Tx, sess *Session, last *Message, by Actor, types ...string) error {
	first := sess.eventSeq + 1
	sess.eventSeq += int64(len(types))
	if err := saveSession(ctx, tx, sess); err != nil {
		return err
	}
	return appendEvents(ctx, tx, sess, snapshotOf(sess, last, tx.Now()), by.String(), first, types)
}

// appendEvents writes events to the outbox, after the session's row was locked by its update.
// On SQLite their global seqs are the single writer's, taken in commit order (takeSeqs). On
// PostgreSQL they are written without a seq and numbered after the commit by the node's
// sequencer (see sequencer.go), so that writers wait neither for each other nor for the
// numbering.
func appendEvents(ctx context.Context, tx *store.Tx, sess *Session, snap Snapshot, by string, firstSessionSeq int64, types []string) error {
	data, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	// The first events of a transaction register its wait for seqs; a savepoint that undoes
	// them undoes both the registration and this mark.
	first := !tx.Notifies(EventsChannel)
	if tx.Dialect() == store.Postgres {
		// Readers see the events once numbered, and the sequencer wakes them then.
		tx.NotifyLater(EventsChannel)
		return insertUnsequenced(ctx, tx, sess, string(data), by, firstSessionSeq, types, first)
	}
	if err := tx.Notify(ctx, EventsChannel); err != nil {
		return err
	}
	last, err := takeSeqs(ctx, tx, len(types))
	if err != nil {
		return fmt.Errorf("take outbox seq: %w", err)
	}
	rows := make([]string, len(types))
	args := make([]any, 0, 9*len(types))
	at := store.TS(tx.Now())
	recent := recentOf(tx.DB())
	var written []Event
	hook := hookFor(tx)
	if hook != nil {
		written = make([]Event, len(types))
	}
	for i, typ := range types {
		rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
		seq, id := last-int64(len(types)-1-i), store.NewID("evt")
		args = append(args, seq, id, typ, sess.ID, sess.LiveChatID, firstSessionSeq+int64(i), by, string(data), at)
		recent.put(seq, id, snap)
		if written != nil {
			written[i] = Event{Seq: seq, ID: id, Type: typ, SessionID: sess.ID, LiveChatID: sess.LiveChatID,
				SessionSeq: firstSessionSeq + int64(i), By: by, Snapshot: snap, At: at.Time}
		}
	}
	if _, err = tx.Exec(ctx, `INSERT INTO outbox (seq, id, type, session_id, live_chat_id, session_seq, actor, snapshot, created_at)
		VALUES `+strings.Join(rows, ", "), args...); err != nil {
		return err
	}
	if hook != nil {
		handOver(tx, hook, written)
	}
	return nil
}

// insertUnsequenced writes PostgreSQL's events with their partition and no seq, and has the
// transaction ask for their numbering once committed. The rows go with the transaction's next
// statement, or with the other customers' messages of its group (store.ExecRows), in the
// order written: a session's events get their seqs in the order of the rows.
func insertUnsequenced(ctx context.Context, tx *store.Tx, sess *Session, data, by string, firstSessionSeq int64, types []string, first bool) error {
	at, part := store.TS(tx.Now()), PartitionOf(sess.ID)
	for i, typ := range types {
		if err := tx.ExecRows(ctx, outboxRow, part, store.NewID("evt"), typ, sess.ID, sess.LiveChatID, firstSessionSeq+int64(i), by, data, at); err != nil {
			return err
		}
	}
	if first {
		sequenceAfterCommit(tx)
	}
	return nil
}

var outboxRow = &store.Rows{
	One: `INSERT INTO outbox (part, id, type, session_id, live_chat_id, session_seq, actor, snapshot, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	// WITH ORDINALITY keeps the rows' order, so a session's events keep theirs in wid.
	Many: `INSERT INTO outbox (part, id, type, session_id, live_chat_id, session_seq, actor, snapshot, created_at)
		SELECT part, id, type, session_id, live_chat_id, session_seq, actor, snapshot, created_at
		FROM unnest(CAST(? AS SMALLINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]),
			CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]))
			WITH ORDINALITY AS r (part, id, type, session_id, live_chat_id, session_seq, actor, snapshot, created_at, n)
		ORDER BY n`,
	Key: -1,
}

// WroteEvents reports whether tx has appended events to the outbox. Such a transaction holds
// until it ends the session's row and, on SQLite, the outbox counter, so other writes wait
// for it: a consumer that handles many events in one transaction should commit soon after.
func WroteEvents(tx *store.Tx) bool { return tx.Notifies(EventsChannel) }

const eventColumns = "seq, id, type, session_id, live_chat_id, session_seq, actor, snapshot, created_at"

func queryEvents(ctx context.Context, tx *store.Tx, q string, args ...any) ([]Event, error) {
	return scanEvents(ctx, tx, false, "SELECT "+eventColumns+" FROM outbox "+q, args...)
}

// scanEvents runs a query whose columns are eventColumns. With lazy, a snapshot that is not
// remembered is left to Event.Decode.
func scanEvents(ctx context.Context, tx *store.Tx, lazy bool, query string, args ...any) ([]Event, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	recent := recentOf(tx.DB())
	keep := recent
	if tx.Dialect() != store.Postgres {
		keep = nil // SQLite's writer remembers its events itself
	}
	var out []Event
	for rows.Next() {
		var e Event
		var data string
		var at store.Timestamp
		if err := rows.Scan(&e.Seq, &e.ID, &e.Type, &e.SessionID, &e.LiveChatID, &e.SessionSeq, &e.By, &data, &at); err != nil {
			return nil, err
		}
		if snap, ok := recent.get(e.Seq, e.ID); ok {
			e.Snapshot, e.At = snap, at.Time
			out = append(out, e)
			continue
		}
		e.At, e.undecoded, e.keep = at.Time, &data, keep
		if !lazy {
			if err := e.Decode(); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const eventsAfterQuery = "SELECT " + eventColumns + " FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?"

// EventsAfter returns up to limit events with seq > after, in seq order, including every
// event committed before the call: on PostgreSQL, when some committed event still waits for
// its seq, it first waits for the numbering (SequencePending). The readers of the whole
// outbox that must see what was just written (the engine's message waits, the webhook queue,
// after a write of their own node or a test's) read it as they did when writers waited for
// their seqs. The dispatcher's parts (PartitionsEventsAfter) do not wait: the runs wake it.
func EventsAfter(ctx context.Context, tx *store.Tx, after int64, limit int) ([]Event, error) {
	if err := AwaitNumbering(ctx, tx.DB()); err != nil {
		return nil, err
	}
	return scanEvents(ctx, tx, false, eventsAfterQuery, after, limit)
}

// EventsAfterUndecoded is EventsAfter for a reader that passes on only some of the events it
// reads, by their columns: the realtime hub, which every node runs over every event of the
// cluster, and a socket's replay. Their snapshots stay undecoded until Event.Decode, which
// the reader calls for the events it passes on; decoding the JSON of every event was the most
// of what following the outbox cost a node, and on PostgreSQL every node paid it for every
// node's events.
//
// Unlike EventsAfter it does not wait for PostgreSQL's numbering: it returns the events
// numbered so far. Its readers lose nothing by it. The hub reads when a run of the sequencer
// wakes it, after the run numbered the events, and a replay reads up to the hub's position,
// numbered already. Waiting cost every read a round trip to ask, and most asked for a run of
// their own.
func EventsAfterUndecoded(ctx context.Context, tx *store.Tx, after int64, limit int) ([]Event, error) {
	return scanEvents(ctx, tx, true, eventsAfterQuery, after, limit)
}

// NumberedSeq returns the largest seq given so far, 0 when there is none. Unlike LatestSeq it
// does not wait for events committed but not yet numbered: those get larger seqs, so a reader
// that starts after it misses none of them.
func NumberedSeq(ctx context.Context, tx *store.Tx) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM outbox").Scan(&seq)
	return seq, err
}

// AwaitNumbering waits for a run of the sequencer when PostgreSQL's outbox holds committed
// events without a seq, so that a read after it sees every event committed before the call
// (EventsAfter does it first). It asks on a connection of its own, so that a read-only
// transaction's snapshot is taken only by the read that follows, after the run.
func AwaitNumbering(ctx context.Context, db *store.DB) error {
	if db.Dialect() != store.Postgres {
		return nil
	}
	var pending bool
	if err := db.QueryAlone(ctx, "SELECT EXISTS (SELECT 1 FROM outbox WHERE seq IS NULL)").Scan(&pending); err != nil || !pending {
		return err
	}
	return SequencePending(ctx, db)
}

// PartitionsEventsAfter returns up to limit events of some parts of PostgreSQL's outbox (see
// PartitionOf), each part after its own seq, in seq order: of each part its next ones. A consumer that handles
// the events up to some seq may then advance each part's cursor to its last event handled.
// One statement of one shape for any set of parts (PostgreSQL only: SQLite has no parts).
func PartitionsEventsAfter(ctx context.Context, tx *store.Tx, after map[int]int64, limit int) ([]Event, error) {
	parts, seqs := make([]int64, 0, len(after)), make([]int64, 0, len(after))
	for p, seq := range after {
		parts, seqs = append(parts, int64(p)), append(seqs, seq)
	}
	return scanEvents(ctx, tx, false, `SELECT o.seq, o.id, o.type, o.session_id, o.live_chat_id, o.session_seq, o.actor, o.snapshot, o.created_at
		FROM unnest(CAST(? AS SMALLINT[]), CAST(? AS BIGINT[])) AS c (part, after)
		CROSS JOIN LATERAL (SELECT `+eventColumns+` FROM outbox WHERE part = c.part AND seq > c.after ORDER BY seq LIMIT ?) AS o
		ORDER BY o.seq LIMIT ?`, parts, seqs, limit, limit)
}

// LatestSeq returns the seq of the newest committed event, 0 when there is none. Every event
// committed before the call has a seq at or below it: on PostgreSQL, where writers do not
// wait for their events' seqs, it first waits for those to be numbered (SequencePending), so
// that an event that came before (a customer's message answered before a message wait
// began) is never taken for one that came after.
func LatestSeq(ctx context.Context, tx *store.Tx) (int64, error) {
	if err := SequencePending(ctx, tx.DB()); err != nil {
		return 0, err
	}
	return NumberedSeq(ctx, tx)
}

// ClaimCursor locks the consumer's cursor row until tx ends and returns the seq it has
// handled everything up to. A new consumer starts at 0, so it sees every event ever written.
// On PostgreSQL ok is false when another transaction (another node) holds the cursor: the
// caller should back off and try again later rather than wait.
//
// One statement both claims the row and tells a row held elsewhere from a missing one: a
// claim that another node holds is most claims of a consumer that every node runs, and was
// two round trips.
func ClaimCursor(ctx context.Context, tx *store.Tx, consumer string) (after int64, ok bool, err error) {
	q := "SELECT (SELECT seq FROM outbox_cursors WHERE consumer = ?" + tx.SkipLocked() +
		"), EXISTS (SELECT 1 FROM outbox_cursors WHERE consumer = ?)"
	for attempt := 0; attempt < 2; attempt++ {
		var seq sql.NullInt64
		var exists bool
		if err := tx.QueryRow(ctx, q, consumer, consumer).Scan(&seq, &exists); err != nil {
			return 0, false, err
		}
		if seq.Valid || exists {
			return seq.Int64, seq.Valid, nil // !seq.Valid: it exists, so someone else holds it
		}
		_, err = tx.Exec(ctx, "INSERT INTO outbox_cursors (consumer, seq, updated_at) VALUES (?, 0, ?) ON CONFLICT (consumer) DO NOTHING",
			consumer, store.TS(tx.Now()))
		if err != nil {
			return 0, false, err
		}
	}
	return 0, false, nil
}

// ClaimCursors is ClaimCursor for several cursors that exist already, on PostgreSQL: it locks
// those that no other transaction holds, with one statement, and returns what each of them
// has handled everything up to; the ones held elsewhere are left out.
func ClaimCursors(ctx context.Context, tx *store.Tx, consumers []string) (map[string]int64, error) {
	rows, err := tx.Query(ctx, "SELECT consumer, seq FROM outbox_cursors WHERE consumer = ANY(CAST(? AS TEXT[]))"+tx.SkipLocked(), consumers)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var c string
		var seq int64
		if err := rows.Scan(&c, &seq); err != nil {
			return nil, err
		}
		out[c] = seq
	}
	return out, rows.Err()
}

// AdvanceCursors is AdvanceCursor for several cursors, with one statement (PostgreSQL).
func AdvanceCursors(ctx context.Context, tx *store.Tx, seqs map[string]int64) error {
	names, values := make([]string, 0, len(seqs)), make([]int64, 0, len(seqs))
	for c, seq := range seqs {
		names, values = append(names, c), append(values, seq)
	}
	_, err := tx.Exec(ctx, `UPDATE outbox_cursors AS c SET seq = GREATEST(c.seq, v.seq), updated_at = ?
		FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[])) AS v (consumer, seq) WHERE c.consumer = v.consumer`,
		store.TS(tx.Now()), names, values)
	return err
}

// AdvanceCursor records that the consumer has handled every event up to seq. Call it in the
// transaction that claimed the cursor and did the work, so both commit together; a seq below
// the cursor leaves it where it is.
func AdvanceCursor(ctx context.Context, tx *store.Tx, consumer string, seq int64) error {
	_, err := tx.Exec(ctx, "UPDATE outbox_cursors SET seq = CASE WHEN seq < ? THEN ? ELSE seq END, updated_at = ? WHERE consumer = ?",
		seq, seq, store.TS(tx.Now()), consumer)
	return err
}
