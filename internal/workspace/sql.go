package workspace

import (
	"database/sql"

	"github.com/parleychat/parley/internal/store"
)

// scanAll reads every row with scan and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// forShare is the suffix that keeps a selected row from changing until commit while letting
// other readers share it. Item writes take it on their app so that a concurrent field removal
// waits for them instead of missing their values; SQLite's single writer needs nothing.
func forShare(tx *store.Tx) string {
	if tx.Dialect() == store.Postgres {
		return " FOR SHARE"
	}
	return ""
}
