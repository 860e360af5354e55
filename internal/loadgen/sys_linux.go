package loadgen

import "syscall"

// nodeAttr puts a started node in its own process group (a Ctrl-C reaches the load generator,
// which stops the nodes in order) and ends it if the load generator dies first.
func nodeAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
