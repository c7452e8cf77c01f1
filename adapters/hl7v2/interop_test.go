package hl7v2_test

// Interoperability with third-party MLLP senders (../shared/peers/hl7):
// node-hl7-client and simple-hl7 (npm, found through PEER_MODULES) and
// python-hl7's mllp_send (Debian python3-hl7).

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// peersDir is ../shared/peers/hl7 seen from the project root.
const peersDir = "../../../shared/peers/hl7"

// sampleEncodings are the peers' sample report in its four encodings.
var sampleEncodings = []string{"oru_ct.cr.hl7", "oru_ct.lf.hl7", "oru_ct.crlf.hl7", "oru_ct.ascii.cr.hl7"}

// peerModules returns PEER_MODULES and node, or skips the test.
func peerModules(t *testing.T) (string, string) {
	t.Helper()
	dir := os.Getenv("PEER_MODULES")
	if dir == "" {
		t.Skip("PEER_MODULES is not set: install the peers with `npm install --prefix DIR --no-audit --no-fund node-hl7-client@3.2.0 simple-hl7@3.3.0` and set PEER_MODULES=DIR (scripts/test.sh does both)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the npm peers need it")
	}
	for _, m := range []string{"node-hl7-client", "simple-hl7"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m)); err != nil {
			t.Fatalf("PEER_MODULES=%s lacks %s: %v", dir, m, err)
		}
	}
	if _, err := os.Stat(peersDir); err != nil {
		t.Fatalf("peer scripts not found at %s: %v", peersDir, err)
	}
	return dir, node
}

// pythonHL7 returns a python3 that can import hl7, or "".
func pythonHL7() string {
	cands := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		cands = append(cands, p)
	}
	for _, p := range cands {
		if exec.Command(p, "-c", "import hl7.client").Run() == nil {
			return p
		}
	}
	return ""
}

type peer struct {
	name string
	// cmd builds the command that sends file to port.
	cmd func(port int, file string) *exec.Cmd
	// accepted reports whether the peer's output shows AA for controlID.
	accepted func(out string, exitErr error, controlID string) bool
}

func TestInteropPeersGetAA(t *testing.T) {
	modules, node := peerModules(t)
	nodeOK := func(out string, err error, id string) bool {
		return err == nil && strings.Contains(out, "MSA-1 = AA") && strings.Contains(out, "MSA-2 = "+id)
	}
	peers := []peer{
		{"node-hl7-client", func(port int, file string) *exec.Cmd {
			return exec.Command(node, filepath.Join(peersDir, "clients", "send_node_hl7_client.js"), strconv.Itoa(port), file)
		}, nodeOK},
		{"simple-hl7", func(port int, file string) *exec.Cmd {
			return exec.Command(node, filepath.Join(peersDir, "clients", "send_simple_hl7.js"), strconv.Itoa(port), file)
		}, nodeOK},
	}
	if py := pythonHL7(); py != "" {
		peers = append(peers, peer{"python-hl7 mllp_send", func(port int, file string) *exec.Cmd {
			return exec.Command(py, "-m", "hl7.client", "--loose", "-p", strconv.Itoa(port), "-f", file, "127.0.0.1")
		}, func(out string, err error, id string) bool {
			// mllp_send prints the raw ACK and exits 0 whatever it says.
			return err == nil && strings.Contains(out, "MSA|AA|"+id)
		}})
	} else {
		t.Run("python-hl7 mllp_send", func(t *testing.T) {
			t.Skip("python3-hl7 is not installed (apt-get install -y python3-hl7)")
		})
	}

	st := startStack(t, stackConfig{})
	port := portOf(t, st.addr)
	want := map[string]string{} // control id -> expected report text
	tmp := t.TempDir()
	for _, p := range peers {
		for _, enc := range sampleEncodings {
			t.Run(p.name+"/"+enc, func(t *testing.T) {
				// A control id of its own, so that each send is really stored.
				id := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", ".", "", "_", "").Replace(p.name + enc))
				id = id[:min(len(id), 20)]
				file := filepath.Join(tmp, id+".hl7")
				if err := os.WriteFile(file, withControlID(t, readMsg(t, enc), id), 0o644); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				cmd := p.cmd(port, file)
				cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
				cmd.Env = append(os.Environ(), "PEER_MODULES="+modules)
				out, err := cmd.CombinedOutput()
				if !p.accepted(string(out), err, id) {
					t.Fatalf("%s did not get AA for %s (err %v):\n%s", p.name, enc, err, out)
				}
				want[id] = goldenText(t, enc)
			})
		}
	}
	// Every send is stored once, with the text the golden file expects.
	if n := streamCount(t, st.bus); n != uint64(len(want)) {
		t.Errorf("stream holds %d reports, want %d", n, len(want))
	}
	for seq := uint64(1); seq <= streamCount(t, st.bus); seq++ {
		r := storedReport(t, st.bus, seq)
		text, ok := want[r.Version]
		if !ok {
			t.Errorf("unexpected report %s", r.MessageID)
			continue
		}
		if r.Text != text {
			t.Errorf("report %s sent by a peer: text\n%q\nwant\n%q", r.MessageID, r.Text, text)
		}
	}
}

func goldenText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(hl7Dir, "golden", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Report struct {
			Text string `json:"text"`
		} `json:"report"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g.Report.Text
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	p, err := strconv.Atoi(addr[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	return p
}
