package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/worker/workertest"
)

func TestReplayCommand(t *testing.T) {
	useBaselineModels(t)
	srv := natstest.Start(t, "")
	ctx := context.Background()
	bus, err := natsbus.Open(ctx, natsbus.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	for i, ex := range workertest.Examples(t, "pancreas", 6, 9) {
		acc := workertest.Accession("RP", i)
		if _, err := bus.StoreReport(ctx, workertest.Report(acc, "V-"+acc, ex.Text)); err != nil {
			t.Fatal(err)
		}
	}
	replay := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := runMain(ctx, append([]string{"replay", "--nats-url", srv.URL(), "--data-dir", t.TempDir()}, args...), &out, &errs)
		return code, out.String(), errs.String()
	}
	code, out, errs := replay("--task", "pancreas")
	if code != 0 || !strings.Contains(out, "replayed 6 stored reports with pancreas") || !strings.Contains(out, "6 new results, 0 unchanged") {
		t.Fatalf("first replay: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = replay("--task", "pancreas", "--since", "1h")
	if code != 0 || !strings.Contains(out, "0 new results, 6 unchanged") {
		t.Fatalf("second replay: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = replay("--task", "pancreas", "--until", time.Now().Add(-time.Hour).Format(time.RFC3339))
	if code != 0 || !strings.Contains(out, "replayed 0 stored reports") {
		t.Errorf("replay before any report: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad since", []string{"--since", "yesterday"}, "--since"},
		{"until before since", []string{"--since", "1h", "--until", "2h"}, "before --since"},
		{"unknown task", []string{"--task", "liver"}, "liver"},
		{"stray argument", []string{"extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := replay(tc.args...)
			if code == 0 || !strings.Contains(errs+out, tc.want) {
				t.Errorf("exit %d, output %q%q, want %q", code, out, errs, tc.want)
			}
		})
	}
}
