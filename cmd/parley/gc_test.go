package main

import "testing"

// TestMemoryLimitFollowsTheWorkingSet: a small server keeps the base limit; one whose live
// heap and stacks outgrow it gets half as much again as they take, so the collector never
// has to run without pause to stay under it.
func TestMemoryLimitFollowsTheWorkingSet(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct{ working, want uint64 }{
		{0, 512 * mib},
		{40 * mib, 512 * mib},
		{341 * mib, 512 * mib},
		{355 * mib, 532*mib + mib/2},
		{2048 * mib, 3072 * mib},
	} {
		if got := memoryLimit(baseMemoryLimit, c.working); got != int64(c.want) {
			t.Errorf("working set %d MiB: limit %d MiB, want %d MiB", c.working/mib, got/mib, c.want/mib)
		}
	}
}
