package channel

import (
	"context"
	"sync/atomic"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// receivedCounts counts the customer messages this node stored, by channel type, for the
// metrics; a repeated delivery that stored nothing is not counted.
type receivedCounts struct{ widget, http, email, telegram atomic.Int64 }

func (c *receivedCounts) add(t chat.ChannelType, r *chat.Receipt) {
	if r == nil || r.Duplicate {
		return
	}
	switch t {
	case chat.ChannelWidget:
		c.widget.Add(1)
	case chat.ChannelHTTP:
		c.http.Add(1)
	case chat.ChannelEmail:
		c.email.Add(1)
	case chat.ChannelTelegram:
		c.telegram.Add(1)
	}
}

// Received returns how many customer messages this node has stored since it started, by
// channel type.
func (s *Service) Received() map[string]int64 {
	return map[string]int64{
		string(chat.ChannelWidget):   s.received.widget.Load(),
		string(chat.ChannelHTTP):     s.received.http.Load(),
		string(chat.ChannelEmail):    s.received.email.Load(),
		string(chat.ChannelTelegram): s.received.telegram.Load(),
	}
}

// DeliveryQueue counts the replies waiting to be delivered to http channels' webhooks or by
// mail, and how many of them are due now; for monitoring.
func (s *Service) DeliveryQueue(ctx context.Context) (pending, due int64, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN next_at <= ? THEN 1 ELSE 0 END), 0) FROM channel_deliveries WHERE state = 'pending'",
			store.TS(tx.Now())).Scan(&pending, &due)
	})
	return pending, due, err
}
