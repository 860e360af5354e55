package value

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
)

// Resolver answers whether the records that user, session and item values link to exist. The
// packages that own those records implement it; this package cannot ask them directly without
// importing them, which would point the package arrows the wrong way.
type Resolver interface {
	UserExists(ctx context.Context, id string) (bool, error)
	SessionExists(ctx context.Context, id string) (bool, error)
	ItemExists(ctx context.Context, workspace, app, id string) (bool, error)
}

// CheckRefs checks that the record v links to exists, for user, session and item values; other
// types and nulls need no check. A missing record is the caller's mistake, so it is an invalid
// error naming the field, such as `owner: user "u123" does not exist`, not a not_found: the
// request was found, its content is wrong. Errors of r are returned wrapped, keeping their code.
func CheckRefs(ctx context.Context, r Resolver, name string, v Value) error {
	if v.IsNull() {
		return nil
	}
	var ok bool
	var err error
	what := string(v.t.Kind) + " " + quote(v.s)
	switch v.t.Kind {
	case KindUser:
		ok, err = r.UserExists(ctx, v.s)
	case KindSession:
		ok, err = r.SessionExists(ctx, v.s)
	case KindItem:
		ok, err = r.ItemExists(ctx, v.t.Workspace, v.t.App, v.s)
		what += " of " + v.t.Workspace + "/" + v.t.App
	default:
		return nil
	}
	switch {
	case err != nil:
		return fmt.Errorf("value: check %s %q of %s: %w", v.t, v.s, name, err)
	case !ok:
		return errs.Field(name, "%s does not exist", what).
			With("expected", v.t.String())
	}
	return nil
}
