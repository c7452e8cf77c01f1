package natsbus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/pipeline"
)

func testReport(msgID string) *pipeline.Report {
	return &pipeline.Report{
		ID: "hl7:RIS:ACC1", Source: pipeline.SourceHL7, MessageID: msgID,
		Status: pipeline.StatusFinal, Text: "IMPRESSION: normal.", ReceivedAt: time.Unix(1700000000, 0).UTC(),
	}
}

func open(t *testing.T, cfg natsbus.Config) *natsbus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := natsbus.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(t *testing.T, b *natsbus.Bus, stream string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := b.StreamMessages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return m[stream]
}

// TestEmbeddedDedupAndRestart: a duplicate Nats-Msg-Id is stored once, and
// a new server on the same data directory finds what was stored.
func TestEmbeddedDedupAndRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b := open(t, natsbus.Config{DataDir: dir})
	out1, err := b.StoreReport(ctx, testReport("hl7:RIS:MSG1"))
	if err != nil {
		t.Fatal(err)
	}
	out2, err := b.StoreReport(ctx, testReport("hl7:RIS:MSG1"))
	if err != nil {
		t.Fatal(err)
	}
	if out1.Duplicate || !out2.Duplicate {
		t.Errorf("duplicate flags: first %v, second %v; want false, true", out1.Duplicate, out2.Duplicate)
	}
	if _, err := b.StoreReport(ctx, testReport("hl7:RIS:MSG2")); err != nil {
		t.Fatal(err)
	}
	if n := count(t, b, natsbus.StreamReports); n != 2 {
		t.Fatalf("stored %d messages, want 2", n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b2 := open(t, natsbus.Config{DataDir: dir})
	defer b2.Close()
	if n := count(t, b2, natsbus.StreamReports); n != 2 {
		t.Fatalf("after restart: %d messages, want 2", n)
	}
	// The de-duplication window survives the restart too.
	out, err := b2.StoreReport(ctx, testReport("hl7:RIS:MSG1"))
	if err != nil {
		t.Fatal(err)
	}
	if !out.Duplicate {
		t.Error("resend after restart was stored again")
	}
	s, err := b2.JetStream().Stream(ctx, natsbus.StreamReports)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pipeline.UnmarshalReport(msg.Data)
	if err != nil {
		t.Fatal(err)
	}
	if r.MessageID != "hl7:RIS:MSG1" || msg.Subject != "radflag.reports.hl7" {
		t.Errorf("stored %s on %s", r.MessageID, msg.Subject)
	}
}

// TestExternalServerDown: with the server gone, Ready fails and a publish
// fails with ErrUnavailable within the publish timeout — never a false ack.
func TestExternalServerDown(t *testing.T) {
	srv := natstest.Start(t, "")
	b := open(t, natsbus.Config{URL: srv.URL(), PublishTimeout: 500 * time.Millisecond})
	defer b.Close()
	ctx := context.Background()
	if err := b.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	srv.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for b.Ready(ctx) == nil {
		if time.Now().After(deadline) {
			t.Fatal("Ready still nil 5s after the server stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	_, err := b.StoreReport(ctx, testReport("hl7:RIS:DOWN"))
	if !errors.Is(err, pipeline.ErrUnavailable) {
		t.Fatalf("publish with server down: err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("publish took %s to fail, want about the 500ms timeout", d)
	}
}

func TestStreamsConfigured(t *testing.T) {
	dir := t.TempDir()
	open(t, natsbus.Config{DataDir: dir}).Close()
	// Opening again with other limits updates the existing streams in place.
	b := open(t, natsbus.Config{DataDir: dir, DedupWindow: time.Hour, MaxAge: 48 * time.Hour, MaxBytes: 1 << 30})
	defer b.Close()
	ctx := context.Background()
	for _, name := range natsbus.Streams {
		s, err := b.JetStream().Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		c := s.CachedInfo().Config
		if c.Duplicates != time.Hour || c.MaxAge != 48*time.Hour || c.MaxBytes != 1<<30 || c.Storage.String() != "File" {
			t.Errorf("%s: dup %s age %s bytes %d storage %s", name, c.Duplicates, c.MaxAge, c.MaxBytes, c.Storage)
		}
	}
}
