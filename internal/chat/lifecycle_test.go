package chat_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// The roles of the lifecycle table. "admin" and "supervisor" are in no operator group of the
// live chat; "operator admin" and "operator supervisor" are, and are online. "process" is a
// process instance acting through the Tx methods, with the rights its caller checked.
var lifecycleRoles = []string{"admin", "operator admin", "supervisor", "operator supervisor", "operator",
	"offline operator", "stranger", "process"}

var lifecycleActions = []chat.Action{chat.ActionTake, chat.ActionAssign, chat.ActionClose, chat.ActionSpam,
	chat.ActionUnspam, chat.ActionReply, chat.ActionPriority}

// deniedRoles is DOMAIN.md's "who may do what", written out: the roles refused each action
// whatever the session's state, and with which code. Taking makes the taker the session's
// operator, so only members of an operator group take, administrators included; replying is
// for operators and administrators, not for supervisors who are not operators. A stranger to
// the live chat is told the session does not exist.
var deniedRoles = map[chat.Action]map[string]errs.Code{
	chat.ActionTake: {"admin": errs.Forbidden, "supervisor": errs.Forbidden, "offline operator": errs.Forbidden,
		"stranger": errs.NotFound, "process": errs.Invalid},
	chat.ActionAssign:   {"operator": errs.Forbidden, "offline operator": errs.Forbidden, "stranger": errs.NotFound},
	chat.ActionClose:    {"offline operator": errs.Forbidden, "stranger": errs.NotFound},
	chat.ActionSpam:     {"offline operator": errs.Forbidden, "stranger": errs.NotFound},
	chat.ActionUnspam:   {"offline operator": errs.Forbidden, "stranger": errs.NotFound},
	chat.ActionReply:    {"supervisor": errs.Forbidden, "offline operator": errs.Forbidden, "stranger": errs.NotFound},
	chat.ActionPriority: {"offline operator": errs.Forbidden, "stranger": errs.NotFound},
}

// legalFrom is the state machine of DOMAIN.md: the states each action may start from. A
// process may also post into a closed session (a goodbye after session_closed).
var legalFrom = map[chat.Action][]chat.State{
	chat.ActionTake:     {chat.Waiting},
	chat.ActionAssign:   {chat.Waiting, chat.Assigned},
	chat.ActionClose:    {chat.Waiting, chat.Assigned},
	chat.ActionSpam:     {chat.Waiting, chat.Assigned},
	chat.ActionUnspam:   {chat.Spam},
	chat.ActionReply:    {chat.Waiting, chat.Assigned},
	chat.ActionPriority: {chat.Waiting, chat.Assigned},
}

func expectedCode(role string, a chat.Action, from chat.State) errs.Code {
	if code, denied := deniedRoles[a][role]; denied {
		return code
	}
	if slices.Contains(legalFrom[a], from) || (role == "process" && a == chat.ActionReply && from == chat.Closed) {
		return ""
	}
	return errs.Conflict
}

// eventOf is the one event each successful action appends.
var eventOf = map[chat.Action]string{
	chat.ActionTake: chat.EventSessionAssigned, chat.ActionAssign: chat.EventSessionAssigned,
	chat.ActionClose: chat.EventSessionClosed, chat.ActionSpam: chat.EventSessionSpam,
	chat.ActionUnspam: chat.EventSessionUnspam, chat.ActionReply: chat.EventMessageSent,
	chat.ActionPriority: chat.EventSessionUpdated,
}

// takesOnReply says whether the role's reply from the state takes the session: an operator of
// the live chat answering a waiting session becomes its operator.
func takesOnReply(role string, a chat.Action, from chat.State) bool {
	return a == chat.ActionReply && from == chat.Waiting && strings.HasPrefix(role, "operator")
}

// eventsOf is what a successful action appends: its event, after session_assigned when the
// reply took the session.
func eventsOf(role string, a chat.Action, from chat.State) []string {
	if takesOnReply(role, a, from) {
		return []string{chat.EventSessionAssigned, chat.EventMessageSent}
	}
	return []string{eventOf[a]}
}

