package loadgen

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// methodSystemd marks a cluster whose nodes run in systemd scopes with CPUQuota.
const methodSystemd = "systemd-run --scope -p CPUQuota"

// parseQuota reads "50%" (of one core; "150%" is one and a half) as a percentage; "" is 0.
func parseQuota(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil || !strings.HasSuffix(s, "%") || n < 1 || n > 10000 {
		return 0, fmt.Errorf("--node-cpu-quota: want a percentage of one core such as 50%%, not %q", s)
	}
	return n, nil
}

// command is `parley serve …` for node i, limited to quota percent of one core: in a systemd
// scope with CPUQuota when systemd runs this machine, otherwise in a new cgroup
// (CgroupCommand), whose directory it returns to remove once the node has ended.
func (c *cluster) command(l Launch, args []string, quota, i int) (*exec.Cmd, string) {
	if quota > 0 && c.quotaMethod == "" && systemdWorks() {
		c.quotaMethod = methodSystemd
	}
	if quota > 0 && c.quotaMethod == methodSystemd {
		scope := append([]string{"--scope", "--quiet", "-p", fmt.Sprintf("CPUQuota=%d%%", quota), "--", l.Binary}, args...)
		return exec.Command("systemd-run", scope...), ""
	}
	if quota == 0 {
		return exec.Command(l.Binary, args...), ""
	}
	cmd, dir, method, err := CgroupCommand(fmt.Sprintf("parley-bench-%d-%d", os.Getpid(), i+1), quota, l.Binary, args...)
	if err != nil {
		c.quotaMethod = "none: " + err.Error()
		fmt.Fprintf(l.Log, "warning: node %d runs without a CPU quota: %v\n", i+1, err)
		return exec.Command(l.Binary, args...), ""
	}
	c.quotaMethod = method
	return cmd, dir
}

// CgroupCommand returns binary with args to run in a new cgroup named name, limited to quota
// percent of one core, which a shell enters before it execs binary. The process is so limited
// from its first instruction, as in a container, and what it makes of its limit at start
// (GOMAXPROCS) is what it would make there; a node moved into its cgroup once started saw
// the whole machine first. dir is the cgroup, to remove once the process has ended; method
// says which kind it is.
func CgroupCommand(name string, quota int, binary string, args ...string) (cmd *exec.Cmd, dir, method string, err error) {
	dir, method, err = limitCgroup(name, quota)
	if err != nil {
		return nil, "", "", err
	}
	enter := append([]string{"-c", `echo $$ > "$0" && exec "$@"`, filepath.Join(dir, "cgroup.procs"), binary}, args...)
	return exec.Command("/bin/sh", enter...), dir, method, nil
}

// systemdWorks reports whether systemd-run can make a scope here: it needs systemd as init,
// which containers often lack.
func systemdWorks() bool {
	if _, err := exec.LookPath("systemd-run"); err != nil {
		return false
	}
	return exec.Command("systemd-run", "--scope", "--quiet", "-p", "CPUQuota=100%", "true").Run() == nil
}

// The cgroup file systems tried after systemd: the unified (v2) hierarchy with its cpu
// controller, then the v1 cpu controller.
var (
	cgroupV2 = "/sys/fs/cgroup"
	cgroupV1 = "/sys/fs/cgroup/cpu"
)

// limitCgroup makes a new cgroup limited to quota percent of one core and returns its
// directory, to remove once the process in it has ended, and which kind it was.
func limitCgroup(name string, quota int) (dir, method string, err error) {
	period := 100000
	limit := quota * period / 100
	if ctl, err := os.ReadFile(filepath.Join(cgroupV2, "cgroup.controllers")); err == nil && strings.Contains(string(ctl), "cpu") {
		_ = os.WriteFile(filepath.Join(cgroupV2, "cgroup.subtree_control"), []byte("+cpu"), 0o644)
		dir, err = makeCgroup(filepath.Join(cgroupV2, name), map[string]string{"cpu.max": fmt.Sprintf("%d %d", limit, period)})
		return dir, "cgroup v2 cpu.max", err
	}
	if _, err := os.Stat(filepath.Join(cgroupV1, "cpu.cfs_quota_us")); err == nil {
		dir, err = makeCgroup(filepath.Join(cgroupV1, name), map[string]string{
			"cpu.cfs_period_us": strconv.Itoa(period), "cpu.cfs_quota_us": strconv.Itoa(limit)})
		return dir, "cgroup v1 cpu.cfs_quota_us", err
	}
	return "", "", errors.New("neither systemd-run nor a writable cgroup cpu controller (v2 or v1) is available")
}

func makeCgroup(dir string, settings map[string]string) (string, error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	for _, file := range []string{"cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.max"} {
		v, ok := settings[file]
		if !ok {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(v), 0o644); err != nil {
			os.Remove(dir)
			return "", fmt.Errorf("set %s: %w", file, err)
		}
	}
	return dir, nil
}
