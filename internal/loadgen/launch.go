package loadgen

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the fresh schema
)

// Launch says how to start the servers to measure, when the load generator starts them.
type Launch struct {
	// Start is "sqlite" (a new database file in a temporary directory) or a postgres:// URL.
	Start string
	// Nodes is how many `parley serve` processes share the database (PostgreSQL only).
	Nodes int
	// CPUQuota limits each node's CPU, such as "50%" of one core; empty: no limit.
	CPUQuota string
	// Binary is the parley executable; empty means this one.
	Binary string
	// Keep leaves the temporary directory and the PostgreSQL schema behind.
	Keep bool
	// Log receives progress lines.
	Log io.Writer
}

// node is one started `parley serve`.
type node struct {
	url, metrics string
	cmd          *exec.Cmd
	// done is closed when the process has ended, with its exit in exit.
	done    chan struct{}
	exit    error
	logPath string
	cgroup  string
}

// cluster is the started nodes and what to undo when the run ends.
type cluster struct {
	nodes    []*node
	dir      string
	password string
	dsn      string
	// QuotaMethod says how the CPU quota was applied, or why it was not.
	quotaMethod string
	undo        []func()
}

// start launches the nodes and waits until each answers /readyz. On error it stops what it
// started.
func (l Launch) start(ctx context.Context, run string) (*cluster, error) {
	quota, err := l.check()
	if err != nil {
		return nil, err
	}
	c := &cluster{password: "bench-" + randomHex(8)}
	if err := c.launch(ctx, l, run, quota); err != nil {
		c.stop(l.Log)
		return nil, err
	}
	return c, nil
}

// check validates the settings before anything starts and returns the quota in percent.
func (l *Launch) check() (int, error) {
	if l.Nodes < 1 {
		l.Nodes = 1
	}
	if !l.postgres() && l.Start != "sqlite" {
		return 0, fmt.Errorf("--start: want sqlite or a postgres:// URL, not %q", l.Start)
	}
	if !l.postgres() && l.Nodes > 1 {
		return 0, errors.New("--nodes: several nodes need PostgreSQL; an SQLite file belongs to one node")
	}
	if l.Binary == "" {
		var err error
		if l.Binary, err = os.Executable(); err != nil {
			return 0, err
		}
	}
	return parseQuota(l.CPUQuota)
}

func (l Launch) postgres() bool {
	return strings.HasPrefix(l.Start, "postgres://") || strings.HasPrefix(l.Start, "postgresql://")
}

// benchRate is the per-minute limit given to the nodes the tool starts.
const benchRate = "100000000"

func (c *cluster) launch(ctx context.Context, l Launch, run string, quota int) (err error) {
	if c.dir, err = os.MkdirTemp("", "parley-bench-"); err != nil {
		return err
	}
	if !l.Keep {
		dir := c.dir
		c.undo = append(c.undo, func() { os.RemoveAll(dir) })
	}
	c.dsn = filepath.Join(c.dir, "parley.db")
	if l.postgres() {
		if c.dsn, err = c.freshSchema(ctx, l.Start, "bench_"+run, l.Keep); err != nil {
			return err
		}
	}
	// The first node starts alone and migrates the new database; the others then find it
	// migrated rather than race to create the same tables.
	for i := range l.Nodes {
		n, err := c.startNode(l, i, quota)
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, n)
		if i == 0 || i == l.Nodes-1 {
			for _, n := range c.nodes {
				if err := n.waitReady(ctx); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// freshSchema creates a schema of the run's own in the PostgreSQL database, so the run starts
// from an empty database and leaves nothing behind; the nodes use it through search_path.
func (c *cluster) freshSchema(ctx context.Context, base, schema string, keep bool) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("--start: bad PostgreSQL URL: %w", err)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	c.undo = append(c.undo, func() {
		if !keep {
			_, _ = db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		}
		db.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (c *cluster) startNode(l Launch, i int, quota int) (*node, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	maddr, err := freePort()
	if err != nil {
		return nil, err
	}
	n := &node{url: "http://" + addr, metrics: "http://" + maddr + "/metrics", done: make(chan struct{}),
		logPath: filepath.Join(c.dir, fmt.Sprintf("node-%d.log", i+1))}
	args := []string{"serve", "--addr", addr, "--metrics-addr", maddr, "--db", c.dsn, "--data-dir", c.dir,
		"--admin-password", c.password, "--log-level", "warn",
		// Every simulated customer comes from this one address and writes far faster than a
		// person: the limits that keep one flooding customer from others would measure
		// themselves, not the server.
		"--rate-widget-sessions", benchRate, "--rate-visitor-messages", benchRate, "--rate-inbound", benchRate}
	logf, err := os.Create(n.logPath)
	if err != nil {
		return nil, err
	}
	n.cmd, n.cgroup = c.command(l, args, quota, i)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	n.cmd.SysProcAttr = nodeAttr()
	if err := n.cmd.Start(); err != nil {
		logf.Close()
		if n.cgroup != "" {
			_ = os.Remove(n.cgroup)
		}
		return nil, fmt.Errorf("start node %d: %w", i+1, err)
	}
	go func() { n.exit = n.cmd.Wait(); logf.Close(); close(n.done) }()
	fmt.Fprintf(l.Log, "node %d: %s (pid %d, log %s)\n", i+1, n.url, n.cmd.Process.Pid, n.logPath)
	return n, nil
}

// waitReady polls /readyz for up to 30 s.
func (n *node) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			return fmt.Errorf("node %s exited before it was ready (%v); its log:\n%s", n.url, n.exit, tail(n.logPath))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(n.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("node %s not ready after 30s; its log:\n%s", n.url, tail(n.logPath))
}

// stop ends the nodes (SIGTERM, then SIGKILL after 15 s) and undoes the setup.
func (c *cluster) stop(log io.Writer) {
	for _, n := range c.nodes {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, n := range c.nodes {
		select {
		case <-n.done:
		case <-time.After(15 * time.Second):
			fmt.Fprintf(log, "node %s did not stop in 15s; killing it\n", n.url)
			_ = n.cmd.Process.Kill()
			<-n.done
		}
		if n.cgroup != "" {
			_ = os.Remove(n.cgroup)
		}
	}
	for i := len(c.undo) - 1; i >= 0; i-- {
		c.undo[i]()
	}
}

func (c *cluster) pids() []int {
	var pids []int
	for _, n := range c.nodes {
		pids = append(pids, n.cmd.Process.Pid)
	}
	return pids
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tail returns the end of a log file, for an error message.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}
