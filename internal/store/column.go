package store

import "context"

// Column runs a query and returns its rows' one column (the first, if it selects more), in
// order; an empty, non-nil slice when there are none, so that it encodes as [] in JSON.
func Column[T any](ctx context.Context, tx *Tx, query string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
