package channel

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// QueueConsumer is the delivery queue's outbox cursor. Its name is kept from when the queue
// carried webhooks only, so that an upgraded database goes on where it was.
const QueueConsumer = "channel.webhooks"

// deliveriesChannel wakes the senders when deliveries are queued.
const deliveriesChannel = "channel_deliveries"

// DeliveryOutcomesChannel is the wake-up channel (store.DB.Subscribe) notified when an
// attempt at a delivery ends or a failed one is retried; the staff WebSocket turns it into
// "deliveries_changed", and a session page reads its replies' deliveries again. One channel
// for all sessions keeps it cheap, and the frame names nothing, so it tells nobody about a
// session they may not see.
const DeliveryOutcomesChannel = "channel_delivery_outcomes"

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
	// Attachments are the reply's files: metadata and, for the http webhook, a URL that
	// downloads the bytes with the channel's key (see docs/attachments.md).
	Attachments []PayloadAttachment `json:"attachments,omitempty"`
}

// PayloadAttachment is one file of a delivered reply.
type PayloadAttachment struct {
	chat.Attachment
	// URL is the path of the download route, relative to Parley's public URL; the channel key
	// authorizes it.
	URL string `json:"url"`
}

// payloadAttachments lists a message's files with the http channel's download path.
func payloadAttachments(channelID string, list []chat.Attachment) []PayloadAttachment {
	out := make([]PayloadAttachment, 0, len(list))
	for _, a := range list {
		out = append(out, PayloadAttachment{Attachment: a, URL: "/api/v1/attachments/" + a.ID})
	}
	return out
}

// queueBatch bounds the events one queue transaction reads.
const queueBatch = 500

// queue follows the outbox: every reply to deliver becomes a pending delivery, in the
// transaction that advances the cursor.
var queue = chat.Follower{Consumer: QueueConsumer, Batch: queueBatch,
	Handle: func(ctx context.Context, tx *store.Tx, events []chat.Event) (int, error) {
		for i := range events {
			if err := queueReply(ctx, tx, &events[i]); err != nil {
				return 0, err
			}
		}
		return len(events), nil
	}}

// queueReply queues the event's message if it is a reply to deliver: every message of an
// http channel's session goes to the webhook, and operator and process messages of an email
// or telegram channel's session are mailed or sent to the chat. System notes are not: a
// customer reading mail or Telegram has no use for "Olga took the session".
func queueReply(ctx context.Context, tx *store.Tx, e *chat.Event) error {
	if e.Type != chat.EventMessageSent {
		return nil
	}
	if err := e.Decode(); err != nil {
		return err
	}
	if e.Snapshot.LastMessage == nil {
		return nil
	}
	switch e.Snapshot.Session.Channel {
	case chat.ChannelHTTP:
		return queueDelivery(ctx, tx, *e)
	case chat.ChannelEmail:
		if a := e.Snapshot.LastMessage.Author; a == chat.AuthorOperator || a == chat.AuthorProcess {
			return queueMail(ctx, tx, *e)
		}
	case chat.ChannelTelegram:
		if a := e.Snapshot.LastMessage.Author; a == chat.AuthorOperator || a == chat.AuthorProcess {
			return queueTelegram(ctx, tx, *e)
		}
	}
	return nil
}

// queueDelivery writes the webhook delivery of the event's message.
func queueDelivery(ctx context.Context, tx *store.Tx, e chat.Event) error {
	externalChatID, err := customerIdentity(ctx, tx, e.SessionID)
	if err != nil {
		return err
	}
	m := e.Snapshot.LastMessage
	id := store.NewID("dlv")
	body, err := json.Marshal(Payload{DeliveryID: id, ChannelID: e.Snapshot.Session.ChannelID, SessionID: e.SessionID,
		ExternalChatID: externalChatID, Message: PayloadMessage{ID: m.ID, Text: m.Text, Author: m.Author, AuthorName: m.AuthorName, SentAt: m.SentAt,
			Attachments: payloadAttachments(e.Snapshot.Session.ChannelID, m.Attachments)}})
	if err != nil {
		return err
	}
	return insertDelivery(ctx, tx, id, e, string(body), "")
}

// customerIdentity is what the session's channel knows its customer by: the outside chat id
// of an http channel, the address of an email channel.
func customerIdentity(ctx context.Context, tx *store.Tx, sessionID string) (identity string, err error) {
	err = tx.QueryRow(ctx, "SELECT c.identity FROM sessions s JOIN customers c ON c.id = s.customer_id WHERE s.id = ?", sessionID).
		Scan(&identity)
	return identity, err
}

// insertDelivery writes a pending delivery of the event's message, once per message, and
// wakes the senders. mailID is an emailed reply's Message-ID, "" for a webhook.
func insertDelivery(ctx context.Context, tx *store.Tx, id string, e chat.Event, payload, mailID string) error {
	now := store.TS(tx.Now())
	_, err := tx.Exec(ctx, `INSERT INTO channel_deliveries (id, channel_id, session_id, message_id, event_seq, payload, state, next_at, created_at, mail_message_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
		id, e.Snapshot.Session.ChannelID, e.SessionID, e.Snapshot.LastMessage.ID, e.Seq, payload, string(Pending), now, now, mailID)
	if err != nil {
		return err
	}
	return tx.Notify(ctx, deliveriesChannel)
}

// runQueue keeps the queue up with the outbox (chat.Follower.Run).
func (s *Service) runQueue(ctx context.Context) {
	queue.Run(ctx, s.db, s.cfg.Poll, s.log, "delivery queue: reading the outbox")
}
