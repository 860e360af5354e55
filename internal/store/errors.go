package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/parleychat/parley/internal/errs"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate turns driver errors that a user can cause into coded errors: a unique violation
// becomes conflict and a missing row becomes not_found. Everything else passes unchanged
// and is reported as internal by the HTTP layer.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &errs.Error{Code: errs.NotFound, Message: "not found", Err: err}
	}
	if isUnique(err) {
		return &errs.Error{Code: errs.Conflict, Message: "already exists", Err: err}
	}
	if isForeignKey(err) {
		return &errs.Error{Code: errs.Invalid, Message: "refers to something that does not exist", Err: err}
	}
	return err
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// retryable reports whether PostgreSQL asks for the transaction to be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// NotFound rewrites a not_found error from a query into one that says what was missing, and
// passes every other error through.
func NotFound(err error, format string, args ...any) error {
	if errs.Is(err, errs.NotFound) {
		return errs.New(errs.NotFound, format, args...)
	}
	return err
}

// IsUnique reports whether err is a unique violation (already translated or not).
func IsUnique(err error) bool {
	return isUnique(err) || (errs.Is(err, errs.Conflict) && strings.Contains(err.Error(), "already exists"))
}
