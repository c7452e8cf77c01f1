package chaos

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles cmd/radflag into dir and returns the binary's path. The
// tests run this binary, not the test process, so that a kill is a crash.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "radflag")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/radflag/radflag/cmd/radflag")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build radflag: %w\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr is a loopback host:port nobody listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Proc is one `radflag serve` OS process that can be killed and started
// again with the same arguments, environment and data directory.
type Proc struct {
	Name     string
	HTTPAddr string
	MLLPAddr string
	DataDir  string

	t    testing.TB
	bin  string
	args []string
	env  []string
	logf string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// ProcConfig describes a serve process. Args are serve's flags beyond the
// addresses and data directory, which are chosen here.
type ProcConfig struct {
	Name string
	Bin  string
	Args []string
	// Env adds RADFLAG_* variables to the process's environment.
	Env []string
	// DataDir defaults to a fresh temp dir.
	DataDir string
}

// NewProc prepares (does not start) a serve process on free loopback
// ports. It is killed when the test ends; its log is printed if the test
// failed.
func NewProc(t testing.TB, c ProcConfig) *Proc {
	t.Helper()
	p := &Proc{Name: c.Name, t: t, bin: c.Bin, HTTPAddr: FreeAddr(t), MLLPAddr: FreeAddr(t), DataDir: c.DataDir}
	if p.DataDir == "" {
		p.DataDir = t.TempDir()
	}
	// RADFLAG_CHAOS_LOGS keeps the processes' logs after the test.
	logDir := os.Getenv("RADFLAG_CHAOS_LOGS")
	if logDir == "" {
		logDir = t.TempDir()
	} else if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p.logf = filepath.Join(logDir, c.Name+".log")
	p.args = append([]string{"serve", "--data-dir", p.DataDir, "--http-addr", p.HTTPAddr, "--mllp-addr", p.MLLPAddr}, c.Args...)
	// Only what radflag needs from the environment: a variable of the
	// developer's shell must not change the test.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PATH" || k == "HOME" || k == "TMPDIR" || k == "GOMAXPROCS" {
			p.env = append(p.env, kv)
		}
	}
	p.env = append(p.env, c.Env...)
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("--- last lines of %s's log (%s):\n%s", p.Name, p.logf, tail(p.logf, 40))
		}
	})
	return p
}

// Start starts the process and waits (bounded) until /healthz answers 200,
// which serve does once its bus is ready and every role has started.
func (p *Proc) Start(timeout time.Duration) error {
	p.mu.Lock()
	if p.cmd != nil && !p.exitedLocked() {
		p.mu.Unlock()
		return fmt.Errorf("%s: already running", p.Name)
	}
	logw, err := os.OpenFile(p.logf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.mu.Unlock()
		return err
	}
	p.starts++
	fmt.Fprintf(logw, "=== start %d of %s\n", p.starts, p.Name)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Start(); err != nil {
		logw.Close()
		p.mu.Unlock()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logw.Close(); close(exited) }()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()

	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-exited:
			return fmt.Errorf("%s exited (%s) before it was ready:\n%s", p.Name, cmd.ProcessState, tail(p.logf, 20))
		default:
		}
		if resp, err := client.Get("http://" + p.HTTPAddr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s:\n%s", p.Name, timeout, tail(p.logf, 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *Proc) exitedLocked() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL, as a crash or the OOM killer would, and waits for
// the process to be gone.
func (p *Proc) Kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// Stop sends SIGTERM and waits up to timeout for a clean exit; it returns
// the exit code (-1 if it had to be killed).
func (p *Proc) Stop(timeout time.Duration) int {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return -1
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		p.Kill()
		return -1
	}
}

// Running reports whether the process is alive.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !p.exitedLocked()
}

// Memory is a process's resident memory as /proc/PID/status reports it.
type Memory struct {
	HWM, RSS int64 // bytes: peak and current resident set
}

// MiB formats n bytes in MiB.
func MiB(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// Memory reads VmHWM and VmRSS of the running process.
func (p *Proc) Memory() (Memory, error) {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return Memory{}, fmt.Errorf("%s is not running", p.Name)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return Memory{}, fmt.Errorf("read %s's memory: %w", p.Name, err)
	}
	var m Memory
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmHWM:":
			m.HWM = kb << 10
		case "VmRSS:":
			m.RSS = kb << 10
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("%s: no VmRSS in /proc status", p.Name)
	}
	return m, nil
}

// Metrics fetches the process's /metrics text.
func (p *Proc) Metrics(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.HTTPAddr+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("metrics of %s: %w", p.Name, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	return buf.String(), err
}

// Log returns the process's whole log (every start).
func (p *Proc) Log() string {
	b, _ := os.ReadFile(p.logf)
	return string(b)
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
