package store

import (
	"context"
	"fmt"
)

// gathered is one item a transaction left for the end of its group, with what handles it.
type gathered struct {
	key  any
	item any
	fn   func(ctx context.Context, tx *Tx, items []any) error
	// must: the group cannot commit without this work (GatherMust).
	must bool
}

// Gather leaves item for fn, which runs once the transaction's work is done, in the same
// database transaction, and gets the items of every transaction committing with it under the
// same key, in the order they were gathered. On SQLite that is the whole group that shares one
// commit (see batcher), so that work which is cheaper in bulk (many rows with one statement)
// is done once per commit rather than once per caller; on PostgreSQL it is the group of a
// GroupTx, or else the transaction's own items.
//
// Items of a transaction that fails, or of a savepoint that is undone, are dropped. fn runs
// in a savepoint of its own: when it fails (or panics), what it did is undone, the failure is
// logged, and the callers' work commits all the same, so fn must only do work that can also
// be done later by other means. fn sees one transaction for the whole group: Notify and
// AfterCommit on it take effect when the group commits.
func Gather[T any](tx *Tx, key any, item T, fn func(ctx context.Context, tx *Tx, items []T) error) {
	tx.gathered = append(tx.gathered, gathered{key: key, item: item, fn: typed(fn)})
}

// GatherMust is Gather for work the transactions cannot commit without, such as keeping an
// index in step with their rows: when fn fails, every transaction of the group fails with its
// error and nothing of them commits.
func GatherMust[T any](tx *Tx, key any, item T, fn func(ctx context.Context, tx *Tx, items []T) error) {
	tx.gathered = append(tx.gathered, gathered{key: key, item: item, fn: typed(fn), must: true})
}

func typed[T any](fn func(ctx context.Context, tx *Tx, items []T) error) func(context.Context, *Tx, []any) error {
	return func(ctx context.Context, tx *Tx, items []any) error {
		typed := make([]T, len(items))
		for i, it := range items {
			typed[i] = it.(T)
		}
		return fn(ctx, tx, typed)
	}
}

// runGathered calls each key's fn once with its items, keys in the order first gathered. It
// fails when work gathered with GatherMust fails, or when the savepoint around other work
// cannot be taken or undone.
func (tx *Tx) runGathered(ctx context.Context, work []gathered) error {
	if len(work) == 0 {
		return nil
	}
	var keys []any
	byKey := map[any][]any{}
	first := map[any]gathered{}
	for _, g := range work {
		if _, ok := first[g.key]; !ok {
			keys = append(keys, g.key)
			first[g.key] = g
		}
		byKey[g.key] = append(byKey[g.key], g.item)
	}
	for _, k := range keys {
		if first[k].must {
			if err := first[k].fn(ctx, tx, byKey[k]); err != nil {
				return err
			}
			continue
		}
		var failed error
		err := tx.Savepoint(ctx, func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
				failed = err
			}()
			return first[k].fn(ctx, tx, byKey[k])
		})
		if failed != nil {
			tx.db.log.Warn("store: work gathered for the commit failed and was undone", "err", failed)
			if err != nil && err != failed {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
