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

// command is `parley serve …`, wrapped in a systemd scope with the CPU quota when systemd
// runs this machine; otherwise the quota is applied through cgroups once the node started.
func (c *cluster) command(l Launch, args []string, quota int) *exec.Cmd {
	if quota > 0 && c.quotaMethod == "" && systemdWorks() {
		c.quotaMethod = methodSystemd
	}
	if quota > 0 && c.quotaMethod == methodSystemd {
		scope := append([]string{"--scope", "--quiet", "-p", fmt.Sprintf("CPUQuota=%d%%", quota), "--", l.Binary}, args...)
		return exec.Command("systemd-run", scope...)
	}
	return exec.Command(l.Binary, args...)
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

// limitCgroup moves pid into a new cgroup limited to quota percent of one core and returns
// the cgroup's directory, to remove once the process has ended, and which kind it was.
func limitCgroup(pid int, name string, quota int) (dir, method string, err error) {
	period := 100000
	limit := quota * period / 100
	if ctl, err := os.ReadFile(filepath.Join(cgroupV2, "cgroup.controllers")); err == nil && strings.Contains(string(ctl), "cpu") {
		_ = os.WriteFile(filepath.Join(cgroupV2, "cgroup.subtree_control"), []byte("+cpu"), 0o644)
		dir, err = joinCgroup(filepath.Join(cgroupV2, name), pid, map[string]string{"cpu.max": fmt.Sprintf("%d %d", limit, period)})
		return dir, "cgroup v2 cpu.max", err
	}
	if _, err := os.Stat(filepath.Join(cgroupV1, "cpu.cfs_quota_us")); err == nil {
		dir, err = joinCgroup(filepath.Join(cgroupV1, name), pid, map[string]string{
			"cpu.cfs_period_us": strconv.Itoa(period), "cpu.cfs_quota_us": strconv.Itoa(limit)})
		return dir, "cgroup v1 cpu.cfs_quota_us", err
	}
	return "", "", errors.New("neither systemd-run nor a writable cgroup cpu controller (v2 or v1) is available")
}

func joinCgroup(dir string, pid int, settings map[string]string) (string, error) {
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
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
		os.Remove(dir)
		return "", fmt.Errorf("move the node into %s: %w", dir, err)
	}
	return dir, nil
}
