package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/parleychat/parley/internal/loadgen"
)

const benchUsage = `Usage: parley bench [flags]

Measures Parley end to end through its public API: sets up live chats whose message_received
starts a process that waits at a user task, has widget customers write for --duration, and
reports accepted messages per second, accept latency, instances started, the lag from a
message's commit to its instance's start, the dispatcher's backlog at the end, errors, and the
servers' CPU and memory. Loopback only.

Against a running node:   parley bench --target http://127.0.0.1:8080 --admin-password P
Starting the server(s):   parley bench --start sqlite
                          parley bench --start postgres://… --nodes 1,2,3 --node-cpu-quota 50%
                          parley bench --start postgres://… --nodes 1,2,3 --rounds 3 --node-cpu-quota 15%

Flags:
`

// bench handles "parley bench".
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadgen.Config
	var targets, metrics, nodes string
	var asJSON bool
	var rounds int
	fs.StringVar(&targets, "target", env("BENCH_TARGET", ""), "base URLs of running nodes, comma-separated; customers are spread over them (PARLEY_BENCH_TARGET)")
	fs.StringVar(&cfg.AdminPassword, "admin-password", env("ADMIN_PASSWORD", ""), "password of the target's admin, to set up live chats and read the automation log (PARLEY_ADMIN_PASSWORD)")
	fs.StringVar(&cfg.Launch.Start, "start", "", "start the server(s) for the run: sqlite (a new file in a temporary directory) or a postgres:// URL (a new schema in that database)")
	fs.StringVar(&nodes, "nodes", "1", "with --start postgres://…: how many parley serve processes share the database; a list such as 1,2,3 runs the load once per count and compares them")
	fs.IntVar(&rounds, "rounds", 1, "with --start: run the --nodes counts in turn this many times and compare their means, which a shared machine's drift moves less than one run")
	fs.StringVar(&cfg.Launch.CPUQuota, "node-cpu-quota", "", "with --start: limit each node to this share of one core, such as 50% (systemd-run, else cgroups)")
	fs.BoolVar(&cfg.Launch.Keep, "keep", false, "with --start: keep the temporary directory (node logs) and the PostgreSQL schema")
	fs.IntVar(&cfg.Chats, "chats", 8, "live chats to spread the customers over")
	fs.IntVar(&cfg.Customers, "customers", 64, "customers writing at once (closed loop), or sessions the open loop goes round")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: messages per second whatever the answers take; 0: closed loop")
	fs.DurationVar(&cfg.Duration, "duration", 0, "the measured window, such as 30s")
	fs.DurationVar(&cfg.Drain, "drain", 0, "how long to wait after the window for every instance to start (default 1m)")
	fs.StringVar(&metrics, "metrics-url", "", "the targets' /metrics URLs, comma-separated, for the backlog and (without --pid) CPU and memory")
	fs.StringVar(&cfg.MetricsToken, "metrics-token", env("METRICS_TOKEN", ""), "Bearer token of --metrics-url (PARLEY_METRICS_TOKEN)")
	fs.Func("pid", "a target's process id on this machine, to read its CPU and memory from /proc (repeatable)", func(s string) error {
		var pid int
		if _, err := fmt.Sscan(s, &pid); err != nil || pid <= 0 {
			return fmt.Errorf("not a process id: %q", s)
		}
		cfg.PIDs = append(cfg.PIDs, pid)
		return nil
	})
	fs.BoolVar(&cfg.Sockets, "sockets", false, "each customer also holds its widget WebSocket open, as an open widget does")
	fs.BoolVar(&cfg.Timeline, "timeline", false, "also report the accept latency of each second of the window, to see when a tail came")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Duration == 0 {
		return fmt.Errorf("--duration is required, such as --duration 30s")
	}
	// The library reads zero as "the default"; on the command line it is a mistake.
	if cfg.Customers < 1 {
		return fmt.Errorf("--customers: want at least 1, not %d", cfg.Customers)
	}
	if cfg.Chats < 1 {
		return fmt.Errorf("--chats: want at least 1, not %d", cfg.Chats)
	}
	if rounds < 1 || rounds > 20 {
		return fmt.Errorf("--rounds: want 1 to 20, not %d", rounds)
	}
	cfg.Targets, cfg.MetricsURLs = split(targets), split(metrics)
	cfg.Log = stderr
	counts, err := nodeCounts(nodes)
	if err != nil {
		return err
	}
	if len(counts) > 1 || rounds > 1 {
		return sweep(ctx, cfg, counts, rounds, asJSON, stdout)
	}
	cfg.Launch.Nodes = counts[0]
	r, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	r.Print(stdout)
	return nil
}

// sweep runs the load once per node count, rounds times, and prints each report and their
// comparison.
func sweep(ctx context.Context, cfg loadgen.Config, counts []int, rounds int, asJSON bool, stdout io.Writer) error {
	reports, err := loadgen.Sweep(ctx, cfg, counts, rounds)
	if asJSON && err == nil {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reports)
	}
	for _, r := range reports {
		r.Print(stdout)
		fmt.Fprintln(stdout)
	}
	loadgen.PrintSweep(stdout, reports)
	return err
}

// nodeCounts reads --nodes: one count, or a comma-separated list of them.
func nodeCounts(s string) ([]int, error) {
	var counts []int
	for _, part := range split(s) {
		var n int
		if _, err := fmt.Sscan(part, &n); err != nil || n < 1 || n > 16 {
			return nil, fmt.Errorf("--nodes: want counts between 1 and 16 such as 3 or 1,2,3, not %q", s)
		}
		counts = append(counts, n)
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("--nodes: want a count such as 3 or a list such as 1,2,3")
	}
	return counts, nil
}

func split(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
