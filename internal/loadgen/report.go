package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
)

// Report is what a run measured; `parley bench --json` prints it as is.
type Report struct {
	Run     string   `json:"run"`
	Targets []string `json:"targets"`
	Nodes   int      `json:"nodes"`
	// Round is which of a sweep's rounds (--rounds) the run was, from 1; 0 outside one.
	Round       int    `json:"round,omitempty"`
	Database    string `json:"database,omitempty"`
	CPUQuota    string `json:"node_cpu_quota,omitempty"`
	QuotaMethod string `json:"quota_method,omitempty"`
	Chats       int    `json:"chats"`
	Customers   int    `json:"customers"`
	// Rate is the open loop's messages per second; 0 for a closed loop.
	Rate float64 `json:"rate,omitempty"`
	// Duration is the window asked for; Window how long it took, until the last answer.
	Duration float64  `json:"duration_s"`
	Window   float64  `json:"window_s"`
	Messages Messages `json:"messages"`
	// Accept is each message's time to its 201, in milliseconds.
	Accept Latency `json:"accept_ms"`
	// Timeline is Accept second by second (--timeline), by when each message was due or sent.
	Timeline  []Second         `json:"timeline,omitempty"`
	Instances Instances        `json:"instances"`
	Backlog   Backlog          `json:"backlog_at_end"`
	Errors    map[string]int64 `json:"errors"`
	Sockets   *Sockets         `json:"sockets,omitempty"`
	Servers   []Usage          `json:"servers"`
	// DatabaseUsage is PostgreSQL's CPU when the run started the nodes on it.
	DatabaseUsage *Usage  `json:"database_usage,omitempty"`
	LoadGenerator *Usage  `json:"load_generator"`
	Machine       Machine `json:"machine"`
}

// Messages counts the customers' messages.
type Messages struct {
	// Setup are the customers' first messages, which opened their sessions before the window.
	Setup int64 `json:"setup"`
	// Accepted were answered 201 within the window.
	Accepted  int64   `json:"accepted"`
	PerSecond float64 `json:"per_second"`
}

// Machine is where the run ran, and how busy the machine was besides.
type Machine struct {
	Host  string `json:"host"`
	CPUs  int    `json:"cpus"`
	Model string `json:"cpu_model"`
	// LoadStart and LoadEnd are /proc/loadavg's 1, 5 and 15 minute figures.
	LoadStart string `json:"load_start"`
	LoadEnd   string `json:"load_end"`
}

func machine() Machine {
	return Machine{Host: hostname(), CPUs: runtime.NumCPU(), Model: cpuModel(), LoadStart: loadAverage()}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// Print writes the report for a person.
func (r *Report) Print(w io.Writer) {
	mode := fmt.Sprintf("closed loop, %d customers", r.Customers)
	if r.Rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f msgs/s over %d sessions", r.Rate, r.Customers)
	}
	fmt.Fprintf(w, "run %s: %s, %d live chats, %d node(s)", r.Run, mode, r.Chats, r.Nodes)
	if r.Database != "" {
		fmt.Fprintf(w, " on %s", r.Database)
	}
	if r.CPUQuota != "" {
		fmt.Fprintf(w, ", each limited to %s (%s)", r.CPUQuota, r.QuotaMethod)
	}
	fmt.Fprintf(w, "\nmachine: %d CPUs, %s; load average %s at start, %s at end\n", r.Machine.CPUs, r.Machine.Model, r.Machine.LoadStart, r.Machine.LoadEnd)
	fmt.Fprintf(w, "accepted:   %d messages in %.1fs = %.0f msgs/s (+%d first messages before the window)\n",
		r.Messages.Accepted, r.Window, r.Messages.PerSecond, r.Messages.Setup)
	fmt.Fprintf(w, "accept:     %s\n", r.Accept)
	in := r.Instances
	fmt.Fprintf(w, "instances:  %d started of %d expected (%d skipped, %d failed, %d not started); %.0f started/s in the window\n",
		in.Started, in.Expected, in.Skipped, in.Failed, in.NotStarted, in.PerSecond)
	fmt.Fprintf(w, "lag:        message commit to instance start %s\n", in.Lag)
	fmt.Fprintf(w, "backlog:    %d messages without their instance at the window's end, the oldest %.2fs old", r.Backlog.Events, r.Backlog.Seconds)
	if m := r.Backlog.Metrics; m != nil {
		fmt.Fprintf(w, " (/metrics: %.0f events, %.2fs)", m.Events, m.LagSeconds)
	}
	fmt.Fprintln(w)
	for _, u := range append(append([]Usage{}, r.Servers...), derefs(r.DatabaseUsage, r.LoadGenerator)...) {
		fmt.Fprintf(w, "cpu:        %-45s %.2f cores", u.Name+pidList(u.PIDs), u.Cores)
		if u.RSSMiB > 0 {
			fmt.Fprintf(w, ", RSS %.0f MiB (peak %.0f)", u.RSSMiB, u.PeakMiB)
		}
		fmt.Fprintf(w, " [%s]\n", u.Source)
	}
	if s := r.Sockets; s != nil {
		fmt.Fprintf(w, "sockets:    %d widget WebSockets open, %d frames received, %d closed by the server\n", s.Opened, s.Frames, s.Dropped)
	}
	fmt.Fprintf(w, "errors:     %s\n", errorList(r.Errors))
	for _, s := range r.Timeline {
		fmt.Fprintf(w, "second %3d: %6d accepted, %s\n", s.Second, s.Accept.Count, s.Accept)
	}
}

func (l Latency) String() string {
	if l.Count == 0 {
		return "none measured"
	}
	return fmt.Sprintf("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)", l.P50, l.P90, l.P99, l.Max, l.Count)
}

func derefs(us ...*Usage) []Usage {
	var out []Usage
	for _, u := range us {
		if u != nil {
			out = append(out, *u)
		}
	}
	return out
}

func pidList(pids []int) string {
	if len(pids) != 1 {
		return ""
	}
	return fmt.Sprintf(" (pid %d)", pids[0])
}

func errorList(errs map[string]int64) string {
	if len(errs) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, errs[k])
	}
	return strings.Join(parts, ", ")
}
