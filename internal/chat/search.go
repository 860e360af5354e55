package chat

import (
	"context"
	"database/sql"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// SearchHit is a session found by a search, with the text that matched: the customer's
// name, email and phone, a message or a private note (Match says which).
type SearchHit struct {
	Session *Session `json:"session"`
	// Match is "customer", "message" or "note".
	Match string `json:"match"`
	// Snippet is the matching text around the first word found, plain text.
	Snippet string `json:"snippet"`
}

// The search's bounds: a query is a few words, and a page of results is what a person reads.
const (
	MaxSearchQuery = 200
	maxSearchTerms = 8
	maxSearchHits  = 50
	// searchScan bounds the matching rows read to find maxSearchHits sessions: a word that
	// is in every message must not read the whole table.
	searchScan  = 1000
	snippetSize = 160
)

// searchTerms splits a query into words as both indexes do (letters and digits, any script),
// lowercased. Punctuation never reaches the index's query syntax, so a query cannot be
// malformed.
func searchTerms(q string) ([]string, error) {
	if utf8.RuneCountInString(q) > MaxSearchQuery {
		return nil, errs.Field("q", "is longer than %d characters", MaxSearchQuery)
	}
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return nil, errs.Field("q", "is required: give a word of a customer's name, email, phone or message")
	}
	if len(words) > maxSearchTerms {
		words = words[:maxSearchTerms]
	}
	return words, nil
}

// matchQuery spells the words as the dialect's index query: every word, each as a prefix, so
// that "ива" finds "Иван" while it is being typed.
func matchQuery(d store.Dialect, words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		if d == store.Postgres {
			parts[i] = "'" + w + "':*"
		} else {
			parts[i] = `"` + w + `"*`
		}
	}
	if d == store.Postgres {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " ")
}

// searchHitsQuery returns the rows that match, as (session id, match, text), newest first:
// customers first among equals, since a name is what people search for most. The matching
// is the index's: FTS5's MATCH on SQLite, the GIN-indexed tsvector on PostgreSQL.
func searchHitsQuery(d store.Dialect, visible string) string {
	match := func(table, alias string) string {
		if d == store.Postgres {
			return alias + ".search @@ to_tsquery('simple', ?)"
		}
		return alias + ".rowid IN (SELECT rowid FROM " + table + "_fts WHERE " + table + "_fts MATCH ?)"
	}
	return `SELECT hit.session_id, hit.kind, hit.text FROM (
		SELECT s.id AS session_id, 'customer' AS kind, c.name || ' ' || c.email || ' ' || c.phone AS text, s.last_activity_at AS at, 1 AS rank
			FROM customers c JOIN sessions s ON s.customer_id = c.id WHERE ` + match("customers", "c") + `
		UNION ALL
		SELECT m.session_id, 'message', m.text, m.created_at, 0 FROM messages m WHERE ` + match("messages", "m") + `
		UNION ALL
		SELECT n.session_id, 'note', n.text, n.created_at, 0 FROM session_notes n WHERE ` + match("session_notes", "n") + `
	) hit JOIN sessions vs ON vs.id = hit.session_id WHERE ` + visible + `
	ORDER BY hit.rank DESC, hit.at DESC LIMIT ?`
}

// Search finds the sessions the user may see whose customer (name, email, phone), messages
// or private notes hold every word of q, best first: customers whose name matches, then the
// sessions with the newest matching message or note. Notes are staff's own text, and search
// is for staff only, so they are searched too; visitors never reach this.
func (s *Service) Search(ctx context.Context, u *auth.User, q string) (list store.List[*SearchHit], err error) {
	words, err := searchTerms(q)
	if err != nil {
		return list, err
	}
	if u == nil {
		return list, errs.New(errs.Unauthorized, "log in to search")
	}
	list.Items = []*SearchHit{}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		visible, args := "1 = 1", []any{}
		if !u.IsAdmin() {
			visible, args = "vs.live_chat_id IN ("+memberChatsQuery+")", []any{u.ID}
		}
		mq := matchQuery(tx.Dialect(), words)
		rows, err := tx.Query(ctx, searchHitsQuery(tx.Dialect(), visible), append([]any{mq, mq, mq}, append(args, searchScan)...)...)
		if err != nil {
			return err
		}
		hits, err := firstHits(rows, words)
		if err != nil {
			return err
		}
		for _, h := range hits {
			if h.Session, err = getSession(ctx, tx, h.Session.ID); err != nil {
				return err
			}
		}
		list.Items = hits
		return nil
	})
	return list, err
}

// firstHits keeps the first matching row of each session, in order, up to maxSearchHits.
func firstHits(rows *sql.Rows, words []string) ([]*SearchHit, error) {
	defer rows.Close()
	seen := map[string]bool{}
	hits := []*SearchHit{}
	for rows.Next() && len(hits) < maxSearchHits {
		var id, kind, text string
		if err := rows.Scan(&id, &kind, &text); err != nil {
			return nil, err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		hits = append(hits, &SearchHit{Session: &Session{ID: id}, Match: kind, Snippet: snippet(strings.TrimSpace(text), words)})
	}
	return hits, rows.Err()
}

// snippet cuts text around the first place a word starts, at most snippetSize characters,
// marking a cut with "…". It is plain text: the page escapes it like any other.
func snippet(text string, words []string) string {
	runes := []rune(text)
	if len(runes) <= snippetSize {
		return text
	}
	lower := []rune(strings.ToLower(text))
	at := 0
	for _, w := range words {
		if i := strings.Index(string(lower), w); i >= 0 {
			at = utf8.RuneCountInString(string(lower)[:i])
			break
		}
	}
	start := max(0, at-snippetSize/3)
	end := min(len(runes), start+snippetSize)
	start = max(0, end-snippetSize)
	out := string(runes[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
}
