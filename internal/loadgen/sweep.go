package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sweep runs the same load once per node count, each on a cluster of its own started for it,
// so that scale-out is read from one command: the ratios to the first count's throughput.
//
// With rounds above one it runs the counts in turn that many times (1, 2, 3, 1, 2, 3, …) and
// PrintSweep compares their means. On a shared machine the same binary's throughput drifts by
// a quarter within minutes, and a slow run spends its CPU in the same places as a fast one,
// only more of it per message (docs/performance.md, the series of 2026-12-06): one sweep
// reads the machine's drift as much as the nodes' scaling. Taking the counts in turn spreads
// the drift over all of them. The reports come back in the order they ran.
func Sweep(ctx context.Context, cfg Config, nodes []int, rounds int) ([]*Report, error) {
	if cfg.Launch.Start == "" {
		return nil, errors.New("--nodes with several counts, or --rounds, needs --start: each run gets a cluster of its own")
	}
	if rounds < 1 {
		rounds = 1
	}
	var reports []*Report
	for round := 1; round <= rounds; round++ {
		for _, n := range nodes {
			c := cfg
			c.Launch.Nodes = n
			r, err := Run(ctx, c)
			if err != nil {
				return reports, fmt.Errorf("%d node(s), round %d: %w", n, round, err)
			}
			if rounds > 1 {
				r.Round = round
			}
			reports = append(reports, r)
		}
	}
	return reports, nil
}

// countRuns are the runs of one node count, in the order they ran.
type countRuns struct {
	nodes int
	runs  []*Report
}

// byCount groups a sweep's reports by node count, the counts in the order they first ran.
func byCount(reports []*Report) []*countRuns {
	var out []*countRuns
	at := map[int]*countRuns{}
	for _, r := range reports {
		c := at[r.Nodes]
		if c == nil {
			c = &countRuns{nodes: r.Nodes}
			at[r.Nodes] = c
			out = append(out, c)
		}
		c.runs = append(c.runs, r)
	}
	return out
}

// mean is the count's mean accepted msgs/s.
func (c *countRuns) mean() float64 {
	var sum float64
	for _, r := range c.runs {
		sum += r.Messages.PerSecond
	}
	return sum / float64(len(c.runs))
}

// cpuPerMessage is the nodes' CPU per accepted message in µs, over all of the count's runs.
// Nodes held to a CPU quota use all of it, so their throughput is their quota divided by
// this: where it grows with the nodes, they add less than their share.
func (c *countRuns) cpuPerMessage() float64 {
	var cpu, msgs float64
	for _, r := range c.runs {
		for _, s := range r.Servers {
			cpu += s.Cores * r.Window
		}
		msgs += float64(r.Messages.Accepted)
	}
	if msgs == 0 {
		return 0
	}
	return cpu / msgs * 1e6
}

// cores is each node's mean CPU over the count's runs, in cores.
func (c *countRuns) cores() string {
	each := make([]float64, c.nodes)
	for _, r := range c.runs {
		for i, s := range r.Servers {
			if i < len(each) {
				each[i] += s.Cores / float64(len(c.runs))
			}
		}
	}
	parts := make([]string, len(each))
	for i, v := range each {
		parts[i] = fmt.Sprintf("%.2f", v)
	}
	return strings.Join(parts, " + ")
}

// spread prints the lowest and highest of a figure over the count's runs, or the one.
func (c *countRuns) spread(of func(*Report) float64) string {
	lo, hi := of(c.runs[0]), of(c.runs[0])
	for _, r := range c.runs[1:] {
		lo, hi = min(lo, of(r)), max(hi, of(r))
	}
	if fmt.Sprintf("%.0f", lo) == fmt.Sprintf("%.0f", hi) {
		return fmt.Sprintf("%.0f", hi)
	}
	return fmt.Sprintf("%.0f–%.0f", lo, hi)
}

// PrintSweep writes the comparison of a sweep's runs: each count's mean throughput and its
// ratio to the first count's mean, then, when the counts ran more than once, each round's
// figures and ratios.
func PrintSweep(w io.Writer, reports []*Report) {
	counts := byCount(reports)
	if len(counts) == 0 {
		return
	}
	rounds := len(counts[0].runs)
	head := "msgs/s"
	if rounds > 1 {
		head = fmt.Sprintf("mean of %d", rounds)
	}
	base := counts[0].mean()
	fmt.Fprintf(w, "\n%-6s %12s %10s %14s %14s %16s  %s\n", "nodes", head, "× first", "accept p99 ms", "lag p99 ms", "node CPU µs/msg", "node CPU (cores each)")
	for _, c := range counts {
		ratio := 0.0
		if base > 0 {
			ratio = c.mean() / base
		}
		fmt.Fprintf(w, "%-6d %12.0f %10.2f %14s %14s %16.0f  %s\n", c.nodes, c.mean(), ratio,
			c.spread(func(r *Report) float64 { return r.Accept.P99 }),
			c.spread(func(r *Report) float64 { return r.Instances.Lag.P99 }),
			c.cpuPerMessage(), c.cores())
	}
	if rounds < 2 {
		return
	}
	fmt.Fprintf(w, "\n%-6s", "round")
	for _, c := range counts {
		fmt.Fprintf(w, " %10s", fmt.Sprintf("%d node(s)", c.nodes))
	}
	if len(counts) > 1 {
		fmt.Fprint(w, "  × first")
	}
	fmt.Fprintln(w)
	for i := range rounds {
		fmt.Fprintf(w, "%-6d", i+1)
		var ratios []string
		for _, c := range counts {
			if i >= len(c.runs) {
				fmt.Fprintf(w, " %10s", "—")
				continue
			}
			ps := c.runs[i].Messages.PerSecond
			fmt.Fprintf(w, " %10.0f", ps)
			if c != counts[0] && i < len(counts[0].runs) && counts[0].runs[i].Messages.PerSecond > 0 {
				ratios = append(ratios, fmt.Sprintf("%.2f", ps/counts[0].runs[i].Messages.PerSecond))
			}
		}
		if len(ratios) > 0 {
			fmt.Fprintf(w, "  %s", strings.Join(ratios, " / "))
		}
		fmt.Fprintln(w)
	}
}
