package chat

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// Backlog is how far a consumer of the outbox is behind: the events it has not handled yet
// and when the oldest of them was written (zero when there is none).
type Backlog struct {
	Events int64
	Oldest time.Time
}

// ConsumerBacklog reads the consumer's backlog. It counts along the outbox's primary key from
// the consumer's cursor, so it costs as much as the backlog is long: call it for monitoring,
// never on the path of a message. A consumer that never ran is behind by the whole outbox.
func ConsumerBacklog(ctx context.Context, tx *store.Tx, consumer string) (Backlog, error) {
	var after int64
	err := tx.QueryRow(ctx, "SELECT seq FROM outbox_cursors WHERE consumer = ?", consumer).Scan(&after)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Backlog{}, err
	}
	var b Backlog
	var oldest store.Timestamp
	err = tx.QueryRow(ctx, "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE seq > ?", after).Scan(&b.Events, &oldest)
	b.Oldest = oldest.Time
	return b, err
}
