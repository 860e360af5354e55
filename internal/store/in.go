package store

import "strings"

// In returns "IN (?, ?, …)" with n placeholders, for a condition over a list of n values
// (n ≥ 1). Lists longer than a statement should carry go through Chunks.
func In(n int) string { return "IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")" }

// Chunks calls fn with values in runs of at most size, in order, and stops at fn's first
// error: a list of ids for IN is bounded so that one statement's placeholders stay few
// (SQLite allows 32,766) and its plan stays the same for most calls.
func Chunks[T any](values []T, size int, fn func(args []any) error) error {
	for len(values) > 0 {
		n := min(len(values), size)
		args := make([]any, n)
		for i, v := range values[:n] {
			args[i] = v
		}
		if err := fn(args); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}
