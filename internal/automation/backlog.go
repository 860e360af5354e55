package automation

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// Backlog is how far the dispatcher is behind the chat: the events written and not yet
// dispatched, and when the oldest of them was written (zero when there are none).
type Backlog struct {
	Events int64
	Oldest time.Time
}

// Backlog measures the dispatcher's backlog, for monitoring. On PostgreSQL it counts the
// events of each part after that part's cursor, and the events not yet numbered by the
// chat's sequencer; on SQLite the events after the single cursor.
func (s *Service) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var oldest store.Timestamp
		var err error
		if tx.Dialect() == store.Postgres {
			err = tx.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), MIN(m) FROM (
				SELECT x.n, x.m FROM outbox_cursors c, LATERAL (SELECT COUNT(*) AS n, MIN(created_at) AS m FROM outbox o
					WHERE o.part = CAST(substr(c.consumer, ?) AS INTEGER) AND o.seq > c.seq) x WHERE c.consumer LIKE ?
				UNION ALL SELECT COUNT(*), MIN(created_at) FROM outbox WHERE seq IS NULL) t`,
				len(consumer)+2, consumer+"/%").Scan(&b.Events, &oldest)
		} else {
			err = tx.QueryRow(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox
				WHERE seq > COALESCE((SELECT seq FROM outbox_cursors WHERE consumer = ?), 0)`, consumer).Scan(&b.Events, &oldest)
		}
		b.Oldest = oldest.Time
		return err
	})
	return b, err
}
