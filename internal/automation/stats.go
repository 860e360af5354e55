package automation

import (
	"context"
	"sync/atomic"

	"github.com/parleychat/parley/internal/store"
)

// outcomeCounts counts the automation log lines this node committed, by outcome, for the
// metrics; the counters are atomic so that counting costs the dispatcher nothing it waits on.
type outcomeCounts struct{ started, skipped, failed atomic.Int64 }

type countsKey struct{}

// counting returns ctx carrying the service's counters, which writeLog finds there: the
// dispatcher's loop puts them in once, so no signature on the dispatch path changes.
func (s *Service) counting(ctx context.Context) context.Context {
	return context.WithValue(ctx, countsKey{}, &s.counts)
}

// countLine counts a log line once its transaction has committed; a batch that rolls back
// and is dispatched again is counted once.
func countLine(ctx context.Context, tx *store.Tx, outcome string) {
	c, _ := ctx.Value(countsKey{}).(*outcomeCounts)
	if c == nil {
		return
	}
	var n *atomic.Int64
	switch outcome {
	case Started:
		n = &c.started
	case Skipped:
		n = &c.skipped
	case Failed:
		n = &c.failed
	default:
		return
	}
	tx.AfterCommit(func() { n.Add(1) })
}

// Outcomes returns how many automation log lines of each outcome this node has committed
// since it started.
func (s *Service) Outcomes() map[string]int64 {
	return map[string]int64{Started: s.counts.started.Load(), Skipped: s.counts.skipped.Load(), Failed: s.counts.failed.Load()}
}
