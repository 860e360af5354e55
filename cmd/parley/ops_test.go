package main

import (
	"strings"
	"testing"
)

// TestInstrumentFlags: metrics and pprof are off by default, read from flags or PARLEY_*
// variables, and bad values are refused with the flag named.
func TestInstrumentFlags(t *testing.T) {
	o, err := parse(t, nil)
	if err != nil || o.MetricsAddr != "" || o.MetricsToken != "" || o.DebugAddr != "" {
		t.Fatalf("defaults: %+v, %v (the instruments must be off)", o, err)
	}
	o, err = parse(t, map[string]string{"METRICS_TOKEN": "a-token-of-16-chars", "DEBUG_ADDR": "127.0.0.1:6060"}, "--metrics-addr", "127.0.0.1:9090")
	if err != nil || o.MetricsAddr != "127.0.0.1:9090" || o.MetricsToken != "a-token-of-16-chars" || o.DebugAddr != "127.0.0.1:6060" {
		t.Fatalf("variables and flags: %+v, %v", o, err)
	}
	bad := map[string][]string{
		`--metrics-addr (PARLEY_METRICS_ADDR): "9090" is not host:port`: {"--metrics-addr", "9090"},
		`--debug-addr (PARLEY_DEBUG_ADDR): "pprof" is not host:port`:    {"--debug-addr", "pprof"},
		"--metrics-token (PARLEY_METRICS_TOKEN): must be at least 16":   {"--metrics-token", "short"},
	}
	for want, args := range bad {
		if _, err := parse(t, nil, args...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: error %v, want one naming %q", args, err, want)
		}
	}
}
