package chat

import (
	"context"

	"github.com/parleychat/parley/internal/store"
)

// SessionStatesTx returns the states of the sessions with those ids, as they are in tx, with
// one query: a consumer that checks each event's session (spam starts nothing) reads a
// batch's sessions at once instead of each whole session alone. Unknown ids are left out.
func SessionStatesTx(ctx context.Context, tx *store.Tx, ids []string) (map[string]State, error) {
	out := make(map[string]State, len(ids))
	err := store.Chunks(ids, statesPerQuery, func(args []any) error { return sessionStates(ctx, tx, args, out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// statesPerQuery bounds the ids of one query.
const statesPerQuery = 256

func sessionStates(ctx context.Context, tx *store.Tx, ids []any, out map[string]State) error {
	rows, err := tx.Query(ctx, "SELECT id, state FROM sessions WHERE id "+store.In(len(ids)), ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var st State
		if err := rows.Scan(&id, &st); err != nil {
			return err
		}
		out[id] = st
	}
	return rows.Err()
}
