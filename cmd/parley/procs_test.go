package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/loadgen"
)

func TestProcsFor(t *testing.T) {
	for _, c := range []struct {
		cores float64
		want  int
	}{{0.05, 1}, {0.15, 1}, {0.99, 1}, {1, 1}, {1.01, 2}, {1.5, 2}, {2, 2}, {3.2, 4}} {
		if got := procsFor(c.cores); got != c.want {
			t.Errorf("procsFor(%v) = %d, want %d", c.cores, got, c.want)
		}
	}
}

// TestFitProcsChild is the process TestServeFitsItsThreadsToItsCPULimit starts in a cgroup.
func TestFitProcsChild(t *testing.T) {
	if os.Getenv("PARLEY_FIT_PROCS_CHILD") == "" {
		return
	}
	fitProcs(slog.New(slog.DiscardHandler))
	fmt.Printf("GOMAXPROCS=%d\n", runtime.GOMAXPROCS(0))
}

// TestServeFitsItsThreadsToItsCPULimit starts a process in a cgroup limited to part of a
// core, as a container is, and checks what a serving node makes of it: one thread under one
// core; the runtime's own choice (the limit rounded up, never under 2) from one core up.
func TestServeFitsItsThreadsToItsCPULimit(t *testing.T) {
	want := map[int]int{15: 1, 90: 1, 150: min(2, runtime.NumCPU())}
	for _, quota := range []int{15, 90, 150} {
		cmd, dir, _, err := loadgen.CgroupCommand(fmt.Sprintf("parley-test-%d-%d", os.Getpid(), quota), quota,
			os.Args[0], "-test.run=^TestFitProcsChild$")
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI runs as root with a cgroup cpu controller: %v", err)
			}
			t.Skipf("no cgroup to limit a process with here: %v", err)
		}
		cmd.Env = append(withoutEnv(os.Environ(), "GOMAXPROCS"), "PARLEY_FIT_PROCS_CHILD=1")
		out, err := cmd.CombinedOutput()
		os.Remove(dir)
		if err != nil {
			t.Fatalf("quota %d%%: %v\n%s", quota, err, out)
		}
		if got := fmt.Sprintf("GOMAXPROCS=%d", want[quota]); !strings.Contains(string(out), got) {
			t.Errorf("limited to %d%% of a core: want %s, the process said:\n%s", quota, got, out)
		}
	}
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
