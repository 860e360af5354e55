package loadgen_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/loadgen"
)

// sweepRun is a report of nodes nodes, each using cores, that accepted perSecond for 10 s.
func sweepRun(nodes, round int, perSecond, cores, acceptP99 float64) *loadgen.Report {
	r := &loadgen.Report{Nodes: nodes, Round: round, Window: 10}
	r.Messages.PerSecond, r.Messages.Accepted = perSecond, int64(perSecond*10)
	r.Accept.P99, r.Instances.Lag.P99 = acceptP99, 2*acceptP99
	for range nodes {
		r.Servers = append(r.Servers, loadgen.Usage{Name: "parley", Cores: cores})
	}
	return r
}

// TestSweepComparesMeans: with the counts run in turn over rounds, the comparison gives each
// count's mean and its ratio to the first count's mean, the nodes' CPU per message, and each
// round's own figures, so that a drifting machine shows as a drifting round.
func TestSweepComparesMeans(t *testing.T) {
	reports := []*loadgen.Report{
		sweepRun(1, 1, 1000, 0.15, 180), sweepRun(3, 1, 2400, 0.15, 90),
		sweepRun(1, 2, 1200, 0.15, 190), sweepRun(3, 2, 3600, 0.15, 80),
	}
	lines := sweepLines(t, reports)
	for _, w := range []string{
		"nodes mean of 2 × first accept p99 ms lag p99 ms node CPU µs/msg node CPU (cores each)",
		// 1 node: mean 1,100; 136 µs a message (0.15 cores × 20 s / 22,000 messages).
		"1 1100 1.00 180–190 360–380 136 0.15",
		// 3 nodes: mean 3,000, 2.73 × 1,100; 150 µs (0.45 cores × 20 s / 60,000 messages).
		"3 3000 2.73 80–90 160–180 150 0.15 + 0.15 + 0.15",
		// each round, and its own ratio
		"1 1000 2400 2.40",
		"2 1200 3600 3.00",
	} {
		if !lines[w] {
			t.Errorf("the comparison lacks the line %q", w)
		}
	}
}

// sweepLines prints the comparison and returns its lines, each with its spaces collapsed.
func sweepLines(t *testing.T, reports []*loadgen.Report) map[string]bool {
	t.Helper()
	var sb strings.Builder
	loadgen.PrintSweep(&sb, reports)
	t.Logf("\n%s", sb.String())
	lines := map[string]bool{}
	for _, l := range strings.Split(sb.String(), "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true
	}
	return lines
}

// TestSweepOfOneRound: a single round compares the runs as they are, with no table of rounds.
func TestSweepOfOneRound(t *testing.T) {
	lines := sweepLines(t, []*loadgen.Report{sweepRun(1, 0, 800, 0.15, 200), sweepRun(2, 0, 1500, 0.15, 100)})
	if !lines["nodes msgs/s × first accept p99 ms lag p99 ms node CPU µs/msg node CPU (cores each)"] ||
		!lines["2 1500 1.88 100 200 200 0.15 + 0.15"] {
		t.Errorf("the comparison of one round lacks its header or its second count")
	}
	for l := range lines {
		if strings.HasPrefix(l, "round") {
			t.Errorf("a table of rounds for one round: %q", l)
		}
	}
}
