package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"

	"github.com/parleychat/parley/internal/errs"
)

// MaxIdempotencyKey bounds an Idempotency-Key: a key is an identifier, not data.
const MaxIdempotencyKey = 200

// Idempotency is the Idempotency-Key of a create (API.md: a repeat returns the first
// result), scoped to the caller who sent it, with a fingerprint of the request it came with.
// The row the create makes carries all three, in its idempotency_key, created_by and
// idempotency_hash columns, written by the INSERT that creates it: the key is stored in the
// same transaction as the resource, so a crash can never leave one without the other, and a
// unique index on (created_by, idempotency_key) makes a repeat that races the first fail
// instead of creating a second resource. The zero value is "no key".
type Idempotency struct {
	Key  string
	By   string
	Hash string
}

// NewIdempotency fingerprints a create by the caller by: the request parts (the decoded body,
// the path it was sent to) are hashed as JSON, so that a repeat with other spacing or field
// order is still the same request. Leave out of the parts anything that must not be stored,
// even hashed, such as a password. Without a key it returns the zero Idempotency.
func NewIdempotency(key, by string, parts ...any) Idempotency {
	if key == "" {
		return Idempotency{}
	}
	h := sha256.New()
	for _, p := range parts {
		b, _ := json.Marshal(p)
		h.Write(b)
		h.Write([]byte{0})
	}
	return Idempotency{Key: key, By: by, Hash: hex.EncodeToString(h.Sum(nil))}
}

// Set says whether the create came with a key.
func (i Idempotency) Set() bool { return i.Key != "" }

// KeyArg and HashArg are the values of the idempotency_key and idempotency_hash columns:
// NULL without a key, so that the rows created without one never meet in the unique index.
func (i Idempotency) KeyArg() any {
	if !i.Set() {
		return nil
	}
	return i.Key
}

// HashArg: see KeyArg.
func (i Idempotency) HashArg() any {
	if !i.Set() {
		return nil
	}
	return i.Hash
}

// ErrKeyReused refuses a key sent again with another request. It is a 422 naming the header
// rather than a replay, because answering with the first result would hide the client's
// mistake, and rather than a 409, because nothing about the resource's state is in the way.
func ErrKeyReused() *errs.Error {
	return errs.Field("Idempotency-Key", "was already used by you for another request; send a new key for a new request").
		With("reason", "idempotency_key_reused")
}

// Earlier returns the id (the idColumn) of the row of table that an earlier create with the
// same key by the same caller made, or "" when there is none. where, when not empty, narrows
// the rows further with its args. A key used before with another request is ErrKeyReused;
// rows stored before fingerprints existed match any request.
func (i Idempotency) Earlier(ctx context.Context, tx *Tx, table, idColumn, where string, args ...any) (string, error) {
	q := "SELECT " + idColumn + ", idempotency_hash FROM " + table + " WHERE "
	if where != "" {
		q += where + " AND "
	}
	var id string
	var hash sql.NullString
	err := tx.QueryRow(ctx, q+"created_by = ? AND idempotency_key = ?", append(args, i.By, i.Key)...).Scan(&id, &hash)
	switch {
	case errs.Is(err, errs.NotFound):
		return "", nil
	case err != nil:
		return "", err
	case hash.Valid && hash.String != i.Hash:
		return "", ErrKeyReused()
	}
	return id, nil
}

// Target names where a create's rows live, for CreateOnce: the table, the column that
// identifies a row, and optionally a condition with its args that narrows the key's scope
// (an app's items, a workspace's apps).
type Target struct {
	Table, IDColumn string
	Where           string
	Args            []any
}

// CreateOnce runs create in one transaction unless an earlier create with the same key made
// its row already; then it loads that row instead and creates nothing. A repeat that raced the
// first request loses on a unique index with a conflict; it then still gets the first result,
// or ErrKeyReused when its request was another one.
func CreateOnce[T any](ctx context.Context, db *DB, i Idempotency, t Target, load func(tx *Tx, id string) (T, error), create func(tx *Tx) (T, error)) (T, error) {
	var out T
	earlier := func(tx *Tx) (bool, error) {
		if !i.Set() {
			return false, nil
		}
		id, err := i.Earlier(ctx, tx, t.Table, t.IDColumn, t.Where, t.Args...)
		if err != nil || id == "" {
			return false, err
		}
		out, err = load(tx, id)
		return true, err
	}
	err := db.Tx(ctx, func(tx *Tx) error {
		found, err := earlier(tx)
		if err != nil || found {
			return err
		}
		out, err = create(tx)
		return err
	})
	if err != nil && i.Set() && errs.Is(err, errs.Conflict) {
		var found bool
		rerr := db.Read(ctx, func(tx *Tx) (e error) {
			found, e = earlier(tx)
			return e
		})
		if rerr != nil {
			return out, rerr
		}
		if found {
			return out, nil
		}
	}
	return out, err
}
