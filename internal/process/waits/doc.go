// Package waits stores and schedules the waits of process instances: the rows an instance
// waits on besides its tasks — jobs (timers, retries, http calls, outside workers' jobs),
// message subscriptions, the buffer of published messages kept for a wait to come, and the
// due times of timer start events. It works on a *store.Tx and knows nothing of the runner:
// what happens when a wait fires (moving tokens) is package process's.
//
// # Who writes a wait and who fires it
//
// The runner writes a wait row in the transaction that moves a token to its wait state, and
// names the token (or, for an event sub-process's start, the scope) the row belongs to.
// Whatever ends the wait fires it in one transaction that first locks the instance's row and
// then deletes the wait row (Take, DeleteSubscription): a row that is gone means another
// event got there first, and nothing must happen. Cancelling a token deletes its rows.
//
// # Leases and exactly-once
//
// Job workers on any node Claim due jobs by leasing them (FOR UPDATE SKIP LOCKED on
// PostgreSQL), outside the transaction that runs them, so that an http call is never made
// inside a transaction. The lease, not a lock, holds the claim: a job whose worker died is
// claimed again once its lease has expired, and Take deletes a job only while its lease is
// still the taker's, so a job that fires commits at most once. Published messages are
// correlated under an advisory lock on their name and key (LockCorrelation), so that a publish
// and a new wait cannot miss each other, and a buffered message is taken by a conditional
// update, so that two waits never take the same one.
package waits
