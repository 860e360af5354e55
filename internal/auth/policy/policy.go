// Package policy is the one place that says who may do what (DOMAIN.md, "Who"). Each action
// is named once; Can answers for a principal, an action and the facts about the resource
// that the calling service looked up (the caller's groups in the resource's live chat, the
// task's assignee, the session a visitor token is for). Services ask it at the top of their
// public methods, and every HTTP route declares the action it performs, so a new endpoint is
// safe because of this table, not because of whoever wrote it.
package policy

import (
	"context"

	"strings"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
)

// Role is what a principal is with respect to one resource. A principal holds several roles
// at once; an action is allowed when it holds one of the action's roles.
type Role uint32

// The roles of DOMAIN.md, relative to the resource in question.
const (
	// Anyone is every caller, with or without credentials.
	Anyone Role = 1 << iota
	// Staff is any logged-in user.
	Staff
	// Admin is a member of Administrators.
	Admin
	// Supervisor is a member of a supervisor group of the resource's live chat.
	Supervisor
	// Operator is a member of an operator group of the resource's live chat, of any presence.
	Operator
	// OnlineOperator is such an operator who is not offline: an offline operator only reads.
	OnlineOperator
	// Assignee is a task's assignee or a member of one of its candidate groups.
	Assignee
	// ActiveAssignee is such an assignee who is not offline.
	ActiveAssignee
	// Self is the user the resource is.
	Self
	// Visitor is the widget visitor of the resource's session.
	Visitor
	// ChannelKey is the API key of the resource's channel.
	ChannelKey
	// WorkerKey is an API key an administrator issued to an outside worker.
	WorkerKey
	// SessionOperator is the session's assigned operator who is not offline.
	SessionOperator
)

// related are the roles that say the caller has some business with the resource; a caller
// with none of them is told the resource does not exist when the resource is concealed.
const related = Admin | Supervisor | Operator | SessionOperator | Assignee | Self | Visitor | ChannelKey

var roleNames = []struct {
	r    Role
	name string
}{
	{Anyone, "anyone"}, {Staff, "staff users"}, {Admin, "administrators"},
	{Supervisor, "supervisors of the live chat"}, {Operator, "operators of the live chat"},
	{OnlineOperator, "operators of the live chat who are not offline"},
	{Assignee, "the task's assignee and candidates"},
	{ActiveAssignee, "the task's assignee and candidates who are not offline"},
	{Self, "the user themself"}, {Visitor, "the session's visitor"},
	{ChannelKey, "the channel's API key"}, {WorkerKey, "worker API keys"},
	{SessionOperator, "the session's operator who is not offline"},
}

// String lists the roles in words, for messages and docs/security.md.
func (r Role) String() string {
	var parts []string
	for _, n := range roleNames {
		if r&n.r != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "nobody"
	}
	return strings.Join(parts, ", ")
}

// Resource is what the calling service knows about the thing acted on, relative to the
// caller. The zero value is a resource outside any live chat, session, channel or task.
type Resource struct {
	// Operator and Supervisor say whether the calling user is in an operator or supervisor
	// group of the live chat the resource belongs to.
	Operator, Supervisor bool
	// Assignee says whether the calling user is the task's assignee or a candidate.
	Assignee bool
	// SessionID is the session the resource belongs to, matched against a visitor token.
	SessionID string
	// ChannelID is the channel the resource belongs to, matched against a channel key.
	ChannelID string
	// UserID is the user the resource is, matched against the calling user.
	UserID string
	// OperatorID is the session's assigned operator, matched against the calling user.
	OperatorID string
	// Conceal names the resource (such as `session "ses_1"`) when knowing that it exists
	// would itself leak: a caller with no business with it is told it is not found.
	Conceal string
}

// Principal kinds of API keys: the owner strings auth stores with each key.
const (
	ChannelOwnerPrefix = "channel:"
	WorkerOwnerPrefix  = auth.WorkerOwner
)

// Held returns the roles the principal holds with respect to the resource.
func Held(p *auth.Principal, r Resource) Role {
	held := Anyone
	switch {
	case p == nil:
	case p.User != nil:
		held |= userRoles(p.User, r)
	case p.Visitor != "":
		if r.SessionID != "" && r.SessionID == p.Visitor {
			held |= Visitor
		}
	case strings.HasPrefix(p.APIKeyOwner, WorkerOwnerPrefix):
		held |= WorkerKey
	case strings.HasPrefix(p.APIKeyOwner, ChannelOwnerPrefix):
		if r.ChannelID != "" && p.APIKeyOwner == ChannelOwnerPrefix+r.ChannelID {
			held |= ChannelKey
		}
	}
	return held
}

