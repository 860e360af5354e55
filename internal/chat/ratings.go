package chat

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// Rating is the customer's rating of a session's closure: a score from 1 to 5 and an
// optional comment.
type Rating struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment"`
	RatedAt time.Time `json:"rated_at"`
}

// RatingInput is what a customer sends to rate a closed session.
type RatingInput struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// MaxRatingComment is the longest rating comment, in characters.
const MaxRatingComment = 2000

func (in *RatingInput) check() error {
	in.Comment = strings.TrimSpace(in.Comment)
	var list errs.List
	if in.Score < 1 || in.Score > 5 {
		list.Add("score", "must be a whole number from 1 to 5, not %d", in.Score)
	}
	if utf8.RuneCountInString(in.Comment) > MaxRatingComment {
		list.Add("comment", "is longer than %d characters", MaxRatingComment)
	}
	return list.Err()
}

// Rate records the customer's rating of their closed session, once per closure: the same
// closure rated twice is a conflict, and a session that is open again (the customer wrote
// after the closing) takes a rating only once it is closed again. The caller has checked that
// the visitor owns the session.
func (s *Service) Rate(ctx context.Context, sessionID string, in RatingInput) (r *Rating, err error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		sess, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if sess.State != Closed || sess.ClosedAt == nil {
			return errs.New(errs.Conflict, "the session is %s: rate it once it is closed", sess.State).With("state", string(sess.State))
		}
		rated, err := tx.Exists(ctx, "SELECT 1 FROM session_ratings WHERE session_id = ? AND closed_at = ?", sess.ID, store.TS(*sess.ClosedAt))
		if err != nil {
			return err
		}
		if rated {
			return errs.New(errs.Conflict, "the session is already rated: a closed conversation is rated once")
		}
		r = &Rating{Score: in.Score, Comment: in.Comment, RatedAt: tx.Now()}
		_, err = tx.Exec(ctx, `INSERT INTO session_ratings (session_id, closed_at, live_chat_id, operator_id, score, comment, rated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, sess.ID, store.TS(*sess.ClosedAt), sess.LiveChatID, sess.OperatorID, r.Score, r.Comment, store.TS(r.RatedAt))
		return err
	})
	return r, err
}

// loadRating sets the session's rating: the one of its current closure, nil while it is open
// or not rated.
func loadRating(ctx context.Context, tx *store.Tx, sess *Session) error {
	if sess.ClosedAt == nil {
		return nil
	}
	var r Rating
	var at store.Timestamp
	err := tx.QueryRow(ctx, "SELECT score, comment, rated_at FROM session_ratings WHERE session_id = ? AND closed_at = ?",
		sess.ID, store.TS(*sess.ClosedAt)).Scan(&r.Score, &r.Comment, &at)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r.RatedAt = at.Time
	sess.Rating = &r
	return nil
}
