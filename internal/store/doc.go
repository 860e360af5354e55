// Package store opens Parley's database — embedded SQLite by default, PostgreSQL when given a
// postgres:// URL — applies the migrations of every domain package, and runs transactions.
//
// Domain packages write portable SQL with `?` placeholders; the store rebinds them for
// PostgreSQL. What differs between the dialects lives here, behind small capabilities:
//
//   - Tx runs a write transaction that commits whole or rolls back whole. On SQLite, which has
//     one writer at a time anyway, concurrent Tx calls are grouped into one database
//     transaction (group commit): each call runs inside its own savepoint, so one call's error
//     rolls back only that call, and one durable fsync covers the whole group. On PostgreSQL
//     each call is its own transaction, retried on serialization failures and deadlocks, so the
//     function passed to Tx must not have side effects outside the transaction: use
//     Tx.AfterCommit for them.
//   - Read runs a read-only transaction that sees one consistent snapshot.
//   - Tx.SkipLocked is the row-claim suffix (FOR UPDATE SKIP LOCKED on PostgreSQL, nothing on
//     SQLite, where the single writer already serialises claims).
//   - Notify and Subscribe wake other goroutines and, on PostgreSQL, other nodes
//     (LISTEN/NOTIFY) after a commit.
//
// Times are stored as integer microseconds since the Unix epoch in both dialects (see
// Timestamp); ids are opaque, time-ordered strings from NewID.
//
// Rules for the function given to Tx: never call db.Tx from inside it (on SQLite that waits
// for itself), never wait on the network or a user inside it (it holds the single writer),
// and return every error: the store decides what commits.
package store
