package chat

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// ReadMark is a user's read cursor on a session: the seq of the newest message they have seen,
// and how many messages by others came after it.
type ReadMark struct {
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
	Unread    int64  `json:"unread"`
}

// ReadInput moves a read cursor; Seq 0 (or left out) means up to the newest message.
type ReadInput struct {
	Seq int64 `json:"seq,omitempty"`
}

// MarkRead records that the user has seen the session's messages up to in.Seq (the newest
// when 0). A cursor only moves forward, so a late request from an old tab cannot make seen
// messages unread again; a seq beyond the newest message is refused, since it would hide
// messages not yet written.
func (s *Service) MarkRead(ctx context.Context, u *auth.User, sessionID string, in ReadInput) (m *ReadMark, err error) {
	if in.Seq < 0 {
		return nil, errs.Field("seq", "must be the seq of a message of the session, not %d", in.Seq)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := CanSee(ctx, tx, u, sessionID); err != nil {
			return err
		}
		var newest int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_id = ?", sessionID).Scan(&newest); err != nil {
			return err
		}
		seq := in.Seq
		if seq == 0 {
			seq = newest
		}
		if seq > newest {
			return errs.Field("seq", "the session's newest message has seq %d, not %d", newest, seq)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO session_reads (user_id, session_id, seq, read_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, session_id) DO UPDATE SET read_at = excluded.read_at,
			seq = CASE WHEN excluded.seq > session_reads.seq THEN excluded.seq ELSE session_reads.seq END`,
			u.ID, sessionID, seq, store.TS(tx.Now())); err != nil {
			return err
		}
		counts, err := unreadCounts(ctx, tx, u, []string{sessionID})
		m = &ReadMark{SessionID: sessionID, Unread: counts[sessionID]}
		if err == nil {
			err = tx.QueryRow(ctx, "SELECT seq FROM session_reads WHERE user_id = ? AND session_id = ?", u.ID, sessionID).Scan(&m.Seq)
		}
		return err
	})
	return m, err
}

// unreadCounts returns, for each of the sessions that has any, how many messages the user has
// not seen: those after their read cursor that someone else wrote (customers, colleagues,
// processes, the system). Sessions without unread messages are absent.
func unreadCounts(ctx context.Context, tx *store.Tx, u *auth.User, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ids) == 0 || u == nil {
		return out, nil
	}
	args := []any{u.ID}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, string(AuthorOperator), u.ID)
	rows, err := tx.Query(ctx, `SELECT m.session_id, COUNT(*) FROM messages m
		LEFT JOIN session_reads r ON r.session_id = m.session_id AND r.user_id = ?
		WHERE m.session_id `+store.In(len(ids))+`
		AND m.seq > COALESCE(r.seq, 0) AND NOT (m.author_kind = ? AND m.author_id = ?)
		GROUP BY m.session_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// fillUnread sets each session's Unread for the user.
func fillUnread(ctx context.Context, tx *store.Tx, u *auth.User, sessions []*Session) error {
	ids := make([]string, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
	}
	counts, err := unreadCounts(ctx, tx, u, ids)
	for _, s := range sessions {
		n := counts[s.ID]
		s.Unread = &n
	}
	return err
}
