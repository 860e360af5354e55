package policy_test

import (
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
)

func user(id string, presence auth.Presence, admin bool) *auth.Principal {
	u := &auth.User{ID: id, Presence: presence}
	if admin {
		u.Groups = []auth.GroupRef{{ID: auth.AdministratorsID}}
	}
	return &auth.Principal{User: u}
}

// TestCan writes out the policy's answers for the cases DOMAIN.md names, with the code of
// each refusal ("" for allowed).
func TestCan(t *testing.T) {
	chatOp := policy.Resource{Operator: true, SessionID: "s1", ChannelID: "c1", Conceal: `session "s1"`}
	chatSup := policy.Resource{Supervisor: true, SessionID: "s1", Conceal: `session "s1"`}
	stranger := policy.Resource{SessionID: "s1", ChannelID: "c1", Conceal: `session "s1"`}
	cases := []struct {
		name string
		p    *auth.Principal
		a    policy.Action
		r    policy.Resource
		want errs.Code
	}{
		{"nobody reads a session", nil, policy.SessionRead, chatOp, errs.Unauthorized},
		{"an offline operator reads", user("u", auth.Offline, false), policy.SessionRead, chatOp, ""},
		{"an offline operator does not reply", user("u", auth.Offline, false), policy.SessionReply, chatOp, errs.Forbidden},
		{"an online operator replies", user("u", auth.Online, false), policy.SessionReply, chatOp, ""},
		{"a supervisor does not reply", user("u", auth.Online, false), policy.SessionReply, chatSup, errs.Forbidden},
		{"a supervisor assigns", user("u", auth.Offline, false), policy.SessionAssign, chatSup, ""},
		{"another chat's operator is told it does not exist", user("u", auth.Online, false), policy.SessionRead, stranger, errs.NotFound},
		{"an administrator reads anything", user("u", auth.Offline, true), policy.SessionRead, stranger, ""},
		{"the session's visitor writes", &auth.Principal{Visitor: "s1"}, policy.WidgetWrite, stranger, ""},
		{"another visitor does not", &auth.Principal{Visitor: "s2"}, policy.WidgetWrite, policy.Resource{SessionID: "s1"}, errs.Forbidden},
		{"a channel's key delivers to it", &auth.Principal{APIKeyOwner: "channel:c1"}, policy.ChannelInbound, policy.Resource{ChannelID: "c1"}, ""},
		{"another channel's key does not", &auth.Principal{APIKeyOwner: "channel:c2"}, policy.ChannelInbound, policy.Resource{ChannelID: "c1"}, errs.Forbidden},
		{"a channel key publishes no message", &auth.Principal{APIKeyOwner: "channel:c1"}, policy.MessagePublish, policy.Resource{}, errs.Forbidden},
		{"a worker key publishes messages", &auth.Principal{APIKeyOwner: "worker:crm"}, policy.MessagePublish, policy.Resource{}, ""},
		{"a worker key starts processes", &auth.Principal{APIKeyOwner: "worker:crm"}, policy.ProcessStart, policy.Resource{}, ""},
		{"an operator does not start outside a session", user("u", auth.Online, false), policy.ProcessStart, policy.Resource{}, errs.Forbidden},
		{"an offline candidate completes nothing", user("u", auth.Offline, false), policy.TaskComplete, policy.Resource{Assignee: true}, errs.Forbidden},
		{"an online candidate completes", user("u", auth.Away, false), policy.TaskComplete, policy.Resource{Assignee: true}, ""},
		{"a user reads themself", user("u", auth.Offline, false), policy.UserRead, policy.Resource{UserID: "u"}, ""},
		{"but not a colleague's login", user("u", auth.Online, false), policy.UserRead, policy.Resource{UserID: "v"}, errs.Forbidden},
	}
	for _, c := range cases {
		err := policy.Can(c.p, c.a, c.r)
		if got := errs.CodeOf(err); (err == nil) != (c.want == "") || (err != nil && got != c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestEveryActionHasRule keeps the table whole: each action names who may do it.
func TestEveryActionHasRule(t *testing.T) {
	for _, a := range policy.Actions() {
		if policy.Who(a) == 0 {
			t.Errorf("action %s allows nobody", a)
		}
	}
	if err := policy.Can(nil, "no.such", policy.Resource{}); errs.CodeOf(err) != errs.Internal {
		t.Errorf("an unknown action: %v, want an internal error (refused)", err)
	}
}
