package chat

import (
	"context"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// Note is a private note staff leave on a session. Notes are kept apart from messages, so
// they never reach the customer and never count as a message (no message_received).
type Note struct {
	ID         string    `json:"id"`
	SessionID  string    `json:"session_id"`
	AuthorID   string    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
}

// AddNote adds a private note to a session by one of its live chat's staff (any presence:
// a note speaks to colleagues, not to the customer).
func (s *Service) AddNote(ctx context.Context, u *auth.User, sessionID, text string) (n *Note, err error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "log in to add a note")
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := Can(ctx, tx, u, policy.SessionNote, sessionID); err != nil {
			return err
		}
		n, err = insertNote(ctx, tx, u, sessionID, text)
		return err
	})
	return n, err
}

// insertNote writes a note by u inside the caller's transaction, without checks.
func insertNote(ctx context.Context, tx *store.Tx, u *auth.User, sessionID, text string) (*Note, error) {
	n := &Note{ID: store.NewID("nte"), SessionID: sessionID, AuthorID: u.ID, AuthorName: u.DisplayName, Text: text, CreatedAt: tx.Now()}
	_, err := tx.Exec(ctx, `INSERT INTO session_notes (id, session_id, author_id, author_name, text, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, n.ID, n.SessionID, n.AuthorID, n.AuthorName, n.Text, store.TS(n.CreatedAt))
	return n, err
}

// Notes returns the notes of a session the user may see, oldest first.
func (s *Service) Notes(ctx context.Context, u *auth.User, sessionID string) (list store.List[*Note], err error) {
	list.Items = []*Note{}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if err := CanSee(ctx, tx, u, sessionID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, session_id, author_id, author_name, text, created_at FROM session_notes
			WHERE session_id = ? ORDER BY created_at, id`, sessionID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n Note
			var at store.Timestamp
			if err := rows.Scan(&n.ID, &n.SessionID, &n.AuthorID, &n.AuthorName, &n.Text, &at); err != nil {
				return err
			}
			n.CreatedAt = at.Time
			list.Items = append(list.Items, &n)
		}
		return rows.Err()
	})
	return list, err
}
