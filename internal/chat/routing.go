package chat

import (
	"context"
	"slices"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// RoutingMode is how a live chat hands waiting sessions to its operators.
type RoutingMode string

// The routing modes: manual leaves sessions in the queue for operators to take; round robin
// gives each to the online operator whose turn it is; least busy to the online operator with
// the fewest open sessions.
const (
	RoutingManual     RoutingMode = "manual"
	RoutingRoundRobin RoutingMode = "round_robin"
	RoutingLeastBusy  RoutingMode = "least_busy"
)

// Routing is a live chat's automatic distribution.
type Routing struct {
	Mode RoutingMode `json:"mode"`
	// MaxOpen caps the sessions one operator has open (assigned) in the live chat at once;
	// 0 means no cap.
	MaxOpen int64 `json:"max_open"`
	// ReassignAfter is the hand-on time in seconds: a routed session its operator has not
	// answered by then goes to the next operator. 0 means never.
	ReassignAfter int64 `json:"reassign_after"`
}

// The bounds of the routing settings.
const (
	maxOpenLimit  = 1000
	maxHandOnTime = 7 * 24 * 3600
)

func (r Routing) check() error {
	var list errs.List
	if !slices.Contains([]RoutingMode{RoutingManual, RoutingRoundRobin, RoutingLeastBusy}, r.Mode) {
		list.Add("mode", "must be manual, round_robin or least_busy, not %q", r.Mode)
	}
	if r.MaxOpen < 0 || r.MaxOpen > maxOpenLimit {
		list.Add("max_open", "must be from 0 (no limit) to %d", maxOpenLimit)
	}
	if r.ReassignAfter < 0 || r.ReassignAfter > maxHandOnTime {
		list.Add("reassign_after", "must be from 0 (never) to %d seconds", maxHandOnTime)
	}
	return list.Err()
}

// RoutingOf returns the live chat's distribution settings to its staff.
func (s *Service) RoutingOf(ctx context.Context, u *auth.User, liveChatID string) (r Routing, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if r, err = routingOf(ctx, tx, liveChatID, false); err != nil {
			return err
		}
		return allow(ctx, tx, u, policy.LiveChatRead, liveChatID)
	})
	return r, err
}

// SetRouting replaces the live chat's distribution settings (administrators) and routes the
// waiting sessions the new settings can place, in the same transaction.
func (s *Service) SetRouting(ctx context.Context, u *auth.User, liveChatID string, r Routing) (Routing, error) {
	if err := r.check(); err != nil {
		return r, err
	}
	return r, s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := routingOf(ctx, tx, liveChatID, true); err != nil {
			return err
		}
		if err := allow(ctx, tx, u, policy.LiveChatConfigure, liveChatID); err != nil {
			return err
		}
		forgetSessions(tx) // cached sessions hold what this changes
		if _, err := tx.Exec(ctx, "UPDATE live_chats SET routing_mode = ?, routing_limit = ?, reassign_after = ?, updated_at = ? WHERE id = ?",
			string(r.Mode), r.MaxOpen, r.ReassignAfter, store.TS(tx.Now()), liveChatID); err != nil {
			return err
		}
		if err := auth.Audit(ctx, tx, "livechat.routing", "livechat", liveChatID, r); err != nil {
			return err
		}
		return drainQueue(ctx, tx, liveChatID)
	})
}

// routingOf reads the live chat's settings. With lock it also takes the live chat's routing
// lock until commit (on PostgreSQL; SQLite has one writer): choosing an operator and
// advancing the round robin happen one transaction at a time per live chat, across nodes, so
// two sessions routed at once neither take the same turn nor overfill an operator. NO KEY
// UPDATE leaves new sessions free to reference the live chat meanwhile.
func routingOf(ctx context.Context, tx *store.Tx, liveChatID string, lock bool) (Routing, error) {
	q := "SELECT routing_mode, routing_limit, reassign_after FROM live_chats WHERE id = ?"
	if lock && tx.Dialect() == store.Postgres {
		q += " FOR NO KEY UPDATE"
	}
	var r Routing
	err := tx.QueryRow(ctx, q, liveChatID).Scan(&r.Mode, &r.MaxOpen, &r.ReassignAfter)
	return r, store.NotFound(err, "live chat %q not found", liveChatID)
}

// candidate is an online operator of the live chat who could take one more session.
type candidate struct {
	id   string
	turn int64
	open int64
}

