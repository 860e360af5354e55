package chat_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// eachWithClock runs fn on both dialects with a settable clock.
func eachWithClock(t *testing.T, fn func(t *testing.T, f *fixture, clock *storetest.Clock)) {
	t.Run("sqlite", func(t *testing.T) {
		clock := &storetest.Clock{}
		fn(t, newFixture(t, storetest.SQLite(t, storetest.Options{Clock: clock})), clock)
	})
	if storetest.PostgresURL(t) != "" {
		t.Run("postgres", func(t *testing.T) {
			clock := &storetest.Clock{}
			fn(t, newFixture(t, storetest.Postgres(t, storetest.Options{Clock: clock})), clock)
		})
	}
}

func (f *fixture) route(r chat.Routing) {
	f.t.Helper()
	_, err := f.chat.SetRouting(f.ctx, f.admin, f.lc.ID, r)
	f.must(err)
}

func (f *fixture) presence(u *auth.User, p auth.Presence) {
	f.t.Helper()
	_, err := f.chat.SetPresence(f.ctx, u.ID, p)
	f.must(err)
}

// operatorOf is the session's operator as an administrator reads it now.
func (f *fixture) operatorOf(id string) string { return f.session(id).OperatorID }

func TestRoundRobinTakesTurnsAmongOnlineOperators(t *testing.T) {
	eachWithClock(t, func(t *testing.T, f *fixture, _ *storetest.Clock) {
		f.route(chat.Routing{Mode: chat.RoutingRoundRobin})
		online := map[string]bool{f.operator.ID: true, f.adminOp.ID: true, f.supervisorOp.ID: true}
		after := f.latest()
		var got []string
		for i := range 7 {
			r := f.customer(fmt.Sprintf("hello %d", i))
			if r.Session.State != chat.Assigned || !online[r.Session.OperatorID] {
				t.Fatalf("session %d: %s to %q, want assigned to an online operator", i, r.Session.State, r.Session.OperatorID)
			}
			got = append(got, r.Session.OperatorID)
		}
		if got[0] == got[1] || got[1] == got[2] || got[0] == got[2] {
			t.Fatalf("the first three sessions went to %v, want three operators", got[:3])
		}
		for i := 3; i < len(got); i++ {
			if got[i] != got[i-3] {
				t.Fatalf("session %d went to %s, want %s: turns %v", i, got[i], got[i-3], got)
			}
		}
		assigned := 0
		for _, e := range f.events(after) {
			if e.Type == chat.EventSessionAssigned && e.By == "system" && e.Snapshot.Session.State == chat.Assigned {
				assigned++
			}
		}
		if assigned != 7 {
			t.Fatalf("%d session_assigned events by the system, want 7", assigned)
		}
	})
}

func TestLeastBusyPicksTheOperatorWithFewestOpenSessions(t *testing.T) {
	eachWithClock(t, func(t *testing.T, f *fixture, _ *storetest.Clock) {
		for _, u := range []*auth.User{f.operator, f.operator, f.adminOp} {
			_, err := f.chat.Take(f.ctx, f.customer("by hand").Session.ID, chat.UserActor(u))
			f.must(err)
		}
		f.route(chat.Routing{Mode: chat.RoutingLeastBusy})
		want := []string{f.supervisorOp.ID, f.adminOp.ID, f.supervisorOp.ID}
		for i, w := range want {
			if got := f.customer("busy?").Session.OperatorID; got != w {
				t.Fatalf("session %d went to %s, want %s", i, got, w)
			}
		}
	})
}

func TestLimitOfflineOperatorsAndTheQueue(t *testing.T) {
	eachWithClock(t, func(t *testing.T, f *fixture, _ *storetest.Clock) {
		f.presence(f.adminOp, auth.Offline)
		f.presence(f.supervisorOp, auth.Away)
		f.route(chat.Routing{Mode: chat.RoutingRoundRobin, MaxOpen: 1})
		first := f.customer("one").Session
		if first.OperatorID != f.operator.ID {
			t.Fatalf("first session to %q, want the only online operator %s", first.OperatorID, f.operator.ID)
		}
		second := f.customer("two").Session
		if second.State != chat.Waiting || second.OperatorID != "" {
			t.Fatalf("second session %s to %q, want waiting: the online operator is at the limit", second.State, second.OperatorID)
		}
		// An operator coming online drains the queue in the same call.
		f.presence(f.operator2, auth.Online)
		if got := f.operatorOf(second.ID); got != f.operator2.ID {
			t.Fatalf("queued session went to %q after op2 came online, want %s", got, f.operator2.ID)
		}
		third := f.customer("three").Session
		if third.State != chat.Waiting {
			t.Fatalf("third session %s, want waiting", third.State)
		}
		// Closing a session frees a slot, which the queue fills.
		_, err := f.chat.Close(f.ctx, first.ID, chat.UserActor(f.operator))
		f.must(err)
		if got := f.operatorOf(third.ID); got != f.operator.ID {
			t.Fatalf("queued session went to %q after a close, want %s", got, f.operator.ID)
		}
		for _, u := range []*auth.User{f.offline, f.adminOp, f.supervisorOp} {
			if list, err := f.chat.Sessions(f.ctx, u, chat.SessionFilter{Mine: true, Page: store.Page{Limit: 50}}); err != nil || len(list.Items) != 0 {
				t.Fatalf("%s (not online) got %d sessions (%v)", u.Login, len(list.Items), err)
			}
		}
	})
}

