package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// WorkerOwner is how a worker key's owner starts: "worker:<name>".
const WorkerOwner = "worker:"

// WorkerKey is an API key an administrator issued to an outside worker: it fetches and
// completes jobs, publishes messages and starts processes outside a session, nothing else.
type WorkerKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// Key is the secret, shown once in the answer to the create; only its hash is kept.
	Key string `json:"key,omitempty"`
}

// checkWorkerName keeps names short and printable: they appear in triggers and the audit trail.
func checkWorkerName(name string) error {
	switch {
	case name == "":
		return errs.Field("name", "is required")
	case utf8.RuneCountInString(name) > 64 || strings.ContainsAny(name, " \t\r\n"):
		return errs.Field("name", "use at most 64 characters without spaces, such as \"crm-sync\"")
	}
	return nil
}

// CreateWorkerKey issues a new worker key named name and returns it with its secret, which is
// not kept and cannot be shown again. A name is taken while its key is not revoked. Only
// administrators may (policy.WorkerKeys, asked by the HTTP layer).
func (s *Service) CreateWorkerKey(ctx context.Context, name string) (*WorkerKey, error) {
	name = strings.TrimSpace(name)
	if err := checkWorkerName(name); err != nil {
		return nil, err
	}
	var k *WorkerKey
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		secret, hash := NewSecret(APIKeyPrefix)
		id, by := store.NewID("key"), ""
		if p := FromContext(ctx); p != nil && p.User != nil {
			by = p.User.ID
		}
		_, err := tx.Exec(ctx, "INSERT INTO api_keys (id, hash, owner, name, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			id, hash, WorkerOwner+name, name, nullable(by), store.TS(tx.Now()))
		if store.IsUnique(err) {
			e := errs.Field("name", "a worker key named %q exists; revoke it first or pick another name", name)
			e.Code = errs.Conflict
			return e
		}
		if err != nil {
			return err
		}
		k = &WorkerKey{ID: id, Name: name, CreatedAt: tx.Now(), CreatedBy: by, Key: secret}
		return Audit(ctx, tx, "workerkey.create", "worker_key", id, map[string]string{"name": name})
	})
	return k, err
}

// WorkerKeys returns a page of worker keys, revoked ones included, without their secrets.
func (s *Service) WorkerKeys(ctx context.Context, p store.Page) (store.List[*WorkerKey], error) {
	var out store.List[*WorkerKey]
	if err := p.Check(); err != nil {
		return out, err
	}
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, COALESCE(created_by, ''), created_at, revoked_at FROM api_keys
			WHERE owner LIKE 'worker:%' AND id > ? ORDER BY id LIMIT ?`, p.Cursor, p.Size()+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		var items []*WorkerKey
		for rows.Next() {
			var k WorkerKey
			var created, revoked store.Timestamp
			if err := rows.Scan(&k.ID, &k.Name, &k.CreatedBy, &created, &revoked); err != nil {
				return err
			}
			k.CreatedAt = created.Time
			if !revoked.IsZero() {
				t := revoked.Time
				k.RevokedAt = &t
			}
			items = append(items, &k)
		}
		out = store.Cut(items, p, func(k *WorkerKey) string { return k.ID })
		return rows.Err()
	})
	return out, err
}

// RevokeWorkerKey revokes a worker key: it is refused from then on. Revoking twice is harmless.
func (s *Service) RevokeWorkerKey(ctx context.Context, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		var name string
		err := tx.QueryRow(ctx, "SELECT name FROM api_keys WHERE id = ? AND owner LIKE 'worker:%'", id).Scan(&name)
		if err != nil {
			return store.NotFound(err, "worker key %q not found", id)
		}
		res, err := tx.Exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", store.TS(tx.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		forgetAPIKeysAfter(tx)
		return Audit(ctx, tx, "workerkey.revoke", "worker_key", id, map[string]string{"name": name})
	})
}
