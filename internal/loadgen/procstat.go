package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's CPU times; Linux fixes
// it at 100 for user space.
const clockTicks = 100

// cpuTicks returns the user and system CPU time of a process, in clock ticks, with that of
// its children that have ended and been waited for: a PostgreSQL backend that exits during
// the window leaves its time in the postmaster's count rather than taking it away.
func cpuTicks(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 15 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	var sum int64
	for _, f := range fields[11:15] { // utime, stime, cutime, cstime
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: bad CPU times", pid)
		}
		sum += n
	}
	return sum, nil
}

// memory returns a process's resident set and its peak, in MiB.
func memory(pid int) (rss, peak float64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		switch name {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return rss, peak, sc.Err()
}

// pidsNamed lists the processes whose command is name, such as the PostgreSQL server's.
func pidsNamed(name string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err == nil && strings.TrimSpace(string(comm)) == name {
			pid, _ := strconv.Atoi(filepath.Base(d))
			pids = append(pids, pid)
		}
	}
	return pids
}

// Usage is the CPU and memory of a process (or a group of them) over the measured window.
type Usage struct {
	Name string `json:"name"`
	PIDs []int  `json:"pids,omitempty"`
	// Cores is the CPU time used in the window divided by its length: 1.0 is one core busy.
	Cores float64 `json:"cores"`
	// RSSMiB is the resident memory at the window's end, PeakMiB the highest it has been.
	RSSMiB  float64 `json:"rss_mib,omitempty"`
	PeakMiB float64 `json:"peak_rss_mib,omitempty"`
	// Source says where the figures come from: "proc" or "metrics".
	Source string `json:"source"`
}

// watched is a process group whose CPU time is sampled at the window's start and end.
type watched struct {
	name  string
	pids  func() []int
	start int64
}

func (w *watched) ticks() int64 {
	var sum int64
	for _, pid := range w.pids() {
		if t, err := cpuTicks(pid); err == nil {
			sum += t
		}
	}
	return sum
}

func (w *watched) begin() { w.start = w.ticks() }

func (w *watched) end(window time.Duration) Usage {
	u := Usage{Name: w.name, Source: "proc"}
	u.Cores = float64(w.ticks()-w.start) / clockTicks / window.Seconds()
	for _, pid := range w.pids() {
		u.PIDs = append(u.PIDs, pid)
		rss, peak, err := memory(pid)
		if err == nil {
			u.RSSMiB += rss
			u.PeakMiB += peak
		}
	}
	return u
}

// scraped is a node whose CPU and memory are read from its /metrics, when the load generator
// did not start it.
type scraped struct {
	name, url, token string
	c                *client
	start            float64
}

func (s *scraped) cpu(ctx context.Context) float64 {
	m, err := scrape(ctx, s.c, s.url, s.token)
	if err != nil {
		return 0
	}
	return m["process_cpu_seconds_total"]
}

func (s *scraped) end(ctx context.Context, window time.Duration) Usage {
	u := Usage{Name: s.name, Source: "metrics"}
	m, err := scrape(ctx, s.c, s.url, s.token)
	if err != nil {
		return u
	}
	u.Cores = (m["process_cpu_seconds_total"] - s.start) / window.Seconds()
	u.RSSMiB = m["process_resident_memory_bytes"] / (1 << 20)
	return u
}
