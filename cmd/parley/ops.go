package main

import (
	"flag"
	"net"
)

// bindOps declares the flags of the instruments: Prometheus metrics and pprof.
func (o *options) bindOps(fs *flag.FlagSet) {
	fs.StringVar(&o.MetricsAddr, "metrics-addr", env("METRICS_ADDR", ""), "host:port that serves Prometheus /metrics on its own listener, such as 127.0.0.1:9090; empty: none (PARLEY_METRICS_ADDR)")
	fs.StringVar(&o.MetricsToken, "metrics-token", env("METRICS_TOKEN", ""), "Bearer token /metrics requires; without --metrics-addr it serves /metrics on --addr behind this token (PARLEY_METRICS_TOKEN)")
	fs.StringVar(&o.DebugAddr, "debug-addr", env("DEBUG_ADDR", ""), "host:port that serves net/http/pprof under /debug/pprof/, for profiling; keep it on loopback; empty: none (PARLEY_DEBUG_ADDR)")
}

// checkOps reports bad instrument settings through bad.
func (o *options) checkOps(bad func(flag, format string, args ...any)) {
	for flag, addr := range map[string]string{"metrics-addr": o.MetricsAddr, "debug-addr": o.DebugAddr} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(flag, "%q is not host:port", addr)
		}
	}
	if o.MetricsToken != "" && len(o.MetricsToken) < 16 {
		bad("metrics-token", "must be at least 16 characters")
	}
}
