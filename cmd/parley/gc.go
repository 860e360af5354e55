package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go runtime's default (GOGC=100) collects whenever the heap has grown by as much as the
// collector found live plus the goroutines' stacks. A server's live heap is small — tens of
// megabytes at thousands of messages a second — so it collected many times a second, and the
// collections' CPU came out of PostgreSQL's share of the two cores: at GOGC=400 `parley
// bench` accepted 5–7 % more messages on PostgreSQL, and SQLite, whose single writer is its
// limit, as many within the noise, for 35–65 MiB more memory (docs/performance.md, 2026-12-04
// 14:39). Four times the headroom is too much where the live heap is large (10,000 open
// widgets), so a soft memory limit bounds it there: 512 MiB, or half as much again as the
// working set when that is larger, so that the collector always has a third of the limit to
// work in and never runs back to back.
const (
	gcPercent       = 400
	baseMemoryLimit = 512 << 20
)

// tuneGC sets the collector for a serving node, unless GOGC or GOMEMLIMIT is set: then the
// operator's setting is the runtime's, unchanged.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(baseMemoryLimit)
	go followWorkingSet(ctx)
}

// memoryLimit is the soft memory limit for a working set (live heap and stacks, in bytes).
func memoryLimit(base, working uint64) int64 {
	return int64(max(base, working+working/2))
}

// followWorkingSet raises or lowers the memory limit every second as the working set moves.
func followWorkingSet(ctx context.Context) {
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}, {Name: "/memory/classes/os-stacks:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(samples)
		var working uint64
		for _, s := range samples {
			if s.Value.Kind() == metrics.KindUint64 {
				working += s.Value.Uint64()
			}
		}
		debug.SetMemoryLimit(memoryLimit(baseMemoryLimit, working))
	}
}
