package chat_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"golang.org/x/crypto/bcrypt"
)

// fixture is a live chat with one user of every role, on a real database.
type fixture struct {
	t    testing.TB
	ctx  context.Context
	db   *store.DB
	chat *chat.Service
	auth *auth.Service
	lc   *chat.LiveChat
	// widget is the live chat's widget channel.
	widget *chat.Channel

	admin, supervisor, operator, operator2, offline, stranger *auth.User
	// adminOp is an administrator and supervisorOp a supervisor who are also in the live
	// chat's operator group, online: the ones of their role who may take and reply.
	adminOp, supervisorOp *auth.User
	n                     int
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: db, chat: chat.New(db, nil), auth: auth.New(db, nil)}
	f.auth.BcryptCost = bcrypt.MinCost
	ops, sups, others := f.group("Operators"), f.group("Supervisors"), f.group("Other operators")
	f.admin = f.user("admin1", auth.Online, auth.AdministratorsID)
	f.supervisor = f.user("sup", auth.Offline, sups)
	f.operator = f.user("op", auth.Online, ops)
	f.operator2 = f.user("op2", auth.Away, ops)
	f.offline = f.user("offline", auth.Offline, ops)
	f.stranger = f.user("stranger", auth.Online, others)
	f.adminOp = f.user("adminop", auth.Online, auth.AdministratorsID, ops)
	f.supervisorOp = f.user("supop", auth.Online, sups, ops)
	var err error
	f.lc, err = f.chat.CreateLiveChat(f.ctx, chat.NewLiveChat{Name: "Support", OperatorGroups: []string{ops}, SupervisorGroups: []string{sups}})
	f.must(err)
	_, err = f.chat.CreateLiveChat(f.ctx, chat.NewLiveChat{Name: "Sales", OperatorGroups: []string{others}, SupervisorGroups: []string{others}})
	f.must(err)
	f.widget = f.lc.Channels[0]
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) group(name string) string {
	f.t.Helper()
	g, err := f.auth.CreateGroup(f.ctx, name)
	f.must(err)
	return g.ID
}

func (f *fixture) user(login string, p auth.Presence, groupIDs ...string) *auth.User {
	f.t.Helper()
	u, err := f.auth.CreateUser(f.ctx, auth.NewUser{Login: login, DisplayName: "User " + login, Password: "password-" + login})
	f.must(err)
	for _, g := range groupIDs {
		f.must(f.auth.AddMember(f.ctx, g, u.ID))
	}
	_, err = f.auth.SetPresence(f.ctx, u.ID, p)
	f.must(err)
	u, err = f.auth.User(f.ctx, u.ID)
	f.must(err)
	return u
}

// customer sends a message from a new widget customer and returns the receipt.
func (f *fixture) customer(text string) *chat.Receipt {
	f.t.Helper()
	f.n++
	return f.send(fmt.Sprintf("visitor-%d", f.n), text)
}

// send sends a message from the widget customer with that identity.
func (f *fixture) send(identity, text string) *chat.Receipt {
	f.t.Helper()
	r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: identity, Text: text,
		Customer: chat.CustomerInfo{Name: "Ann " + identity, Phone: "+79991234567", Email: "ann@example.com"}})
	f.must(err)
	return r
}

// sendUndone has the widget customer with that identity send a message in a transaction that
// then fails, so that the writer rolls the message and its events back.
func (f *fixture) sendUndone(identity, text string) {
	f.t.Helper()
	undone := errors.New("undone")
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		if _, err := f.chat.ReceiveTx(f.ctx, tx, chat.Inbound{ChannelID: f.widget.ID, Identity: identity, Text: text}); err != nil {
			return err
		}
		return undone
	})
	if !errors.Is(err, undone) {
		f.t.Fatalf("got %v, want the undone change", err)
	}
}

// session reads a session as an administrator.
func (f *fixture) session(id string) *chat.Session {
	f.t.Helper()
	s, err := f.chat.Session(f.ctx, f.admin, id)
	f.must(err)
	return s
}

// events returns every event after seq, once what was committed so far is numbered.
func (f *fixture) events(after int64) []chat.Event {
	f.t.Helper()
	f.must(chat.SequencePending(f.ctx, f.db))
	var evs []chat.Event
	f.must(f.db.Read(f.ctx, func(tx *store.Tx) (err error) {
		evs, err = chat.EventsAfter(f.ctx, tx, after, 10000)
		return err
	}))
	return evs
}

// latest returns the newest event's seq.
func (f *fixture) latest() int64 {
	f.t.Helper()
	var seq int64
	f.must(f.db.Read(f.ctx, func(tx *store.Tx) (err error) {
		seq, err = chat.LatestSeq(f.ctx, tx)
		return err
	}))
	return seq
}

// types lists the events' types.
func types(evs []chat.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// wantCode fails unless err carries the code ("" for no error).
func wantCode(t testing.TB, err error, code errs.Code) {
	t.Helper()
	switch {
	case code == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case code != "" && err == nil:
		t.Fatalf("no error, want %s", code)
	case code != "" && errs.CodeOf(err) != code:
		t.Fatalf("error %v (%s), want %s", err, errs.CodeOf(err), code)
	}
}
