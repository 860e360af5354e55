package main

import (
	"log/slog"
	"math"
	"runtime"

	"go.uber.org/automaxprocs/maxprocs"
)

// The Go runtime sizes GOMAXPROCS to a container's CPU limit, but never below 2. A node
// limited to less than one core then runs two threads on a budget of less than one: when its
// goroutines wait on the database, the idle thread looks for work on the quota (in profiles
// of nodes at 15 % of a core, the scheduler's search took 7 µs of the 225 µs a message cost
// a lone node, 27 µs of 290 as one of three). Measured with `parley bench` on PostgreSQL,
// nodes at 15 % of a core, 64 customers, six pairs taken in turn (docs/performance.md,
// 2026-12-05 06:38–06:49 UTC): with one thread one node accepted 12 % more messages (more in
// five pairs of six) at a lower accept p99, and three nodes 3 % more, within the noise.
//
// So below one core a serving node runs one thread; from one core up, the runtime's own
// choice (the limit rounded up, followed as it changes) stands, and so does GOMAXPROCS
// when the operator sets it.

// fitProcs gives a serving node limited to less than one core a single thread, and says so.
func fitProcs(log *slog.Logger) {
	var quota float64
	_, err := maxprocs.Set(maxprocs.Min(1), maxprocs.RoundQuotaFunc(func(q float64) int {
		quota = q
		return procsFor(q)
	}))
	if err != nil {
		log.Warn("reading the CPU limit failed; GOMAXPROCS is the runtime's", "err", err)
		return
	}
	if quota == 0 {
		return // no limit, or GOMAXPROCS set: nothing was changed
	}
	if procsFor(quota) > 1 {
		// The runtime's default already is the limit rounded up, and it follows the limit
		// when it changes; maxprocs.Set stopped that, so give it back.
		runtime.SetDefaultGOMAXPROCS()
		return
	}
	log.Info("running one thread: the CPU limit is under one core", "cpu_limit_cores", quota, "gomaxprocs", runtime.GOMAXPROCS(0))
}

// procsFor is GOMAXPROCS for a CPU limit in cores: the limit rounded up, as the runtime
// does, but 1 rather than 2 below one core.
func procsFor(quota float64) int {
	return max(1, int(math.Ceil(quota)))
}
