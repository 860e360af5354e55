package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Migration is one schema change, written once per dialect under the same version number.
type Migration struct {
	Version  int
	Name     string
	SQLite   string
	Postgres string
}

var (
	registryMu sync.Mutex
	registry   = map[int]Migration{}
	// retired holds versions that databases may have recorded but no migration carries any
	// more (see RetireMigrations).
	retired = map[int]bool{}
)

// RegisterMigrations adds a domain package's migrations: fsys holds sqlite/NNNN_name.sql and
// postgres/NNNN_name.sql with the same names. Packages call it from init with the version
// band of their layer (auth 1xx, chat 2xx, workspace 3xx, process 4xx, automation 5xx), so
// the order of tables follows the order of packages. A clash is a programming error.
func RegisterMigrations(fsys fs.FS) {
	ms, err := readMigrations(fsys)
	if err != nil {
		panic(err)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, m := range ms {
		if old, ok := registry[m.Version]; ok && old != m {
			panic(fmt.Sprintf("migration %d registered twice (%s, %s)", m.Version, old.Name, m.Name))
		}
		if retired[m.Version] {
			panic(fmt.Sprintf("migration %d (%s) reuses a retired version", m.Version, m.Name))
		}
		registry[m.Version] = m
	}
}

// RetireMigrations names versions that a build once recorded and a later one took back (a
// reverted change, or a mark that moved to another number). A database that has them was
// not written by a newer Parley, so Migrate accepts it; and no migration may use the number
// again, since databases that recorded it would skip the new one.
func RetireMigrations(versions ...int) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, v := range versions {
		if m, ok := registry[v]; ok {
			panic(fmt.Sprintf("migration %d (%s) is registered, and cannot be retired", v, m.Name))
		}
		retired[v] = true
	}
}

func readMigrations(fsys fs.FS) ([]Migration, error) {
	byVersion := map[int]*Migration{}
	for _, dialect := range []Dialect{SQLite, Postgres} {
		names, err := fs.Glob(fsys, string(dialect)+"/*.sql")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if err := addMigration(fsys, dialect, name, byVersion); err != nil {
				return nil, err
			}
		}
	}
	var out []Migration
	for _, m := range byVersion {
		if m.SQLite == "" || m.Postgres == "" {
			return nil, fmt.Errorf("migration %d (%s) must exist for both sqlite and postgres", m.Version, m.Name)
		}
		out = append(out, *m)
	}
	return out, nil
}

func addMigration(fsys fs.FS, dialect Dialect, name string, byVersion map[int]*Migration) error {
	base := strings.TrimSuffix(path.Base(name), ".sql")
	num, label, ok := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil {
		return fmt.Errorf("migration file %s: name must be NNNN_name.sql", name)
	}
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	m := byVersion[v]
	if m == nil {
		m = &Migration{Version: v, Name: label}
		byVersion[v] = m
	}
	if dialect == SQLite {
		m.SQLite = string(body)
	} else {
		m.Postgres = string(body)
	}
	return nil
}

// Migrations returns the registered migrations in version order.
func Migrations() []Migration {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]Migration, 0, len(registry))
	for _, m := range registry {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out
}

// Migrate applies every registered migration the database lacks, each in its own
// transaction, and records it. A database that has a version this binary does not know was
// written by a newer Parley and is refused rather than used half-understood.
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.Tx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	known := Migrations()
	if err := db.refuseNewer(ctx, known); err != nil {
		return err
	}
	for _, m := range known {
		if err := db.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// refuseNewer refuses a database that has recorded a version this binary neither knows nor
// retired. Each domain package numbers its migrations in its own band, so a newer Parley's
// migration may sit below the newest version this one knows (a chat change after an
// automation one): comparing only the newest would let this binary use a schema it does not
// understand, and, since the version is recorded, never apply its own migration of that number.
func (db *DB) refuseNewer(ctx context.Context, known []Migration) error {
	maxKnown := 0
	if len(known) > 0 {
		maxKnown = known[len(known)-1].Version
	}
	isKnown := make(map[int]bool, len(known))
	for _, m := range known {
		isKnown[m.Version] = true
	}
	registryMu.Lock()
	for v := range retired {
		isKnown[v] = true
	}
	registryMu.Unlock()
	return db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, "SELECT version, name FROM schema_migrations ORDER BY version")
		if err != nil {
			return err
		}
		defer rows.Close()
		var unknown []string
		for rows.Next() {
			var v int
			var name string
			if err := rows.Scan(&v, &name); err != nil {
				return err
			}
			if !isKnown[v] {
				unknown = append(unknown, fmt.Sprintf("%d (%s)", v, name))
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(unknown) > 0 {
			versions := "version " + unknown[0]
			if len(unknown) > 1 {
				versions = "versions " + strings.Join(unknown, ", ")
			}
			return fmt.Errorf("the database has schema %s, newer than this parley binary knows (it knows up to %d): run a newer parley",
				versions, maxKnown)
		}
		return nil
	})
}

// apply runs one migration unless it is recorded. On PostgreSQL an advisory lock makes nodes
// that start together apply each migration once.
func (db *DB) apply(ctx context.Context, m Migration) error {
	return db.Tx(ctx, func(tx *Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7210501)"); err != nil {
				return err
			}
		}
		done, err := tx.Exists(ctx, "SELECT 1 FROM schema_migrations WHERE version = ?", m.Version)
		if err != nil || done {
			return err
		}
		body := m.SQLite
		if db.dialect == Postgres {
			body = m.Postgres
		}
		if err := execScript(ctx, tx, body); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, Micros(tx.Now()))
		return err
	})
}

// execScript runs a migration's statements one by one (split on semicolons at line ends), since
// not every driver accepts several statements in one call.
func execScript(ctx context.Context, tx *Tx, body string) error {
	for _, stmt := range splitStatements(body) {
		if _, err := tx.q.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\nin statement:\n%s", err, stmt)
		}
	}
	return nil
}

func splitStatements(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			if s := strings.TrimSpace(cur.String()); s != ";" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// RegisterMigrationsIn registers the migrations under dir of fsys, the usual shape being an
// embedded "migrations" directory of the domain package.
func RegisterMigrationsIn(fsys fs.FS, dir string) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	RegisterMigrations(sub)
}
