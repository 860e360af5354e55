package channel

import (
	"context"
	"net/mail"
	"strings"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// maxReferences bounds the References of a reply: the thread's first id and its newest ones,
// as RFC 5322 suggests for long threads, so that the header never grows without end.
const maxReferences = 20

// maxInboundRefs bounds how many ids of a customer's In-Reply-To and References are looked up.
const maxInboundRefs = 50

// mailThread is how a reply threads into the session's mail.
type mailThread struct {
	inReplyTo  string
	references []string
}

// threadOf is the thread of a session's mail: the Message-IDs of the customer's mails and of
// our mailed replies, oldest first. The reply answers (In-Reply-To) the customer's newest
// mail, or our newest reply when no mail of the customer's carried an id.
func threadOf(ctx context.Context, tx *store.Tx, sessionID string) (mailThread, error) {
	rows, err := tx.Query(ctx, `SELECT m.author_kind, COALESCE(m.dedup_key, ''), COALESCE(d.mail_message_id, '')
		FROM messages m LEFT JOIN channel_deliveries d ON d.message_id = m.id
		WHERE m.session_id = ? AND (m.dedup_key LIKE ? OR d.mail_message_id <> '') ORDER BY m.seq`, sessionID, mailKeyPrefix+"%")
	if err != nil {
		return mailThread{}, err
	}
	defer rows.Close()
	var t mailThread
	for rows.Next() {
		var author, key, ours string
		if err := rows.Scan(&author, &key, &ours); err != nil {
			return t, err
		}
		id := ours
		if author == string(chat.AuthorCustomer) && strings.HasPrefix(key, mailKeyPrefix) {
			id = "<" + strings.TrimPrefix(key, mailKeyPrefix) + ">"
			t.inReplyTo = id
		}
		if id != "" {
			t.references = append(t.references, id)
		}
	}
	if n := len(t.references); n > maxReferences {
		t.references = append(t.references[:1], t.references[n-maxReferences+1:]...)
	}
	if t.inReplyTo == "" && len(t.references) > 0 {
		t.inReplyTo = t.references[len(t.references)-1]
	}
	return t, rows.Err()
}

// mailRefs are the Message-IDs a mail answers, newest first: In-Reply-To, then References
// from its end. Ids are kept without their angle brackets.
func mailRefs(h mail.Header) []string {
	var refs []string
	seen := map[string]bool{}
	add := func(ids []string) {
		for _, id := range ids {
			if id = strings.Trim(id, "<>"); id != "" && !seen[id] && len(refs) < maxInboundRefs {
				seen[id] = true
				refs = append(refs, id)
			}
		}
	}
	add(msgIDs(h.Get("In-Reply-To")))
	ids := msgIDs(h.Get("References"))
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
	add(ids)
	return refs
}

// msgIDs splits a header of <id> tokens; text around them (comments, which some clients add)
// is ignored.
func msgIDs(v string) []string {
	var ids []string
	for {
		start := strings.IndexByte(v, '<')
		if start < 0 {
			return ids
		}
		end := strings.IndexByte(v[start:], '>')
		if end < 0 {
			return ids
		}
		ids = append(ids, v[start:start+end+1])
		v = v[start+end+1:]
	}
}

// threadSession is the session of the channel that a mail answering refs belongs to: the one
// with our reply of that Message-ID, or with the customer's mail of it. "" when none is known.
func (s *Service) threadSession(ctx context.Context, channelID string, refs []string) (sessionID string, err error) {
	if len(refs) == 0 {
		return "", nil
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		for _, id := range refs {
			err := tx.QueryRow(ctx, `SELECT session_id FROM channel_deliveries WHERE channel_id = ? AND mail_message_id = ?`,
				channelID, "<"+id+">").Scan(&sessionID)
			if errs.Is(err, errs.NotFound) && len(id) <= 400 {
				err = tx.QueryRow(ctx, `SELECT session_id FROM messages WHERE channel_id = ? AND dedup_key = ?`,
					channelID, mailKeyPrefix+id).Scan(&sessionID)
			}
			if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		return nil
	})
	return sessionID, err
}
