//go:build bench

package hl7v2_test

// TestLoad produces the "HL7 over MLLP" figures of BENCHMARKS.md:
//
//	go test -tags bench -run TestLoad -v -timeout 10m ./adapters/hl7v2
//
// It alternates rounds against a no-store echo MLLP server (the ceiling of
// this machine), Ingest without the bus (parse, normalise, encode, ACK),
// the bus alone (a prebuilt report stored per message, no parsing), and the
// real path (Ingest storing on an embedded JetStream, AA after the
// PubAck), each over 8 concurrent connections, and prints the figures as a
// Markdown table.

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
)

var (
	loadDur     = flag.Duration("load.duration", 5*time.Second, "length of one round against one server")
	loadRounds  = flag.Int("load.rounds", 3, "rounds per server, interleaved")
	loadConns   = flag.Int("load.conns", 8, "concurrent MLLP connections")
	loadOut     = flag.String("load.out", "", "also write the Markdown table to this file")
	loadEnforce = flag.Bool("load.enforce", false, "fail when a target is missed")
	// loadServers picks servers for profiling one of them alone
	// (-load.servers store -cpuprofile ...); the table needs all four.
	loadServers = flag.String("load.servers", "echo,parse,bus,store", "servers to load, comma-separated")
)

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func TestLoad(t *testing.T) {
	startLoad := loadavg()
	type named struct {
		name string
		t    *loadTarget
	}
	var targets []named
	for _, name := range strings.Split(*loadServers, ",") {
		switch name {
		case "echo":
			targets = append(targets, named{name, echoTarget(t)})
		case "parse":
			targets = append(targets, named{name, parseTarget(t)})
		case "bus":
			targets = append(targets, named{name, busTarget(t, t.TempDir())})
		case "store":
			targets = append(targets, named{name, storeTarget(t, t.TempDir())})
		default:
			t.Fatalf("-load.servers: unknown server %q (echo, parse, bus, store)", name)
		}
	}
	for _, tg := range targets {
		defer tg.t.stop()
		runLoad(t, "warmup", tg.t, *loadConns, 2000, 0)
	}
	rounds := map[string][]loadResult{}
	for r := 0; r < *loadRounds; r++ {
		for _, tg := range targets {
			res := runLoad(t, tg.name, tg.t, *loadConns, 0, *loadDur)
			t.Logf("round %d: %s", r+1, res)
			rounds[tg.name] = append(rounds[tg.name], res)
		}
	}
	if len(rounds) != 4 || len(targets) != 4 {
		return // profiling a subset: the round lines above are the result
	}
	total := func(name string) loadResult {
		all := loadResult{Name: name}
		for _, r := range rounds[name] {
			all.Messages += r.Messages
			all.Elapsed += r.Elapsed
			all.NotAA += r.NotAA
			all.CPU += r.CPU
			all.Lat = append(all.Lat, r.Lat...)
		}
		slices.Sort(all.Lat)
		return all
	}
	echo, parse, bus, store := total("echo"), total("parse"), total("bus"), total("store")
	for _, r := range []loadResult{echo, parse, bus, store} {
		if r.NotAA > 0 {
			t.Errorf("%s: %d answers other than AA", r.Name, r.NotAA)
		}
	}
	var storeBus *natsbus.Bus
	for _, tg := range targets {
		if tg.name == "store" {
			storeBus = tg.t.bus
		}
	}
	n := streamCount(t, storeBus)
	if want := uint64(store.Messages + 2000); n != want {
		t.Errorf("stream holds %d reports, want %d (one per AA)", n, want)
	}
	ratio := store.rate() / echo.rate()
	var b strings.Builder
	fmt.Fprintf(&b, "| server | messages | msg/s | CPU/msg | p50 ACK | p99 ACK | max ACK |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range []loadResult{echo, parse, bus, store} {
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.1f µs | %s | %s | %s |\n", describe(r.Name), r.Messages, r.rate(),
			r.cpuPerMsg(), ms(r.pct(0.50)), ms(r.pct(0.99)), ms(r.Lat[len(r.Lat)-1]))
	}
	fmt.Fprintf(&b, "\nstore / echo = %.1f%% (bus alone / echo = %.1f%%); by CPU per message, echo / store = %.1f%%; stream holds %d reports; "+
		"%d connections, %d rounds of %s per server, interleaved; GOMAXPROCS %d; load average %s at start, %s at end\n",
		100*ratio, 100*bus.rate()/echo.rate(), 100*echo.cpuPerMsg()/store.cpuPerMsg(), n, *loadConns, *loadRounds, *loadDur,
		runtime.GOMAXPROCS(0), startLoad, loadavg())
	b.WriteString("\n")
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{fmt.Sprintf("store >= 20%% of echo (%.1f%%)", 100*ratio), ratio >= 0.20},
		{fmt.Sprintf("store >= 5,000 msg/s (%.0f)", store.rate()), store.rate() >= 5000},
		{fmt.Sprintf("store p99 ACK < 10 ms (%s)", ms(store.pct(0.99))), store.pct(0.99) < 10*time.Millisecond},
	} {
		verdict := "met"
		if !c.ok {
			verdict = "MISSED"
			if *loadEnforce {
				t.Errorf("target missed: %s", c.what)
			}
		}
		fmt.Fprintf(&b, "- target %s: %s\n", c.what, verdict)
	}
	t.Logf("\n%s", b.String())
	if *loadOut != "" {
		if err := os.WriteFile(*loadOut, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func describe(name string) string {
	switch name {
	case "echo":
		return "echo (no parse, no store: the ceiling)"
	case "parse":
		return "Ingest without the bus (parse, normalise, encode, ACK)"
	case "bus":
		return "bus only (prebuilt report stored on embedded JetStream, fixed AA)"
	case "store":
		return "**Ingest + embedded JetStream, AA after PubAck**"
	}
	return name
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
