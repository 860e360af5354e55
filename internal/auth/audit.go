package auth

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleychat/parley/internal/store"
)

// AuditEntry is one line of the audit trail of configuration: who changed what and when.
type AuditEntry struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// Actor is the user id, the API key's owner, or "system"; ActorName is the login.
	Actor      string `json:"actor"`
	ActorName  string `json:"actor_name"`
	Action     string `json:"action"`
	TargetKind string `json:"target_kind"`
	TargetID   string `json:"target_id"`
	// Detail is what changed, as the service that changed it describes it.
	Detail json.RawMessage `json:"detail,omitempty"`
}

// Audit writes a line of the audit trail inside the caller's transaction, so that the line
// and the change commit together or not at all. The actor is whoever ctx carries; detail is
// any value that marshals to JSON (nil for none).
func Audit(ctx context.Context, tx *store.Tx, action, kind, id string, detail any) error {
	actor, name := "system", "system"
	if p := FromContext(ctx); p != nil {
		switch {
		case p.User != nil:
			actor, name = p.User.ID, p.User.Login
		case p.APIKeyOwner != "":
			actor, name = p.APIKeyOwner, p.APIKeyOwner
		}
	}
	d := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		d = string(b)
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (id, at, actor, actor_name, action, target_kind, target_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, store.NewID("aud"), store.TS(tx.Now()), actor, name, action, kind, id, d)
	return err
}

// AuditFilter narrows the audit trail.
type AuditFilter struct {
	// TargetKind and TargetID keep the lines about one kind of thing, or one thing.
	TargetKind, TargetID string
	// Actor keeps the lines of one user (id) or key (owner).
	Actor string
	// Action keeps the lines of one action, such as "livechat.update".
	Action string
	Page   store.Page
}

// AuditLog returns a page of the audit trail, newest first. Reading it is for administrators
// (policy.AuditRead, checked by the caller: the policy sits above this package).
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) (store.List[*AuditEntry], error) {
	var out store.List[*AuditEntry]
	if err := f.Page.Check(); err != nil {
		return out, err
	}
	q, args := "SELECT id, at, actor, actor_name, action, target_kind, target_id, detail FROM audit_log WHERE 1 = 1", []any{}
	for _, c := range []struct{ col, v string }{{"target_kind", f.TargetKind}, {"target_id", f.TargetID}, {"actor", f.Actor}, {"action", f.Action}} {
		if c.v != "" {
			q, args = q+" AND "+c.col+" = ?", append(args, c.v)
		}
	}
	if f.Page.Cursor != "" {
		q, args = q+" AND id < ?", append(args, f.Page.Cursor)
	}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, f.Page.Size()+1)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var items []*AuditEntry
		for rows.Next() {
			var e AuditEntry
			var at store.Timestamp
			var detail string
			if err := rows.Scan(&e.ID, &at, &e.Actor, &e.ActorName, &e.Action, &e.TargetKind, &e.TargetID, &detail); err != nil {
				return err
			}
			e.At = at.Time
			if detail != "" {
				e.Detail = json.RawMessage(detail)
			}
			items = append(items, &e)
		}
		out = store.Cut(items, f.Page, func(e *AuditEntry) string { return e.ID })
		return rows.Err()
	})
	return out, err
}