func userRoles(u *auth.User, r Resource) Role {
	held := Staff
	online := u.Presence != auth.Offline
	if u.IsAdmin() {
		held |= Admin
	}
	if r.Supervisor {
		held |= Supervisor
	}
	if r.Operator {
		held |= Operator
		if online {
			held |= OnlineOperator
		}
	}
	if r.Assignee {
		held |= Assignee
		if online {
			held |= ActiveAssignee
		}
	}
	if r.UserID != "" && r.UserID == u.ID {
		held |= Self
	}
	if online && r.OperatorID != "" && r.OperatorID == u.ID {
		held |= SessionOperator
	}
	return held
}

// Can answers whether the principal may do the action on the resource: nil, or an error that
// says why not — unauthorized without credentials, not found for a concealed resource the
// caller has no business with, forbidden otherwise (with details {"reason": "offline"} for
// an offline operator and {"reason": "not_operator"} for one who is not an operator).
func Can(p *auth.Principal, a Action, r Resource) error {
	rule, ok := rules[a]
	if !ok {
		return errs.New(errs.Internal, "no policy for action %q", a)
	}
	held := Held(p, r)
	if held&rule.who != 0 {
		return nil
	}
	return refusal(p, a, rule, held, r)
}

func refusal(p *auth.Principal, a Action, rule rule, held Role, r Resource) error {
	switch {
	case p == nil:
		return errs.New(errs.Unauthorized, "log in, or send a token or API key, to %s", rule.what)
	case r.Conceal != "" && held&related == 0:
		return errs.New(errs.NotFound, "%s not found", r.Conceal)
	case rule.who&(OnlineOperator|ActiveAssignee|SessionOperator) != 0 && held&(Operator|Assignee) != 0 && p.User != nil && p.User.Presence == auth.Offline &&
		(rule.who&SessionOperator == 0 || r.OperatorID == p.User.ID):
		return errs.New(errs.Forbidden, "you are offline, and an offline operator can only read: set your presence to online first").
			With("reason", "offline").With("action", string(a))
	case rule.who&(OnlineOperator|Operator) != 0 && held&(Admin|Supervisor) != 0:
		return errs.New(errs.Forbidden, "you are not an operator of the live chat: only members of its operator groups may %s", rule.what).
			With("reason", "not_operator").With("action", string(a))
	}
	return errs.New(errs.Forbidden, "you may not %s: that is for %s", rule.what, rule.who).With("action", string(a))
}

// Possible reports whether a principal of this kind could do the action on some resource;
// the HTTP layer refuses at once a call that no resource could allow, such as a channel key
// on a staff route or an operator on an administrators' route.
func Possible(p *auth.Principal, a Action) error {
	rule, ok := rules[a]
	if !ok {
		return errs.New(errs.Internal, "no policy for action %q", a)
	}
	maybe := Anyone
	switch {
	case p == nil:
	case p.User != nil:
		maybe |= userRoles(p.User, Resource{Operator: true, Supervisor: true, Assignee: true, UserID: p.User.ID})
		// Presence is left to the service, which answers with the reason "offline".
		maybe |= OnlineOperator | ActiveAssignee | SessionOperator
	case p.Visitor != "":
		maybe |= Visitor
	case strings.HasPrefix(p.APIKeyOwner, WorkerOwnerPrefix):
		maybe |= WorkerKey
	case strings.HasPrefix(p.APIKeyOwner, ChannelOwnerPrefix):
		maybe |= ChannelKey
	}
	if maybe&rule.who != 0 {
		return nil
	}
	return refusal(p, a, rule, maybe, Resource{})
}

// Who returns the roles that may do the action (for docs and tests).
func Who(a Action) Role { return rules[a].who }

// Check asks about an action that needs no resource, for the caller behind ctx.
func Check(ctx context.Context, a Action) error {
	return Can(auth.FromContext(ctx), a, Resource{})
}

// UserCan is Check for actions only users do: it returns the calling user once allowed.
func UserCan(ctx context.Context, a Action) (*auth.User, error) {
	if err := Check(ctx, a); err != nil {
		return nil, err
	}
	return auth.StaffFrom(ctx)
}
