package channel

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// QueueConsumer is the webhook queue's outbox cursor.
const QueueConsumer = "channel.webhooks"

// deliveriesChannel wakes the senders when deliveries are queued.
const deliveriesChannel = "channel_deliveries"

// Payload is the JSON body posted to an http channel's webhook URL for one reply.
type Payload struct {
	DeliveryID     string         `json:"delivery_id"`
	ChannelID      string         `json:"channel_id"`
	SessionID      string         `json:"session_id"`
	ExternalChatID string         `json:"external_chat_id"`
	Message        PayloadMessage `json:"message"`
}

// PayloadMessage is the reply being delivered.
type PayloadMessage struct {
	ID         string          `json:"id"`
	Text       string          `json:"text"`
	Author     chat.AuthorKind `json:"author"`
	AuthorName string          `json:"author_name"`
	SentAt     time.Time       `json:"sent_at"`
}

// queueBatch bounds the events one queue transaction reads.
const queueBatch = 500

// enqueue moves the outbox forward by one batch: every reply in an http channel's session
// becomes a pending delivery, in the transaction that advances the cursor. It reports whether
// a full batch was read, so the caller goes on at once.
func (s *Service) enqueue(ctx context.Context) (more bool, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		after, ok, err := chat.ClaimCursor(ctx, tx, QueueConsumer)
		if err != nil || !ok {
			return err // !ok: another node is queueing right now
		}
		evs, err := chat.EventsAfter(ctx, tx, after, queueBatch)
		if err != nil || len(evs) == 0 {
			return err
		}
		for _, e := range evs {
			if e.Type == chat.EventMessageSent && e.Snapshot.Session.Channel == chat.ChannelHTTP && e.Snapshot.LastMessage != nil {
				if err := queueDelivery(ctx, tx, e); err != nil {
					return err
				}
			}
		}
		more = len(evs) == queueBatch
		return chat.AdvanceCursor(ctx, tx, QueueConsumer, evs[len(evs)-1].Seq)
	})
	return more, err
}

// queueDelivery writes the delivery of the event's message, once per message.
func queueDelivery(ctx context.Context, tx *store.Tx, e chat.Event) error {
	var externalChatID string
	err := tx.QueryRow(ctx, "SELECT c.identity FROM sessions s JOIN customers c ON c.id = s.customer_id WHERE s.id = ?", e.SessionID).
		Scan(&externalChatID)
	if err != nil {
		return err
	}
	m := e.Snapshot.LastMessage
	id := store.NewID("dlv")
	body, err := json.Marshal(Payload{DeliveryID: id, ChannelID: e.Snapshot.Session.ChannelID, SessionID: e.SessionID,
		ExternalChatID: externalChatID, Message: PayloadMessage{ID: m.ID, Text: m.Text, Author: m.Author, AuthorName: m.AuthorName, SentAt: m.SentAt}})
	if err != nil {
		return err
	}
	now := store.TS(tx.Now())
	_, err = tx.Exec(ctx, `INSERT INTO channel_deliveries (id, channel_id, session_id, message_id, event_seq, payload, state, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
		id, e.Snapshot.Session.ChannelID, e.SessionID, m.ID, e.Seq, string(body), string(Pending), now, now)
	if err != nil {
		return err
	}
	return tx.Notify(ctx, deliveriesChannel)
}

// runQueue keeps the queue up with the outbox: at once when events are written, and every
// Poll as a safety net against a missed wake-up.
func (s *Service) runQueue(ctx context.Context) {
	wake, cancel := s.db.Subscribe(chat.EventsChannel)
	defer cancel()
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	for {
		more, err := s.enqueue(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("webhook queue: reading the outbox failed", "err", err)
		}
		if more && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
	}
}