func TestUnansweredSessionIsHandedOnAfterTheHandOnTime(t *testing.T) {
	eachWithClock(t, func(t *testing.T, f *fixture, clock *storetest.Clock) {
		f.route(chat.Routing{Mode: chat.RoutingRoundRobin, ReassignAfter: 60})
		ignored := f.customer("hello?").Session
		answered := f.customer("hi").Session
		chosen := f.customer("by hand").Session
		_, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: answered.ID, Text: "Hello!", By: chat.UserActor(f.userByID(answered.OperatorID))})
		f.must(err)
		_, err = f.chat.Assign(f.ctx, chosen.ID, f.operator.ID, chat.UserActor(f.admin))
		f.must(err)
		clock.Advance(59 * time.Second)
		if n, err := f.chat.SweepRouting(f.ctx); err != nil || n != 0 {
			t.Fatalf("sweep before the hand-on time moved %d (%v)", n, err)
		}
		clock.Advance(2 * time.Second)
		if n, err := f.chat.SweepRouting(f.ctx); err != nil || n != 1 {
			t.Fatalf("sweep after the hand-on time moved %d (%v), want 1", n, err)
		}
		if got := f.operatorOf(ignored.ID); got == ignored.OperatorID || got == "" {
			t.Fatalf("ignored session still with %q, want the next operator", got)
		}
		if f.operatorOf(answered.ID) != answered.OperatorID || f.operatorOf(chosen.ID) != f.operator.ID {
			t.Fatal("an answered or hand-assigned session was handed on")
		}
	})
}

func (f *fixture) userByID(id string) *auth.User {
	f.t.Helper()
	u, err := f.auth.User(f.ctx, id)
	f.must(err)
	return u
}

func TestRoutingSettingsAreCheckedAndForAdministrators(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, err := f.chat.SetRouting(f.ctx, f.admin, f.lc.ID, chat.Routing{Mode: "random", MaxOpen: -1, ReassignAfter: -5})
		wantCode(t, err, errs.Invalid)
		for _, field := range []string{"mode", "max_open", "reassign_after"} {
			if !strings.Contains(err.Error(), field+":") {
				t.Fatalf("error %v does not name %s", err, field)
			}
		}
		_, err = f.chat.SetRouting(f.ctx, f.supervisor, f.lc.ID, chat.Routing{Mode: chat.RoutingRoundRobin})
		wantCode(t, err, errs.Forbidden)
		r, err := f.chat.RoutingOf(f.ctx, f.operator, f.lc.ID)
		f.must(err)
		if r.Mode != chat.RoutingManual {
			t.Fatalf("a new live chat routes %q, want manual", r.Mode)
		}
	})
}

// TestTwoNodesNeverDoubleAssign routes and hands on sessions from two nodes at once against
// one PostgreSQL: no operator goes over the limit and each due session moves exactly once.
func TestTwoNodesNeverDoubleAssign(t *testing.T) {
	base := storetest.PostgresURL(t)
	if base == "" {
		t.Skip("PostgreSQL only: set PARLEY_TEST_POSTGRES")
	}
	clock := &storetest.Clock{}
	nodes := storetest.Nodes(t, 2, storetest.Options{Clock: clock})
	f := newFixture(t, nodes[0])
	second := chat.New(nodes[1], nil)
	f.route(chat.Routing{Mode: chat.RoutingRoundRobin, MaxOpen: 1, ReassignAfter: 30})
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := []*chat.Service{f.chat, second}[i%2]
			_, err := svc.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: fmt.Sprintf("twin-%d", i), Text: "hi"})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	open := f.openPerOperator()
	if len(open) != 3 {
		t.Fatalf("open sessions per operator %v, want one each for the three online operators", open)
	}
	for op, n := range open {
		if n != 1 {
			t.Fatalf("operator %s has %d open sessions, over the limit of 1", op, n)
		}
	}
	f.route(chat.Routing{Mode: chat.RoutingRoundRobin, ReassignAfter: 30}) // no limit: all 12 assigned
	after := f.latest()
	clock.Advance(31 * time.Second)
	var moved [4]int
	for i := range moved {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := []*chat.Service{f.chat, second}[i%2].SweepRouting(f.ctx)
			if err != nil {
				t.Error(err)
			}
			moved[i] = n
		}()
	}
	wg.Wait()
	perSession := map[string]int{}
	for _, e := range f.events(after) {
		if e.Type == chat.EventSessionAssigned {
			perSession[e.SessionID]++
		}
	}
	if total := moved[0] + moved[1] + moved[2] + moved[3]; total != 12 || len(perSession) != 12 {
		t.Fatalf("sweeps moved %v (%d sessions had events), want 12 in all", moved, len(perSession))
	}
	for id, n := range perSession {
		if n != 1 {
			t.Fatalf("session %s was handed on %d times", id, n)
		}
	}
}

// openPerOperator counts the assigned sessions of the live chat by operator.
func (f *fixture) openPerOperator() map[string]int {
	f.t.Helper()
	list, err := f.chat.Sessions(f.ctx, f.admin, chat.SessionFilter{LiveChatID: f.lc.ID, States: []chat.State{chat.Assigned}, Page: store.Page{Limit: 100}})
	f.must(err)
	out := map[string]int{}
	for _, s := range list.Items {
		out[s.OperatorID]++
	}
	return out
}
