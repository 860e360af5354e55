package auth

import (
	"context"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// SecretCache remembers, for a bounded time, what the hash of a secret (an API key, a visitor
// token) stood for, so that a busy integration or widget customer does not cost a database
// read per request: that read was a tenth of the server's time under load. Only secrets that
// were valid are kept; an unknown one is looked up every time.
type SecretCache struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[string]cachedSecret
}

type cachedSecret struct {
	value string
	until time.Time
}

// NewSecretCache returns a cache whose entries live ttl and which holds up to max of them;
// when full it starts again empty, which costs one read per secret in use.
func NewSecretCache(ttl time.Duration, max int) *SecretCache {
	return &SecretCache{ttl: ttl, max: max, m: map[string]cachedSecret{}}
}

// Get returns what hash stood for when it was put, unless that was longer than ttl ago.
func (c *SecretCache) Get(hash string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || time.Now().After(e.until) {
		return "", false
	}
	return e.value, true
}

// Put remembers what hash stands for.
func (c *SecretCache) Put(hash, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[hash] = cachedSecret{value: value, until: time.Now().Add(c.ttl)}
}

// Clear forgets everything, as after a revocation.
func (c *SecretCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// APIKeyTTL bounds how long a revoked API key may still be accepted by a node other than the
// one that revoked it; the revoking node refuses it at once.
const APIKeyTTL = 5 * time.Second

type apiKeyCacheKey struct{}

// apiKeys is the database's API-key cache: the key hash to its owner.
func apiKeys(db *store.DB) *SecretCache {
	return db.Local(apiKeyCacheKey{}, func() any { return NewSecretCache(APIKeyTTL, 100_000) }).(*SecretCache)
}

func (s *Service) authAPIKey(ctx context.Context, key string) (*Principal, error) {
	hash := HashSecret(key)
	cache := apiKeys(s.db)
	if owner, ok := cache.Get(hash); ok {
		return &Principal{APIKeyOwner: owner}, nil
	}
	var owner string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT owner FROM api_keys WHERE hash = ? AND revoked_at IS NULL", hash).Scan(&owner)
	})
	if err != nil {
		return nil, badCredentials(err)
	}
	cache.Put(hash, owner)
	return &Principal{APIKeyOwner: owner}, nil
}