// pickOperator chooses the operator for the next session of the live chat, "" when no online
// operator has room. except is left out (the operator a session is handed on from).
func pickOperator(ctx context.Context, tx *store.Tx, liveChatID string, r Routing, except string) (string, error) {
	rows, err := tx.Query(ctx, `SELECT u.id, COALESCE(rt.turn, 0),
		(SELECT COUNT(*) FROM sessions s WHERE s.operator_id = u.id AND s.live_chat_id = ? AND s.state = ?)
		FROM users u LEFT JOIN routing_turns rt ON rt.live_chat_id = ? AND rt.user_id = u.id
		WHERE u.presence = ? AND u.id <> ? AND u.id IN (SELECT gm.user_id FROM live_chat_groups lg
			JOIN group_members gm ON gm.group_id = lg.group_id WHERE lg.live_chat_id = ? AND lg.role = ?)`,
		liveChatID, string(Assigned), liveChatID, string(auth.Online), except, liveChatID, roleOperator)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var cs []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.turn, &c.open); err != nil {
			return "", err
		}
		if r.MaxOpen == 0 || c.open < r.MaxOpen {
			cs = append(cs, c)
		}
	}
	if err := rows.Err(); err != nil || len(cs) == 0 {
		return "", err
	}
	return slices.MinFunc(cs, order(r.Mode)).id, nil
}

// order ranks candidates: round robin by turn (who waited longest since their last session),
// least busy by open sessions and then by turn; the id breaks ties so every node agrees.
func order(m RoutingMode) func(a, b candidate) int {
	return func(a, b candidate) int {
		if m == RoutingLeastBusy && a.open != b.open {
			return cmpInt(a.open, b.open)
		}
		if a.turn != b.turn {
			return cmpInt(a.turn, b.turn)
		}
		if a.id < b.id {
			return -1
		}
		return 1
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// routeTx gives the locked session to the next operator if its live chat routes
// automatically and someone has room, and appends session_assigned by the system — the event
// a hand assignment writes, so every console shows it live. except is an operator to pass
// over. It reports whether the session was routed.
func routeTx(ctx context.Context, tx *store.Tx, sess *Session, last *Message, except string) (bool, error) {
	r, err := routingOf(ctx, tx, sess.LiveChatID, true)
	if err != nil || r.Mode == RoutingManual {
		return false, err
	}
	op, err := pickOperator(ctx, tx, sess.LiveChatID, r, except)
	if err != nil || op == "" {
		return false, err
	}
	if err := takeTurn(ctx, tx, sess.LiveChatID, op); err != nil {
		return false, err
	}
	sess.State, sess.OperatorID, sess.routedAt = Assigned, op, tx.Now()
	return true, commitChange(ctx, tx, sess, last, SystemActor(), EventSessionAssigned)
}

// takeTurn moves the operator to the back of the live chat's round robin.
func takeTurn(ctx context.Context, tx *store.Tx, liveChatID, userID string) error {
	now := store.TS(tx.Now())
	_, err := tx.Exec(ctx, `INSERT INTO routing_turns (live_chat_id, user_id, turn, last_assigned_at)
		VALUES (?, ?, (SELECT COALESCE(MAX(turn), 0) + 1 FROM routing_turns WHERE live_chat_id = ?), ?)
		ON CONFLICT (live_chat_id, user_id) DO UPDATE SET turn = EXCLUDED.turn, last_assigned_at = EXCLUDED.last_assigned_at`,
		liveChatID, userID, liveChatID, now)
	return err
}

// maxDrain bounds the sessions one drain routes, so that a transaction stays short; the
// sweep routes the rest.
const maxDrain = 100

// drainQueue routes the live chat's waiting sessions, oldest first, until nobody has room. On
// PostgreSQL it passes over sessions another transaction holds (a customer writing now): that
// transaction routes its session itself.
func drainQueue(ctx context.Context, tx *store.Tx, liveChatID string) error {
	r, err := routingOf(ctx, tx, liveChatID, true)
	if err != nil || r.Mode == RoutingManual {
		return err
	}
	for range maxDrain {
		q := sessionSelect + "WHERE s.live_chat_id = ? AND s.state = ? ORDER BY s.created_at, s.id LIMIT 1"
		if tx.Dialect() == store.Postgres {
			q += " FOR UPDATE OF s SKIP LOCKED"
		}
		sess, err := scanSession(tx.QueryRow(ctx, q, liveChatID, string(Waiting)))
		if err = store.NotFound(err, "no waiting session"); errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		last, err := lastMessage(ctx, tx, sess)
		if err != nil {
			return err
		}
		if ok, err := routeTx(ctx, tx, sess, last, ""); err != nil || !ok {
			return err
		}
	}
	return nil
}

// SetPresence sets the user's presence and, when they come online, routes the waiting
// sessions of the live chats they operate to whoever now has room, in one transaction.
func (s *Service) SetPresence(ctx context.Context, userID string, p auth.Presence) (u *auth.User, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if u, err = auth.SetPresenceTx(ctx, tx, userID, p); err != nil || p != auth.Online {
			return err
		}
		ids, err := store.Column[string](ctx, tx, `SELECT DISTINCT lg.live_chat_id FROM live_chat_groups lg JOIN group_members gm
			ON gm.group_id = lg.group_id WHERE gm.user_id = ? AND lg.role = ? ORDER BY lg.live_chat_id`, userID, roleOperator)
		for _, id := range ids {
			if err == nil {
				err = drainQueue(ctx, tx, id)
			}
		}
		return err
	})
	return u, err
}

