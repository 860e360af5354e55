package chat

import (
	"sync"

	"github.com/parleychat/parley/internal/store"
)

// sessionCache keeps, on SQLite, each session as the writer last saved or read it, so that a
// customer's message, the hot path, takes its session from memory instead of a 30-column read
// across four tables under the single writer (a fifth or so of the writer's time per message).
//
// It is right because on SQLite one writer makes every change, one after the other: saveSession
// writes each session through it; every other statement that changes what a Session holds
// (the session's live chat, routed_at; a live chat, channel or customer row) calls
// forgetSessions in the same transaction; and any rollback of the writer (store's Undone)
// empties it, since what it undid may be in here. A Session remembers the generation it was
// read in and is written through only if nothing was forgotten since, so that a copy read
// before a change of its live chat or customer never comes back. On PostgreSQL, where other
// nodes write too, there is none.
type sessionCache struct {
	mu     sync.Mutex
	undone uint64
	gen    uint64
	items  map[string]Session
}

// sessionCacheMax bounds the memory: past it the cache starts again empty.
const sessionCacheMax = 8192

type sessionCacheKey struct{}

func sessionCacheOf(tx *store.Tx) *sessionCache {
	if tx.Dialect() != store.SQLite {
		return nil
	}
	return tx.DB().Local(sessionCacheKey{}, func() any { return &sessionCache{gen: 1} }).(*sessionCache)
}

// current empties the cache when the writer rolled back since it was last looked at; c.mu is held.
func (c *sessionCache) current(tx *store.Tx) {
	if n := tx.DB().Undone(); n != c.undone {
		c.undone, c.items = n, nil
		c.gen++
	}
}

// get returns a copy of the cached session, stamped with the current generation.
func (c *sessionCache) get(tx *store.Tx, id string) (*Session, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current(tx)
	cached, ok := c.items[id]
	if !ok {
		return nil, false
	}
	sess := cached.clone()
	sess.cacheGen = c.gen
	return sess, true
}

// stamp marks a session just read from the database with the current generation.
func (c *sessionCache) stamp(tx *store.Tx, sess *Session) {
	if c == nil || sess == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current(tx)
	sess.cacheGen = c.gen
}

// put remembers the session as it now is in the transaction, unless something it holds may
// have changed since it was read.
func (c *sessionCache) put(tx *store.Tx, sess *Session) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current(tx)
	if sess.cacheGen != c.gen {
		return
	}
	if c.items == nil || len(c.items) >= sessionCacheMax {
		c.items = make(map[string]Session)
	}
	c.items[sess.ID] = *sess.clone()
}

// forgetSessions empties the cache: the transaction changes what cached sessions hold.
func forgetSessions(tx *store.Tx) {
	c := sessionCacheOf(tx)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = nil
	c.gen++
}

// clone copies the session without what is read per request (rating, unread count).
func (s *Session) clone() *Session {
	cp := *s
	cp.Rating, cp.Unread = nil, nil
	if s.ClosedAt != nil {
		closed := *s.ClosedAt
		cp.ClosedAt = &closed
	}
	return &cp
}
