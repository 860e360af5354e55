package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestBenchRefusesBadRuns: parley bench names the flag at fault before it sends anything.
func TestBenchRefusesBadRuns(t *testing.T) {
	cases := map[string][]string{
		"--duration is required":       {"--target", "http://127.0.0.1:1", "--admin-password", "x"},
		"--nodes: want counts":         {"--nodes", "1,x", "--duration", "1s"},
		"--nodes with several counts":  {"--nodes", "1,2", "--target", "http://127.0.0.1:1", "--admin-password", "x", "--duration", "1s"},
		"--rounds, needs --start":      {"--rounds", "3", "--target", "http://127.0.0.1:1", "--admin-password", "x", "--duration", "1s"},
		"--rounds: want 1 to 20":       {"--start", "sqlite", "--rounds", "0", "--duration", "1s"},
		"not a loopback address":       {"--target", "http://192.0.2.1:8080", "--admin-password", "x", "--duration", "1s"},
		"--admin-password":             {"--target", "http://127.0.0.1:1", "--duration", "1s"},
		"--customers: want at least 1": {"--start", "sqlite", "--customers", "0", "--duration", "1s"},
		"--chats: want at least 1":     {"--start", "sqlite", "--chats", "-2", "--duration", "1s"},
	}
	for want, args := range cases {
		t.Setenv("PARLEY_ADMIN_PASSWORD", "")
		err := run(context.Background(), append([]string{"bench"}, args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: error %v, want one saying %q", args, err, want)
		}
	}
}
