package channel

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// RetryDelivery sends a reply whose delivery failed for good once more: the delivery is
// pending again, due now, with its attempts counted from zero, so that it gets the full
// MaxAttempts with backoff. The queued mail keeps its Message-ID and the webhook its
// Idempotency-Key, so a receiver that did get an earlier attempt can drop the repeat. Only a
// failed delivery is retried: a pending one is being retried already and a delivered one
// would reach the customer twice.
func (s *Service) RetryDelivery(ctx context.Context, u *auth.User, sessionID, messageID string) (d *chat.MessageDelivery, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := chat.Can(ctx, tx, u, policy.DeliveryRetry, sessionID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE channel_deliveries SET state = ?, attempts = 0, next_at = ?, lease = '', last_error = '', finished_at = NULL
			WHERE session_id = ? AND message_id = ? AND state = ?`, string(Pending), store.TS(tx.Now()), sessionID, messageID, string(Failed))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return whyNotRetried(ctx, tx, sessionID, messageID)
		}
		d = &chat.MessageDelivery{State: string(Pending)}
		if err := tx.Notify(ctx, DeliveryOutcomesChannel); err != nil {
			return err
		}
		return tx.Notify(ctx, deliveriesChannel)
	})
	return d, err
}

// whyNotRetried explains a retry that changed nothing: no such message in the session, a
// message that is not delivered through a channel (a customer's, a widget reply), or a
// delivery that has not failed.
func whyNotRetried(ctx context.Context, tx *store.Tx, sessionID, messageID string) error {
	ok, err := tx.Exists(ctx, "SELECT 1 FROM messages WHERE id = ? AND session_id = ?", messageID, sessionID)
	if err != nil {
		return err
	}
	if !ok {
		return errs.New(errs.NotFound, "message %q not found in session %q", messageID, sessionID)
	}
	var state string
	err = tx.QueryRow(ctx, "SELECT state FROM channel_deliveries WHERE message_id = ?", messageID).Scan(&state)
	if errs.Is(err, errs.NotFound) {
		return errs.New(errs.Conflict, "message %q has no delivery to retry: only replies sent by email or to an http channel's webhook have one", messageID)
	}
	if err != nil {
		return err
	}
	return errs.New(errs.Conflict, "only a failed delivery can be retried; the delivery of message %q is %s", messageID, state)
}
