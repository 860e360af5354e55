package automation

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestLeasesDivideTheParts renews three nodes' leases in turn, as their dispatchers do: within
// a few renewals every part has exactly one holder and each node holds at most its share.
func TestLeasesDivideTheParts(t *testing.T) {
	db := postgresOnly(t)
	s := newStack(t, db)
	nodes := []*Service{s.automation(t), New(db, s.chat, s.process, nil, Options{}), New(db, s.chat, s.process, nil, Options{})}
	share := (chat.Partitions + len(nodes) - 1) / len(nodes)
	for round := range 5 {
		holder := map[int]int{}
		divided := true
		for i, n := range nodes {
			_, err := n.renewLeases(s.ctx)
			must(t, err)
			held, _ := n.lease.parts()
			if len(held) > share && round > 1 {
				t.Fatalf("round %d: node %d holds %d parts, more than its share %d", round, i, len(held), share)
			}
			for _, p := range held {
				if _, ok := holder[p]; ok {
					divided = false // the earlier holder lets go at its next renewal
				}
				holder[p] = i
			}
		}
		if divided && len(holder) == chat.Partitions {
			return
		}
	}
	t.Fatalf("after 5 renewals of each node the parts are not divided among them")
}

// TestDeadNodesPartsAreTakenOver has one node take every part and die without letting go,
// holding the parts of messages already written. The node left running takes them once the
// dead node's leases expire, and every message starts exactly one instance, in order.
func TestDeadNodesPartsAreTakenOver(t *testing.T) {
	db := postgresOnly(t)
	s := newStack(t, db)
	dead := s.automation(t)
	_, err := dead.renewLeases(s.ctx)
	must(t, err)
	if held, _ := dead.lease.parts(); len(held) != chat.Partitions {
		t.Fatalf("the only node holds %d parts, want all %d", len(held), chat.Partitions)
	}
	died := time.Now()
	s.write(t, 6, 3)
	survivor := New(db, s.chat, s.process, nil, Options{Batch: 4})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); survivor.Run(ctx) }()
	waitStarted(t, s, 18)
	t.Logf("the dead node's parts were dispatched %v after its last renewal", time.Since(died).Round(100*time.Millisecond))
	checkOnce(t, s, 6, 3)
	if held, _ := survivor.lease.parts(); len(held) != chat.Partitions {
		t.Fatalf("the survivor holds %d parts, want all %d", len(held), chat.Partitions)
	}
	// A node that stops lets go of its parts at once.
	cancel()
	wg.Wait()
	var left int
	must(t, db.Read(s.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(s.ctx, "SELECT COUNT(*) FROM automation_leases WHERE node = ?", survivor.lease.node).Scan(&left)
	}))
	if left != 0 {
		t.Fatalf("a stopped node still holds %d parts", left)
	}
}

// TestLeaseTakeoverIsOneRenewalAfterExpiry checks the bound on a takeover: once a dead node's
// leases have expired by PostgreSQL's clock, the next renewal of a live node takes them all.
func TestLeaseTakeoverIsOneRenewalAfterExpiry(t *testing.T) {
	db := postgresOnly(t)
	s := newStack(t, db)
	dead, live := s.automation(t), New(db, s.chat, s.process, nil, Options{})
	_, err := dead.renewLeases(s.ctx)
	must(t, err)
	for {
		var expired bool
		must(t, db.Read(s.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(s.ctx, `SELECT MAX(expires_at) < (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT
				FROM automation_leases`).Scan(&expired)
		}))
		if expired {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, err = live.renewLeases(s.ctx)
	must(t, err)
	held, _ := live.lease.parts()
	if !slices.Equal(held, allParts()) {
		t.Fatalf("after the dead node's leases expired, one renewal took %v, want every part", held)
	}
}

func allParts() []int {
	parts := make([]int, chat.Partitions)
	for i := range parts {
		parts[i] = i
	}
	return parts
}

// postgresOnly returns a PostgreSQL database of the test's own, or skips: SQLite has one node.
func postgresOnly(t *testing.T) *store.DB {
	if storetest.PostgresURL(t) == "" {
		t.Skip("PostgreSQL only: set PARLEY_TEST_POSTGRES")
	}
	return storetest.Postgres(t)
}