// TestLifecycle runs every action by every role from every state, and checks the outcome, the
// session afterwards, and that exactly the action's event — or on refusal nothing — was written.
func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, a := range lifecycleActions {
			for _, from := range []chat.State{chat.Waiting, chat.Assigned, chat.Closed, chat.Spam} {
				for _, role := range lifecycleRoles {
					t.Run(string(a)+"/"+string(from)+"/"+role, func(t *testing.T) {
						f.t = t
						id := f.sessionIn(from)
						before, seq := f.session(id), f.latest()
						err := f.act(role, a, id)
						want := expectedCode(role, a, from)
						wantCode(t, err, want)
						evs := f.events(seq)
						if want != "" {
							if len(evs) != 0 || !reflect.DeepEqual(f.session(id), before) {
								t.Fatalf("a refused %s changed something: events %v", a, types(evs))
							}
							return
						}
						if got, want := types(evs), eventsOf(role, a, from); !slices.Equal(got, want) {
							t.Fatalf("events %v, want %v", got, want)
						}
						f.checkAfter(t, role, a, before, f.session(id))
					})
				}
			}
		}
	})
}

// sessionIn makes a new session in the state; assigned and spam sessions have operator
// "op" and spam ones were assigned before being marked.
func (f *fixture) sessionIn(st chat.State) string {
	f.t.Helper()
	id := f.customer("hello").Session.ID
	admin := chat.UserActor(f.admin)
	if st == chat.Assigned || st == chat.Spam {
		_, err := f.chat.Assign(f.ctx, id, f.operator.ID, admin)
		f.must(err)
	}
	var err error
	switch st {
	case chat.Closed:
		_, err = f.chat.Close(f.ctx, id, admin)
	case chat.Spam:
		_, err = f.chat.MarkSpam(f.ctx, id, admin)
	}
	f.must(err)
	return id
}

func (f *fixture) actor(role string) chat.Actor {
	users := map[string]*auth.User{"admin": f.admin, "operator admin": f.adminOp, "supervisor": f.supervisor,
		"operator supervisor": f.supervisorOp, "operator": f.operator, "offline operator": f.offline, "stranger": f.stranger}
	if role == "process" {
		return chat.ProcessActor("ins_test")
	}
	return chat.UserActor(users[role])
}

// act does the action; processes act through the Tx methods, as the engine does.
func (f *fixture) act(role string, a chat.Action, id string) error {
	by := f.actor(role)
	var err error
	switch a {
	case chat.ActionTake:
		_, err = f.chat.Take(f.ctx, id, by)
	case chat.ActionAssign:
		_, err = f.chat.Assign(f.ctx, id, f.operator2.ID, by)
	case chat.ActionClose:
		_, err = f.chat.Close(f.ctx, id, by)
	case chat.ActionSpam:
		_, err = f.chat.MarkSpam(f.ctx, id, by)
	case chat.ActionUnspam:
		_, err = f.chat.RemoveSpam(f.ctx, id, by)
	case chat.ActionReply:
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "a reply", By: by})
	case chat.ActionPriority:
		_, err = f.chat.SetPriority(f.ctx, id, chat.High, by)
	}
	return err
}

// checkAfter checks what a successful action made of the session.
func (f *fixture) checkAfter(t *testing.T, role string, a chat.Action, before, after *chat.Session) {
	t.Helper()
	want := *before
	switch a {
	case chat.ActionTake:
		want.State, want.OperatorID = chat.Assigned, f.actor(role).User.ID
	case chat.ActionAssign:
		want.State, want.OperatorID = chat.Assigned, f.operator2.ID
	case chat.ActionClose:
		want.State = chat.Closed
	case chat.ActionSpam:
		want.State, want.OperatorID, want.Priority = chat.Spam, "", chat.Low
	case chat.ActionUnspam:
		want.State, want.OperatorID, want.Priority = chat.Assigned, f.operator.ID, chat.Medium
	case chat.ActionReply:
		want.MessageCount++
		if takesOnReply(role, a, before.State) {
			want.State, want.OperatorID = chat.Assigned, f.actor(role).User.ID
		}
	case chat.ActionPriority:
		want.Priority = chat.High
	}
	got := *after
	if got.State != want.State || got.OperatorID != want.OperatorID || got.Priority != want.Priority ||
		got.MessageCount != want.MessageCount || (got.State == chat.Closed) != (got.ClosedAt != nil) {
		t.Fatalf("after %s by %s: %+v, want %+v", a, role, got, want)
	}
}

