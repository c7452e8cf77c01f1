package natstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The nats-server binary is built from the module radflag already depends
// on (no download), once per test binary, into a per-version cache dir.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// ServerBinary builds (or finds cached) the nats-server binary.
func ServerBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/nats-io/nats-server/v2").Output()
		if err != nil {
			buildErr = fmt.Errorf("find nats-server version: %w", err)
			return
		}
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "radflag-test")
		binPath = filepath.Join(dir, "nats-server-"+strings.TrimSpace(string(out)))
		if _, err := os.Stat(binPath); err == nil {
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		tmp := binPath + fmt.Sprintf(".tmp%d", os.Getpid())
		cmd := exec.Command("go", "build", "-o", tmp, "github.com/nats-io/nats-server/v2")
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build nats-server: %v\n%s", err, b)
			return
		}
		buildErr = os.Rename(tmp, binPath)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Node is one nats-server process of a Cluster.
type Node struct {
	Name        string
	ClientPort  int
	clusterPort int
	dir         string
	cmd         *exec.Cmd
	exited      chan struct{}
}

// URL is the node's client URL.
func (n *Node) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.ClientPort) }

// Cluster is a JetStream cluster of real nats-server processes on loopback.
type Cluster struct {
	t     testing.TB
	bin   string
	Nodes []*Node
}

// StartCluster starts n nodes (3 for R3 streams) and waits until JetStream
// has a meta leader. The processes are killed when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	return StartForming(t, n, n)
}

// StartForming configures n nodes but starts only the first up of them, as
// a cluster still forming is: the others have never been seen, so JetStream
// cannot place replicas on them. Start brings them in later.
func StartForming(t testing.TB, n, up int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, bin: ServerBinary(t)}
	base := t.TempDir()
	for i := 0; i < n; i++ {
		c.Nodes = append(c.Nodes, &Node{
			Name: fmt.Sprintf("n%d", i+1), ClientPort: freePort(t), clusterPort: freePort(t),
			dir: filepath.Join(base, fmt.Sprintf("n%d", i+1)),
		})
	}
	for i := range c.Nodes[:up] {
		c.Start(i)
	}
	t.Cleanup(func() {
		for i := range c.Nodes {
			c.Kill(i)
		}
	})
	c.WaitReady(60 * time.Second)
	return c
}

// URL is the comma-separated client URL of every node.
func (c *Cluster) URL() string {
	urls := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		urls[i] = n.URL()
	}
	return strings.Join(urls, ",")
}

// Start (re)starts node i on its ports and store.
func (c *Cluster) Start(i int) {
	c.t.Helper()
	n := c.Nodes[i]
	var routes []string
	for _, o := range c.Nodes {
		if o != n {
			routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", o.clusterPort))
		}
	}
	n.cmd = exec.Command(c.bin,
		"-n", n.Name, "-a", "127.0.0.1", "-p", fmt.Sprint(n.ClientPort),
		"-js", "-sd", n.dir, "--cluster_name", "radflag-test",
		"--cluster", fmt.Sprintf("nats://127.0.0.1:%d", n.clusterPort),
		"--routes", strings.Join(routes, ","))
	n.cmd.Stdout, n.cmd.Stderr = nil, nil
	if err := n.cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", n.Name, err)
	}
	n.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(n.cmd, n.exited)
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.ClientPort), time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s not listening after 20s", n.Name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill stops node i with SIGKILL, as a crash would.
func (c *Cluster) Kill(i int) {
	n := c.Nodes[i]
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.exited:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
}

// WaitReady waits until JetStream answers through the cluster URL.
func (c *Cluster) WaitReady(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := func() error {
			nc, err := nats.Connect(c.URL(), nats.Timeout(2*time.Second))
			if err != nil {
				return err
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err = js.AccountInfo(ctx)
			return err
		}()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("cluster JetStream not ready after %s: %v", d, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
