package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/realtime"
	"github.com/parleychat/parley/internal/store/storetest"
)

// woken reports whether the channel has a wake-up waiting now. A local Publish wakes its
// subscribers before it returns, so "not woken" right after a handler ran is an answer, not
// a race.
func woken(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// TestVisitorTypingPassesOncePerInterval feeds a widget socket's handler frames: the first
// typing word wakes the session's staff, a second one at once is held back, and frames that
// are not typing words wake nobody. It runs on SQLite alone: on PostgreSQL the node's own
// NOTIFY comes back a moment later and wakes the channel again, which would blur "held back";
// TestTypingAcrossNodes covers PostgreSQL.
func TestVisitorTypingPassesOncePerInterval(t *testing.T) {
	db := storetest.SQLite(t)
	wake, cancel := db.Subscribe(realtime.TypingChannel("ses_1", realtime.SideCustomer))
	defer cancel()
	other, cancelOther := db.Subscribe(realtime.TypingChannel("ses_2", realtime.SideCustomer))
	defer cancelOther()
	h := realtime.VisitorTyping(db, "ses_1")
	ctx := context.Background()
	for _, junk := range []string{`not json`, `{"type":"message","text":"hi"}`, `{}`} {
		h(ctx, []byte(junk))
		if woken(wake) {
			t.Fatalf("the frame %s woke the staff", junk)
		}
	}
	h(ctx, []byte(`{"type":"typing","session_id":"ses_2"}`))
	if !woken(wake) || woken(other) {
		t.Fatal("a typing word did not reach its own session's staff only (a visitor cannot name another session)")
	}
	h(ctx, []byte(`{"type":"typing"}`))
	if woken(wake) {
		t.Fatal("a second typing word within the interval was passed on")
	}
}

// TestTypingAcrossNodes runs two nodes on one PostgreSQL database: a customer typing on a
// socket of node A wakes the staff subscription on node B, through NOTIFY.
func TestTypingAcrossNodes(t *testing.T) {
	base := storetest.PostgresURL(t)
	if base == "" {
		t.Skip("PostgreSQL only: set PARLEY_TEST_POSTGRES")
	}
	ctx := context.Background()
	nodes := storetest.Nodes(t, 2)
	nodeA, nodeB := nodes[0], nodes[1]
	wake, cancel := nodeB.Subscribe(realtime.TypingChannel("ses_x", realtime.SideCustomer))
	defer cancel()
	// Node B's listener may not be in place yet, and when it comes it wakes every channel: wait
	// until a wake-up from node A reaches node B, drop what the listener's start caused, and
	// only then type.
	ready, cancelReady := nodeB.Subscribe("typing-test-ready")
	defer cancelReady()
	for up := false; !up; {
		nodeA.Publish("typing-test-ready")
		select {
		case <-ready:
			up = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	woken(wake)
	realtime.VisitorTyping(nodeA, "ses_x")(ctx, []byte(`{"type":"typing"}`))
	select {
	case <-wake:
	case <-time.After(10 * time.Second):
		t.Fatal("node B was not woken by node A's typing word")
	}
}

// TestStaffTypingOnlyWhereTheyMayReply feeds a staff socket's handler: a user of no live chat
// names a session and wakes nobody; an administrator who may reply wakes its customer's widget.
func TestStaffTypingOnlyWhereTheyMayReply(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	users := auth.New(db, nil)
	stranger, err := users.CreateUser(ctx, auth.NewUser{Login: "stan", DisplayName: "Stan", Password: "stan-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := users.CreateUser(ctx, auth.NewUser{Login: "ada", DisplayName: "Ada", Password: "ada-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.AddMember(ctx, auth.AdministratorsID, admin.ID); err != nil {
		t.Fatal(err)
	}
	r := receive(t, db, liveChat(t, db, "Support"), "v1", "hello")
	wake, cancel := db.Subscribe(realtime.TypingChannel(r.Session.ID, realtime.SideOperator))
	defer cancel()
	frame := []byte(`{"type":"typing","session_id":"` + r.Session.ID + `"}`)
	realtime.StaffTyping(db, stranger)(ctx, frame)
	if woken(wake) {
		t.Fatal("a user of no live chat made the customer's widget say an operator is typing")
	}
	realtime.StaffTyping(db, admin)(ctx, frame)
	if !woken(wake) {
		t.Fatal("the administrator's typing did not reach the customer's widget")
	}
}
