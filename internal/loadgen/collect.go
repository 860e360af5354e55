package loadgen

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"
)

// logLine is what the load generator reads of an automation log line.
type logLine struct {
	Outcome string     `json:"outcome"`
	At      time.Time  `json:"at"`
	EventAt *time.Time `json:"event_at"`
}

// readLog reads every line of the live chats' automation logs, page by page.
func readLog(ctx context.Context, c *client, admin string, chats []string) ([]logLine, error) {
	var all []logLine
	for _, chat := range chats {
		cursor := ""
		for {
			var page struct {
				Items      []logLine `json:"items"`
				NextCursor string    `json:"next_cursor"`
			}
			path := "/api/v1/livechats/" + chat + "/automation/log?limit=200&cursor=" + url.QueryEscape(cursor)
			if err := c.do(ctx, "GET", path, admin, nil, 200, &page); err != nil {
				return nil, fmt.Errorf("read the automation log: %w", err)
			}
			all = append(all, page.Items...)
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
	}
	return all, nil
}

// outcomes counts the lines by outcome.
func outcomes(lines []logLine) (started, skipped, failed int64) {
	for _, l := range lines {
		switch l.Outcome {
		case "started":
			started++
		case "skipped":
			skipped++
		case "failed":
			failed++
		}
	}
	return
}

// Instances is what the automation log says of the run.
type Instances struct {
	// Expected is one per accepted message, the customers' first messages included.
	Expected int64 `json:"expected"`
	Started  int64 `json:"started"`
	Skipped  int64 `json:"skipped"`
	Failed   int64 `json:"failed"`
	// NotStarted is how many expected instances had not started when the wait ended.
	NotStarted int64 `json:"not_started"`
	// PerSecond counts the instances started within the measured window.
	PerSecond float64 `json:"per_second"`
	// Lag is from the message's event being written (its commit) to its instance's start,
	// for the messages of the measured window.
	Lag Latency `json:"lag_ms"`
}

// Backlog is how far behind the dispatcher was when the window ended: the messages written
// by then whose instances started later, and the age then of the oldest of them.
type Backlog struct {
	Events  int64   `json:"events"`
	Seconds float64 `json:"seconds"`
	// Metrics are the dispatcher's own gauges scraped at the window's end, when the load
	// generator could reach /metrics.
	Metrics *MetricsBacklog `json:"metrics,omitempty"`
}

// MetricsBacklog is parley_automation_backlog_events and _dispatch_lag_seconds.
type MetricsBacklog struct {
	Events     float64 `json:"events"`
	LagSeconds float64 `json:"lag_seconds"`
}

// instanceStats reads the window's figures from the log lines.
func instanceStats(lines []logLine, from, until time.Time, expected int64) (Instances, Backlog) {
	in := Instances{Expected: expected}
	in.Started, in.Skipped, in.Failed = outcomes(lines)
	in.NotStarted = max(0, expected-in.Started)
	var lags []time.Duration
	var bl Backlog
	var oldest time.Time
	var inWindow int64
	for _, l := range lines {
		if l.Outcome != "started" {
			continue
		}
		if !l.At.Before(from) && !l.At.After(until) {
			inWindow++
		}
		if l.EventAt == nil {
			continue
		}
		ev := *l.EventAt
		if !ev.Before(from) && !ev.After(until) {
			lags = append(lags, l.At.Sub(ev))
		}
		if !ev.After(until) && l.At.After(until) {
			bl.Events++
			if oldest.IsZero() || ev.Before(oldest) {
				oldest = ev
			}
		}
	}
	if !oldest.IsZero() {
		bl.Seconds = until.Sub(oldest).Seconds()
	}
	in.Lag = latency(lags)
	in.PerSecond = float64(inWindow) / until.Sub(from).Seconds()
	return in, bl
}

// Latency is a distribution in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

func latency(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.5) - 1
		return ms(ds[min(max(i, 0), len(ds)-1)])
	}
	return Latency{Count: len(ds), P50: at(.50), P90: at(.90), P99: at(.99), Max: ms(ds[len(ds)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Second is the accept latency of the messages due (or sent) in one second of the window.
type Second struct {
	Second int     `json:"second"`
	Accept Latency `json:"accept_ms"`
}

// timeline splits the latencies by the second of the window they were measured from, so
// that a run's tail shows as the burst it came in or as a drift over the whole window.
func timeline(at, lat []time.Duration) []Second {
	var secs [][]time.Duration
	for i, a := range at {
		s := max(int(a/time.Second), 0)
		for len(secs) <= s {
			secs = append(secs, nil)
		}
		secs[s] = append(secs[s], lat[i])
	}
	out := make([]Second, len(secs))
	for s, ds := range secs {
		out[s] = Second{Second: s, Accept: latency(ds)}
	}
	return out
}
