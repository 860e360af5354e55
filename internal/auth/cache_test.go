package auth_test

import (
	"context"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestRevokedAPIKeyIsRefusedAtOnce authenticates with an API key (which the node then keeps
// in memory), revokes it, and expects the very next request to be refused on this node.
func TestRevokedAPIKeyIsRefusedAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := auth.New(db, nil)
		var key string
		if err := db.Tx(ctx, func(tx *store.Tx) (err error) {
			key, err = auth.CreateAPIKey(ctx, tx, "channel:one")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			p, err := s.Authenticate(ctx, key)
			if err != nil || p.APIKeyOwner != "channel:one" {
				t.Fatalf("got %+v, %v; want the key's owner", p, err)
			}
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return auth.RevokeAPIKeys(ctx, tx, "channel:one") }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, key); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("a revoked key got %v, want unauthorized", err)
		}
	})
}
