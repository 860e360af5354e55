package auth

import (
	"context"

	"github.com/parleychat/parley/internal/errs"
)

// Principal is whoever a request comes from: a staff user, an integration's API key, or a
// widget visitor. Exactly one of User, APIKeyOwner and Visitor is set.
type Principal struct {
	User *User
	// APIKeyOwner is what the key was issued for, such as "channel:<id>".
	APIKeyOwner string
	// Visitor is the session id a widget visitor token grants access to.
	Visitor string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, or nil for an anonymous request.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// StaffFrom returns the staff user behind ctx, or unauthorized when there is none.
func StaffFrom(ctx context.Context) (*User, error) {
	p := FromContext(ctx)
	if p == nil || p.User == nil {
		return nil, errs.New(errs.Unauthorized, "log in as a staff user")
	}
	return p.User, nil
}

// AdminFrom returns the administrator behind ctx: unauthorized without a user, forbidden for
// a user who is not in Administrators.
func AdminFrom(ctx context.Context) (*User, error) {
	u, err := StaffFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !u.IsAdmin() {
		return nil, errs.New(errs.Forbidden, "only members of Administrators may do this")
	}
	return u, nil
}