// TestConflictNamesTheState checks the message and details of an illegal transition.
func TestConflictNamesTheState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.sessionIn(chat.Closed)
		_, err := f.chat.Take(f.ctx, id, chat.UserActor(f.operator))
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Conflict || e.Details["state"] != "closed" {
			t.Fatalf("error %v, want a conflict with details state=closed", err)
		}
		if want := "the session is closed: cannot take it"; len(e.Message) < len(want) || e.Message[:len(want)] != want {
			t.Fatalf("message %q, want it to start with %q", e.Message, want)
		}
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "hi", By: chat.UserActor(f.offline)})
		if !errors.As(err, &e) || e.Code != errs.Forbidden || e.Details["reason"] != "offline" {
			t.Fatalf("offline operator's reply: %v, want forbidden with reason offline", err)
		}
	})
}

// TestTakeAndReplyNeedAnOperator checks the reasons given to an administrator or supervisor
// who is not an operator of the live chat, and that they can still assign the session.
func TestTakeAndReplyNeedAnOperator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.sessionIn(chat.Waiting)
		var e *errs.Error
		_, err := f.chat.Take(f.ctx, id, chat.UserActor(f.admin))
		if !errors.As(err, &e) || e.Code != errs.Forbidden || e.Details["reason"] != "not_operator" ||
			!strings.Contains(e.Message, "not an operator of the live chat") {
			t.Fatalf("an administrator's take: %v, want forbidden with reason not_operator", err)
		}
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "hi", By: chat.UserActor(f.supervisor)})
		if !errors.As(err, &e) || e.Code != errs.Forbidden || e.Details["reason"] != "not_operator" {
			t.Fatalf("a supervisor's reply: %v, want forbidden with reason not_operator", err)
		}
		sess, err := f.chat.Assign(f.ctx, id, f.operator.ID, chat.UserActor(f.admin))
		f.must(err)
		if sess.State != chat.Assigned || sess.OperatorID != f.operator.ID {
			t.Fatalf("after the administrator's assign: %+v", sess)
		}
	})
}

// TestReplyTakesTheWaitingSession checks take-on-reply: an operator of the live chat who
// answers a waiting session becomes its operator in the same change (session_assigned then
// message_sent), so the session leaves the queue; an administrator who is no operator answers
// without taking it, and a reply to an assigned session leaves its operator in place.
func TestReplyTakesTheWaitingSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.sessionIn(chat.Waiting)
		_, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "from the administrator", By: chat.UserActor(f.admin)})
		f.must(err)
		if s := f.session(id); s.State != chat.Waiting || s.OperatorID != "" {
			t.Fatalf("after an administrator's reply the session is %s with operator %q, want still waiting", s.State, s.OperatorID)
		}
		seq := f.latest()
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "I can help", By: chat.UserActor(f.operator)})
		f.must(err)
		if s := f.session(id); s.State != chat.Assigned || s.OperatorID != f.operator.ID {
			t.Fatalf("after the operator's reply the session is %s with operator %q, want assigned to %s", s.State, s.OperatorID, f.operator.ID)
		}
		evs := f.events(seq)
		if got := types(evs); !slices.Equal(got, []string{chat.EventSessionAssigned, chat.EventMessageSent}) {
			t.Fatalf("the reply wrote the events %v", got)
		}
		if snap := evs[0].Snapshot.Session; snap.State != chat.Assigned || snap.OperatorID != f.operator.ID {
			t.Fatalf("session_assigned carries %+v", snap)
		}
		_, err = f.chat.PostMessage(f.ctx, chat.Reply{SessionID: id, Text: "me too", By: chat.UserActor(f.adminOp)})
		if s := f.session(id); s.OperatorID != f.operator.ID {
			t.Fatalf("a later reply (err %v) moved the session to %q", err, s.OperatorID)
		}
	})
}
