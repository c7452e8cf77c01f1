package hl7v2_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
)

// phi collects what must never reach a log from a message: patient
// identifiers, names, birth date, address and every line of report text.
func phi(t *testing.T, raw []byte) []string {
	t.Helper()
	m, err := hl7v2.Parse(raw, hl7v2.Limits{})
	if err != nil || m.First("PID") == nil {
		return nil
	}
	var out []string
	add := func(vals ...string) {
		for _, v := range vals {
			if v = strings.TrimSpace(v); len(v) >= 4 {
				out = append(out, v)
			}
		}
	}
	add(m.GetAll("PID-3.1")...)
	add(m.Get("PID-5.1"), m.Get("PID-5.2"), m.Get("PID-7"), m.Get("PID-11.1"), m.Get("PID-13.7"))
	for _, obx := range m.All("OBX") {
		for _, v := range obx.GetAll("5") {
			for _, line := range strings.Split(v, "\n") {
				// Headings alone ("FINDINGS:") are not patient data.
				if len(strings.TrimSpace(line)) > 14 {
					add(line)
				}
			}
		}
	}
	return out
}

// TestNoPatientDataInLogs sends every golden input (stored, skipped and
// rejected ones), a duplicate, an oversize frame and a message while the
// bus is down, with logs at debug level, and checks that no log line holds
// a patient identifier, name, birth date or report text.
func TestNoPatientDataInLogs(t *testing.T) {
	var logs syncBuffer
	st := startStack(t, stackConfig{log: &logs, mllp: mllp.Config{MaxFrameBytes: 2048}})
	entries, err := os.ReadDir(hl7Dir)
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		raw := readMsg(t, e.Name())
		secrets = append(secrets, phi(t, raw)...)
		sendMsg(t, st.addr, raw)
	}
	sample := readMsg(t, "oru_ct.cr.hl7")
	sendMsg(t, st.addr, sample) // duplicate
	big := append(withControlID(t, sample, "BIG"), bytes.Repeat([]byte("OBX|9|TX|X||Mueller Juergen 123456||||||F\r"), 100)...)
	if got := sendMsg(t, st.addr, big); got.code != "AR" {
		t.Fatalf("oversize: %+v", got)
	}
	st.bus.Close()
	if got := sendMsg(t, st.addr, withControlID(t, sample, "DOWN")); got.code != "AE" {
		t.Fatalf("bus down: %+v", got)
	}
	st.stop()
	time.Sleep(50 * time.Millisecond)

	if len(secrets) < 40 {
		t.Fatalf("only %d patient data strings collected; the check would prove little", len(secrets))
	}
	out := logs.String()
	for _, want := range []string{"report stored", "message rejected", "not processed", "report not stored", "mllp frame too large"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q; the test did not exercise every path", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("log line holds patient data %q:\n%s", s, line)
			}
		}
		for _, s := range []string{"Müller", "Mueller", "Jürgen", "Juergen", "Böhm", "Günther", "Hauptstr"} {
			if strings.Contains(line, s) {
				t.Errorf("log line holds name %q:\n%s", s, line)
			}
		}
	}
}
