package automation

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// Leases on the parts of PostgreSQL's outbox. Without them every node tried every part with
// waiting events at every wake-up, skipping those another node held: nodes spent their time
// (and PostgreSQL's) on parts they then skipped, and the busiest node took the most. With
// them each running dispatcher holds about its share of the parts (chat.Partitions divided
// by the live nodes, rounded up) and dispatches only those, so nodes add dispatch throughput
// instead of contending for it.
//
// A node renews its leases every leaseRenew in one statement (parley_lease_parts, migration
// 0550), which also says the node is alive, lets go of parts beyond its share when more nodes
// have come, and takes expired parts up to its share. A node that stops lets go at once; a
// node that dies stops renewing, and its leases expire after leaseTTL, when it also stops
// counting as alive: the others take its parts at their next renewal, within leaseTTL +
// leaseRenew (4 s) of its last one.
//
// A lease only divides the work; it does not guard it. The batch's transaction still holds
// its part's cursor row (FOR UPDATE SKIP LOCKED), so that while a part changes hands, the
// node letting go and the node taking it never dispatch it at the same time, and exactly once
// and each session's order rest on the cursor as before.
const (
	leaseTTL   = 3 * time.Second
	leaseRenew = time.Second
)

// leaseState is what the node running this dispatcher holds.
type leaseState struct {
	node string
	mu   sync.Mutex
	held []int
	on   bool // the dispatcher runs with leases
}

// holds reports whether the node may dispatch part: it holds its lease, or it runs without
// leases (DispatchOnce, SQLite).
func (l *leaseState) holds(part int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.on || slices.Contains(l.held, part)
}

// parts returns the parts the node holds, or nil (every part) when it runs without leases.
func (l *leaseState) parts() (parts []int, all bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.held), !l.on
}

// renewLeases renews the node's leases and reports whether it holds a part it did not before.
func (s *Service) renewLeases(ctx context.Context) (gained bool, err error) {
	var held []int
	err = s.db.Tx(ctx, func(tx *store.Tx) (err error) {
		held, err = store.Column[int](ctx, tx, "SELECT parley_lease_parts(?, ?)", s.lease.node, leaseTTL.Milliseconds())
		return err
	})
	if err != nil {
		return false, err
	}
	l := &s.lease
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range held {
		gained = gained || !slices.Contains(l.held, p)
	}
	l.held, l.on = held, true
	return gained, nil
}

// holdLeases renews the node's leases until ctx ends, telling gained when the node took a
// part (so that the dispatcher drains it at once), and lets go of them when ctx ends.
func (s *Service) holdLeases(ctx context.Context, gained chan<- struct{}) {
	tick := time.NewTicker(leaseRenew)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.releaseLeases()
			return
		case <-tick.C:
		}
		got, err := s.renewLeases(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("automation: renewing the leases on the outbox's parts failed; will retry", "err", err)
		}
		if got {
			select {
			case gained <- struct{}{}:
			default:
			}
		}
	}
}

// releaseLeases lets go of the node's parts, so that the other nodes take them at their next
// renewal rather than after the leases expire.
func (s *Service) releaseLeases() {
	l := &s.lease
	l.mu.Lock()
	l.held, l.on = nil, false
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var one int
	if err := s.db.QueryAlone(ctx, "SELECT 1 FROM parley_release_parts(?)", l.node).Scan(&one); err != nil {
		s.log.Warn("automation: letting go of the outbox's parts failed; they expire on their own", "err", err)
	}
}