// SweepRouting hands on the routed sessions whose operator has not answered within the live
// chat's hand-on time, and routes waiting sessions that a missed wake-up left behind. Each
// session is moved in its own transaction that first claims it with a conditional update,
// so of several nodes sweeping at once exactly one moves it. It returns how many it handed on.
func (s *Service) SweepRouting(ctx context.Context) (int, error) {
	var due []dueSession
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		due, err = dueSessions(ctx, tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, d := range due {
		var ok bool
		err := s.db.Tx(ctx, func(tx *store.Tx) (err error) {
			ok, err = handOn(ctx, tx, d)
			return err
		})
		if err != nil {
			return moved, err
		}
		if ok {
			moved++
		}
	}
	return moved, s.drainAll(ctx)
}

// dueSession is a routed session whose hand-on time has passed, as the sweep read it.
type dueSession struct {
	id       string
	routedAt store.Timestamp
	operator string
}

func dueSessions(ctx context.Context, tx *store.Tx) ([]dueSession, error) {
	rows, err := tx.Query(ctx, `SELECT s.id, s.routed_at, COALESCE(s.operator_id, '') FROM sessions s JOIN live_chats lc ON lc.id = s.live_chat_id
		WHERE s.routed_at IS NOT NULL AND s.state = ? AND lc.reassign_after > 0 AND s.routed_at <= ? - lc.reassign_after * 1000000
		ORDER BY s.routed_at LIMIT 500`, string(Assigned), store.Micros(tx.Now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dueSession
	for rows.Next() {
		var d dueSession
		if err := rows.Scan(&d.id, &d.routedAt, &d.operator); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// handOn moves one due session to the next operator. The conditional update claims it only
// if it is still as the sweep read it: on PostgreSQL a second node's update waits for the
// first and then matches nothing. With nobody else online it stays with its operator and its
// hand-on time starts again.
func handOn(ctx context.Context, tx *store.Tx, d dueSession) (bool, error) {
	forgetSessions(tx) // cached sessions hold what this changes
	res, err := tx.Exec(ctx, `UPDATE sessions SET routed_at = ? WHERE id = ? AND routed_at = ? AND operator_id = ? AND state = ?`,
		store.TS(tx.Now()), d.id, d.routedAt, d.operator, string(Assigned))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	sess, err := lockSession(ctx, tx, d.id)
	if err != nil {
		return false, err
	}
	last, err := lastMessage(ctx, tx, sess)
	if err != nil {
		return false, err
	}
	return routeTx(ctx, tx, sess, last, d.operator)
}

// drainAll routes the waiting sessions of every automatically routed live chat, each in its
// own transaction: the safety net behind the wake-ups (a session, a presence, a close).
func (s *Service) drainAll(ctx context.Context) error {
	var ids []string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		ids, err = store.Column[string](ctx, tx, `SELECT lc.id FROM live_chats lc WHERE lc.routing_mode <> ? AND EXISTS
			(SELECT 1 FROM sessions s WHERE s.live_chat_id = lc.id AND s.state = ?) ORDER BY lc.id`, string(RoutingManual), string(Waiting))
		return err
	})
	for _, id := range ids {
		if err == nil {
			err = s.db.Tx(ctx, func(tx *store.Tx) error { return drainQueue(ctx, tx, id) })
		}
	}
	return err
}

// RunRouting sweeps every interval until ctx ends; see SweepRouting.
func (s *Service) RunRouting(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.SweepRouting(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("routing sweep", "err", err)
			}
		}
	}
}
