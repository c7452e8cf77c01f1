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
)

var (
	loadDur     = flag.Duration("load.duration", 5*time.Second, "length of one round against one server")
	loadRounds  = flag.Int("load.rounds", 3, "rounds per server, interleaved")
	loadConns   = flag.Int("load.conns", 8, "concurrent MLLP connections")
	loadOut     = flag.String("load.out", "", "also write the Markdown table to this file")
	loadEnforce = flag.Bool("load.enforce", false, "fail when a target is missed")
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
	targets := []struct {
		name string
		t    *loadTarget
	}{
		{"echo", echoTarget(t)},
		{"parse", parseTarget(t)},
		{"bus", busTarget(t, t.TempDir())},
		{"store", storeTarget(t, t.TempDir())},
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
	total := func(name string) loadResult {
		all := loadResult{Name: name}
		for _, r := range rounds[name] {
			all.Messages += r.Messages
			all.Elapsed += r.Elapsed
			all.NotAA += r.NotAA
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
	n := streamCount(t, targets[3].t.bus)
	if want := uint64(store.Messages + 2000); n != want {
		t.Errorf("stream holds %d reports, want %d (one per AA)", n, want)
	}
	ratio := store.rate() / echo.rate()
	var b strings.Builder
	fmt.Fprintf(&b, "| server | messages | msg/s | p50 ACK | p99 ACK | max ACK |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range []loadResult{echo, parse, bus, store} {
		fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %s | %s |\n", describe(r.Name), r.Messages, r.rate(),
			ms(r.pct(0.50)), ms(r.pct(0.99)), ms(r.Lat[len(r.Lat)-1]))
	}
	fmt.Fprintf(&b, "\nstore / echo = %.1f%% (bus alone / echo = %.1f%%); stream holds %d reports; %d connections, %d rounds of %s per server, interleaved; "+
		"GOMAXPROCS %d; load average %s at start, %s at end\n", 100*ratio, 100*bus.rate()/echo.rate(), n, *loadConns, *loadRounds, *loadDur,
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
