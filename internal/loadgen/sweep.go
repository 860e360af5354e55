package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Sweep runs the same load once per node count, each on a cluster of its own started for it,
// so that scale-out is read from one command: the ratios to the first count's throughput.
func Sweep(ctx context.Context, cfg Config, nodes []int) ([]*Report, error) {
	if cfg.Launch.Start == "" {
		return nil, errors.New("--nodes with several counts needs --start: each count gets a cluster of its own")
	}
	var reports []*Report
	for _, n := range nodes {
		c := cfg
		c.Launch.Nodes = n
		r, err := Run(ctx, c)
		if err != nil {
			return reports, fmt.Errorf("%d node(s): %w", n, err)
		}
		reports = append(reports, r)
	}
	return reports, nil
}

// PrintSweep writes the comparison of a sweep's runs.
func PrintSweep(w io.Writer, reports []*Report) {
	if len(reports) == 0 {
		return
	}
	base := reports[0].Messages.PerSecond
	fmt.Fprintf(w, "\n%-6s %12s %10s %14s %14s  %s\n", "nodes", "msgs/s", "× first", "accept p99 ms", "lag p99 ms", "node CPU (cores each)")
	for _, r := range reports {
		ratio := 0.0
		if base > 0 {
			ratio = r.Messages.PerSecond / base
		}
		cores := ""
		for i, s := range r.Servers {
			if i > 0 {
				cores += " + "
			}
			cores += fmt.Sprintf("%.2f", s.Cores)
		}
		fmt.Fprintf(w, "%-6d %12.0f %10.2f %14.0f %14.0f  %s\n", r.Nodes, r.Messages.PerSecond, ratio, r.Accept.P99, r.Instances.Lag.P99, cores)
	}
}
