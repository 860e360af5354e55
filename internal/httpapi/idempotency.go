package httpapi

import (
	"github.com/parleychat/parley/internal/auth"
	"net/http"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// idempotency reads the Idempotency-Key of a create by the caller by and fingerprints the
// request: its path and its decoded body. A repeat with the same key and request answers with
// the first result; the same key with another request is refused with 422 (see
// store.ErrKeyReused). Keys are the caller's own: another caller's key never meets theirs.
func idempotency(r *http.Request, by string, body any) (store.Idempotency, error) {
	k := r.Header.Get("Idempotency-Key")
	if len(k) > store.MaxIdempotencyKey {
		return store.Idempotency{}, errs.Field("Idempotency-Key", "must be at most %d bytes", store.MaxIdempotencyKey)
	}
	return store.NewIdempotency(k, by, r.URL.Path, body), nil
}

// caller names whoever sends the request, for keeping Idempotency-Keys apart: the user's
// id, or the owner of the API key.
func caller(r *http.Request) string {
	p := auth.FromContext(r.Context())
	switch {
	case p == nil:
		return ""
	case p.User != nil:
		return p.User.ID
	}
	return p.APIKeyOwner
}

// idempotencyKey reads the bare Idempotency-Key header, bounded like idempotency's, for
// creates whose stored rows carry the request themselves (messages carry their text).
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if len(k) > store.MaxIdempotencyKey {
		return "", errs.Field("Idempotency-Key", "must be at most %d bytes", store.MaxIdempotencyKey)
	}
	return k, nil
}

// idempotencyHeader describes the header in the OpenAPI document of every create that
// accepts it.
var idempotencyHeader = map[string]any{
	"name": "Idempotency-Key", "in": "header", "required": false,
	"description": "Makes the create safe to retry: a repeat with the same key and request by the same caller " +
		"answers with the first result and creates nothing; the same key with another request is refused with 422.",
	"schema": map[string]any{"type": "string", "maxLength": store.MaxIdempotencyKey},
}
