package store

import "database/sql"

// Pools returns the database connection pools by name, so that monitoring can report their
// statistics: "postgres" on PostgreSQL; "readers" and "writer" on SQLite.
func (db *DB) Pools() map[string]*sql.DB {
	if db.dialect == Postgres {
		return map[string]*sql.DB{"postgres": db.pool}
	}
	pools := map[string]*sql.DB{"readers": db.pool}
	if db.writer != nil {
		pools["writer"] = db.writer.w
	}
	return pools
}
