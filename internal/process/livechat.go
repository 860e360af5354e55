package process

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// LiveChat is the chat service seen by the engine: every call acts as the process instance
// that runs the step, inside the engine's transaction.
type LiveChat struct{ S *chat.Service }

type instanceKey struct{}

// withInstance tells the chat which instance acts, so messages and closes name it.
func withInstance(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, instanceKey{}, id)
}

func actor(ctx context.Context) chat.Actor {
	id, _ := ctx.Value(instanceKey{}).(string)
	return chat.ProcessActor(id)
}

// Reply posts a process message into the session, with copies of the stored files.
func (c LiveChat) Reply(ctx context.Context, tx *store.Tx, sessionID, text string, files []value.File) error {
	ids := make([]string, len(files))
	for i, f := range files {
		ids[i] = f.ID
	}
	_, err := c.S.PostMessageTx(ctx, tx, chat.Reply{SessionID: sessionID, Text: text, Forward: ids, By: actor(ctx)})
	return err
}

// Close closes the session.
func (c LiveChat) Close(ctx context.Context, tx *store.Tx, sessionID string) error {
	_, err := c.S.CloseTx(ctx, tx, sessionID, actor(ctx))
	return err
}

// Assign makes the user the session's operator.
func (c LiveChat) Assign(ctx context.Context, tx *store.Tx, sessionID, userID string) error {
	_, err := c.S.AssignTx(ctx, tx, sessionID, userID, actor(ctx))
	return err
}

// Operator returns the session's operator, "" when it has none.
func (c LiveChat) Operator(ctx context.Context, tx *store.Tx, sessionID string) (string, error) {
	sess, err := c.S.SessionTx(ctx, tx, sessionID)
	if err != nil {
		return "", err
	}
	return sess.OperatorID, nil
}

// SessionExists reports whether a session has the id.
func (c LiveChat) SessionExists(ctx context.Context, tx *store.Tx, sessionID string) (bool, error) {
	return chat.SessionExists(ctx, tx, sessionID)
}

// LastEventSeq returns the newest chat event's seq.
func (c LiveChat) LastEventSeq(ctx context.Context, tx *store.Tx) (int64, error) {
	return chat.LatestSeq(ctx, tx)
}

// messagesConsumer is the engine's cursor in the chat outbox.
const messagesConsumer = "process-message-waits"

// eventsPerRound bounds how many chat events one transaction of the consumer handles.
const eventsPerRound = 200

// messages is the engine's follower of the chat outbox (chat.Follower): customers' messages
// complete the waits of their session that began before them, exactly once across restarts
// and nodes.
func (s *Service) messages() chat.Follower {
	return chat.Follower{Consumer: messagesConsumer, Batch: eventsPerRound, Handle: s.deliverMessages}
}

// runMessages completes session waits with customers' messages as they are written.
func (s *Service) runMessages(ctx context.Context) {
	s.messages().Run(ctx, s.db, s.opts.PollInterval, s.log, "process message waits")
}

// ConsumeMessages handles the next chat events and returns how many it read. Customer
// messages complete the waits of their session that began before them.
func (s *Service) ConsumeMessages(ctx context.Context) (int, error) {
	n, _, _, err := s.messages().Pass(ctx, s.db)
	return n, err
}

// deliverMessages delivers a round's customer messages to the waits of their sessions.
//
// A round ends after a delivery whose instance wrote to the chat (a reply, a close): that
// write holds the chat's outbox counter until commit, and going on would hold up every chat
// write and, on PostgreSQL, deadlock with a customer who locked a later event's session and
// queued on the counter. The next round reads on after it.
func (s *Service) deliverMessages(ctx context.Context, tx *store.Tx, events []chat.Event) (n int, err error) {
	// The events come undecoded: only the messages of sessions that wait for one need their
	// snapshots.
	ctx, err = s.readSessionWaits(ctx, tx, events)
	if err != nil {
		return 0, err
	}
	for i := range events {
		if err := s.deliver(ctx, tx, &events[i]); err != nil {
			return 0, err
		}
		if chat.WroteEvents(tx) {
			return i + 1, nil
		}
	}
	return len(events), nil
}

// readSessionWaits reads the waits of the sessions of the round's customer messages at once:
// a query per round instead of one per message, most of which find no wait at all.
func (s *Service) readSessionWaits(ctx context.Context, tx *store.Tx, events []chat.Event) (context.Context, error) {
	var sessions []string
	var upTo int64
	for _, ev := range events {
		if ev.Type == chat.EventMessageReceived {
			sessions, upTo = append(sessions, ev.SessionID), max(upTo, ev.Seq)
		}
	}
	if len(sessions) == 0 {
		return ctx, nil
	}
	return waits.WithSessionWaits(ctx, tx, sessions, upTo)
}

// deliver completes the waits of a customer message's session. A wait that the message fails
// to complete becomes an incident of its instance, so a poison message holds up no other
// wait. What is left to fail here is the database itself; the round is then rolled back and
// read again, never skipped. The event's snapshot is decoded only when its session waits.
func (s *Service) deliver(ctx context.Context, tx *store.Tx, ev *chat.Event) error {
	if ev.Type != chat.EventMessageReceived {
		return nil
	}
	if subs, err := waits.SessionWaits(ctx, tx, ev.SessionID, ev.Seq); err != nil || len(subs) == 0 {
		return err
	}
	if err := ev.Decode(); err != nil || ev.Snapshot.LastMessage == nil {
		return err
	}
	if err := s.DeliverCustomerMessageTx(ctx, tx, ev.SessionID, ev.Seq, ev.Snapshot.LastMessage.Text); err != nil {
		return fmt.Errorf("deliver event %s of session %s to its waits: %w", ev.ID, ev.SessionID, err)
	}
	return nil
}
