//go:build !linux

package loadgen

import "syscall"

// nodeAttr puts a started node in its own process group.
func nodeAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
