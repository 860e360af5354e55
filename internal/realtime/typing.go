package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

// Typing indicators are ephemeral: a client says "typing" over its socket, the socket lets
// at most one such word per TypingEvery through, and the hub's wake-up channels carry it to
// the other side's sockets on every node (store.DB.Publish: in-process, and PostgreSQL NOTIFY
// between nodes). Nothing is stored and nothing is replayed: a typing indicator that is late
// is worthless, and one lost is harmless.

// The two sides of a conversation that type.
const (
	SideCustomer = "customer"
	SideOperator = "operator"
)

// TypingEvery is the least time between two typing words of one side of one session that a
// socket passes on; clients send no more often than that either.
const TypingEvery = 2 * time.Second

// TypingChannel names the wake-up channel that says side is typing in the session.
func TypingChannel(sessionID, side string) string { return "typing." + side + "." + sessionID }

// Typing is the frame a socket sends when the other side is typing in a session.
type Typing struct {
	Type      string `json:"type"`
	SessionID string `json:"session_id"`
	Side      string `json:"side"`
}

// TypingSignal is the signal set that sends a Typing frame whenever side types in the session.
func TypingSignal(sessionID, side string) SignalSet {
	return SignalSet{Channels: []string{TypingChannel(sessionID, side)},
		Frame: Typing{Type: "typing", SessionID: sessionID, Side: side}}
}

// clientFrame is what a client may send: {"type":"typing"}, with the session on the staff
// socket, which follows many sessions.
type clientFrame struct {
	Type      string `json:"type"`
	SessionID string `json:"session_id"`
}

// gate passes at most one typing word per session per TypingEvery.
type gate struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (g *gate) pass(sessionID string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last == nil {
		g.last = map[string]time.Time{}
	}
	if now.Sub(g.last[sessionID]) < TypingEvery {
		return false
	}
	if len(g.last) > 256 {
		clear(g.last) // a console follows a handful of sessions; this only bounds a misuse
	}
	g.last[sessionID] = now
	return true
}

// VisitorTyping handles the frames of a customer's widget socket: {"type":"typing"} tells the
// session's staff that the customer is typing. Anything else is ignored.
func VisitorTyping(db *store.DB, sessionID string) func(context.Context, []byte) {
	var g gate
	return func(_ context.Context, data []byte) {
		var f clientFrame
		if json.Unmarshal(data, &f) != nil || f.Type != "typing" || !g.pass(sessionID, time.Now()) {
			return
		}
		db.Publish(TypingChannel(sessionID, SideCustomer))
	}
}

// allowedFor is how long a staff socket trusts its answer to "may this user reply in this
// session": like the socket's visibility, a change of groups or presence counts within a minute.
const allowedFor = time.Minute

// StaffTyping handles the frames of a staff socket: {"type":"typing","session_id":…} tells
// the session's customer that an operator is typing, when the user may reply in the session
// (asked once per session and minute). Anything else is ignored.
func StaffTyping(db *store.DB, u *auth.User) func(context.Context, []byte) {
	var g gate
	var mu sync.Mutex
	allowed := map[string]bool{}
	asked := time.Now()
	may := func(ctx context.Context, sessionID string) bool {
		mu.Lock()
		if time.Since(asked) > allowedFor {
			clear(allowed)
			asked = time.Now()
		}
		ok, known := allowed[sessionID]
		mu.Unlock()
		if known {
			return ok
		}
		err := db.Read(ctx, func(tx *store.Tx) error {
			fresh, err := auth.UserTx(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			return chat.Can(ctx, tx, fresh, policy.SessionReply, sessionID)
		})
		mu.Lock()
		if len(allowed) > 256 {
			clear(allowed)
		}
		allowed[sessionID] = err == nil
		mu.Unlock()
		return err == nil
	}
	return func(ctx context.Context, data []byte) {
		var f clientFrame
		if json.Unmarshal(data, &f) != nil || f.Type != "typing" || f.SessionID == "" || len(f.SessionID) > 64 {
			return
		}
		if !may(ctx, f.SessionID) || !g.pass(f.SessionID, time.Now()) {
			return
		}
		db.Publish(TypingChannel(f.SessionID, SideOperator))
	}
}
