package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/mllp"
	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/tokenizer"
	"github.com/radflag/radflag/classifier/transformer"
	"github.com/radflag/radflag/config"
	"github.com/radflag/radflag/worker"
	"github.com/radflag/radflag/worker/workertest"
	"github.com/radflag/radflag/writeback"
	"github.com/radflag/radflag/writeback/fhirpeer"
)

// hl7Escape escapes text for an HL7 v2 TX field.
func hl7Escape(s string) string {
	return strings.NewReplacer(`\`, `\E\`, `|`, `\F\`, `^`, `\S\`, `&`, `\T\`, `~`, `\R\`).Replace(s)
}

// oru is a CT ORU^R01 for one report version: control id, accession,
// result status (F, C), procedure and text (one OBX per line).
func oru(controlID, accession, status, procedure, text string) []byte {
	segs := []string{
		"MSH|^~\\&|RIS|CITYHOSP|RADFLAG|CITYHOSP|20260115103000||ORU^R01^ORU_R01|" + controlID + "|P|2.5.1",
		"PID|1||MRN-" + accession + "^^^CITYHOSP^MR||Doe^Jane||19580312|F",
		"ORC|RE|ORD-" + accession + "^EPIC|" + accession + "^RIS||CM",
		"OBR|1|ORD-" + accession + "^EPIC|" + accession + "^RIS|" + procedure + "|||20260115093000|||||||||||||||20260115102500||CT|" + status,
	}
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		segs = append(segs, fmt.Sprintf("OBX|%d|TX|18782-3^Radiology Study observation^LN||%s||||||%s", i+1, hl7Escape(line), status))
	}
	return []byte(strings.Join(segs, "\r") + "\r")
}

// pick returns a synthetic report of task with label that the model gets
// right with confidence, so that the end-to-end test is about the pipeline.
func pick(t *testing.T, task string, label int) string {
	t.Helper()
	m := workertest.Model(t, task)
	for _, ex := range workertest.Examples(t, task, 400, 77) {
		if ex.Label != label {
			continue
		}
		p, err := m.Predict(context.Background(), []string{ex.Text})
		if err == nil && p[0].Label == label && p[0].Probabilities[p[0].LabelName] > 0.6 {
			return ex.Text
		}
	}
	t.Fatalf("no confident %s example of label %d", task, label)
	return ""
}

// useBaselineModels makes serve load baseline models trained on the
// synthetic corpus: real classifiers, trained in a second.
func useBaselineModels(t *testing.T) {
	t.Helper()
	orig := loadTaskModel
	loadTaskModel = func(_ context.Context, _ *config.Config, task classifier.Task) (worker.Model, io.Closer, error) {
		return workertest.Model(t, task.Name), io.NopCloser(nil), nil
	}
	t.Cleanup(func() { loadTaskModel = orig })
}

type fhirRes struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Meta   struct {
		VersionID string `json:"versionId"`
	} `json:"meta"`
	ValueCodeableConcept struct {
		Coding []struct{ Code string } `json:"coding"`
	} `json:"valueCodeableConcept"`
	raw string
}

func fhirAll(t *testing.T, peer *fhirpeer.Server, typ string) []fhirRes {
	t.Helper()
	raws, err := peer.Search(context.Background(), typ, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []fhirRes
	for _, raw := range raws {
		var r fhirRes
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		r.raw = string(raw)
		out = append(out, r)
	}
	return out
}

// TestEndToEndMLLPToFHIR: ORUs over MLLP end as one Flag and one
// Observation in the real FHIR server; resending changes nothing; a
// corrected report that is no longer cancer makes the Flag inactive.
func TestEndToEndMLLPToFHIR(t *testing.T) {
	peer := fhirpeer.Start(t)
	useBaselineModels(t)
	pretreatment, noCancer, lungBiopsy := pick(t, "pancreas", 2), pick(t, "pancreas", 0), pick(t, "ir_procedure", 3)

	mllpAddr := freeAddr(t)
	_, logs, stop := startServe(t, "--data-dir", t.TempDir(), "--roles", "mllp,classify,writeback",
		"--mllp-addr", mllpAddr, "--fhir-url", peer.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := mllp.Dial(ctx, mllp.ClientConfig{Addr: mllpAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(msg []byte) {
		t.Helper()
		ack, err := c.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(ack), "MSA|AA|") {
			t.Fatalf("ack %q", ack)
		}
	}
	const ctAbd = "74177^CT ABD/PELVIS W CONTRAST^C4"

	first := oru("MSG1", "ACC100", "F", ctAbd, pretreatment)
	send(first)
	var flag fhirRes
	waitFor(t, 60*time.Second, func() bool {
		fs := fhirAll(t, peer, "Flag")
		if len(fs) > 0 {
			flag = fs[0]
		}
		return len(fs) > 0
	}, "a Flag")
	if flag.Status != "active" || !strings.Contains(flag.raw, writeback.SystemReportTask) || !strings.Contains(flag.raw, "MRN-ACC100") {
		t.Errorf("flag: %s", flag.raw)
	}

	send(first) // resent by the interface engine
	time.Sleep(time.Second)
	if fs := fhirAll(t, peer, "Flag"); len(fs) != 1 || fs[0].Meta.VersionID != flag.Meta.VersionID {
		t.Errorf("resend changed the flags: %+v", fs)
	}

	send(oru("MSG2", "ACC100", "C", ctAbd, noCancer))
	waitFor(t, 60*time.Second, func() bool {
		fs := fhirAll(t, peer, "Flag")
		return len(fs) == 1 && fs[0].Status == "inactive"
	}, "the Flag to become inactive")

	lung := oru("MSG3", "ACC200", "F", "32555^CT GUIDED LUNG BIOPSY^C4", lungBiopsy)
	send(lung)
	var obs fhirRes
	waitFor(t, 60*time.Second, func() bool {
		os := fhirAll(t, peer, "Observation")
		if len(os) > 0 {
			obs = os[0]
		}
		return len(os) > 0
	}, "an Observation")
	if obs.Status != "final" || len(obs.ValueCodeableConcept.Coding) == 0 || obs.ValueCodeableConcept.Coding[0].Code != "lung_biopsy" {
		t.Errorf("observation: %s", obs.raw)
	}
	send(lung)
	time.Sleep(time.Second)
	if os := fhirAll(t, peer, "Observation"); len(os) != 1 || os[0].Meta.VersionID != obs.Meta.VersionID {
		t.Errorf("resend changed the observations: %+v", os)
	}
	if fs := fhirAll(t, peer, "Flag"); len(fs) != 1 {
		t.Errorf("%d flags at the end, want 1", len(fs))
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d; logs:\n%s", code, logs)
	}
	if strings.Contains(logs.String(), "MRN-ACC") || strings.Contains(logs.String(), "Doe") {
		t.Errorf("patient data in the logs:\n%s", logs)
	}
}

// tinyModelDir writes a small random BERT in the Hugging Face layout for a
// task, as a site's own model would come.
func tinyModelDir(t *testing.T, task classifier.Task) string {
	t.Helper()
	corpus := []string{"CT guided biopsy of the lung nodule. Drain placed in the abscess. Pancreatic head mass suspicious for cancer. Bone lesion core biopsy."}
	vocab, err := tokenizer.Train(corpus, tokenizer.TrainConfig{VocabSize: 300, MinFreq: 1})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range task.Labels {
		names = append(names, l.Name)
	}
	c := transformer.Config{VocabSize: len(vocab), Hidden: 32, Layers: 1, Heads: 2, FFN: 64, MaxPositions: 64, TypeVocab: 2, NumLabels: len(names)}
	w, err := transformer.InitWeights(c, 5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := transformer.WriteDir(dir, c, w, tokenizer.Build(vocab), names); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestServeClassifyThroughHugot runs serve's own model loading (hugot) on
// site model directories: every report gets its results, and the IR
// report's category lands in FHIR as an Observation.
func TestServeClassifyThroughHugot(t *testing.T) {
	peer := fhirpeer.Start(t)
	srv := natstest.Start(t, "")
	pan, _ := classifier.TaskByName("pancreas")
	ir, _ := classifier.TaskByName("ir_procedure")
	env := []string{
		"RADFLAG_CLASSIFY_MODEL_DIRS=pancreas=" + tinyModelDir(t, pan) + ",ir_procedure=" + tinyModelDir(t, ir),
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	mllpAddr := freeAddr(t)
	_, logs, stop := startServe(t, "--data-dir", t.TempDir(), "--roles", "mllp,classify,writeback",
		"--mllp-addr", mllpAddr, "--fhir-url", peer.URL, "--nats-url", srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := mllp.Dial(ctx, mllp.ClientConfig{Addr: mllpAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, msg := range [][]byte{
		oru("H1", "ACC300", "F", "74177^CT ABD/PELVIS^C4", "FINDINGS: Pancreatic head mass.\nIMPRESSION: Suspicious for cancer."),
		oru("H2", "ACC301", "F", "32555^CT GUIDED LUNG BIOPSY^C4", "Under CT guidance a coaxial needle was advanced.\nCore biopsy of the lung nodule."),
	} {
		if ack, err := c.Send(ctx, msg); err != nil || !strings.Contains(string(ack), "MSA|AA|") {
			t.Fatalf("send: %v %q", err, ack)
		}
	}
	bus, err := natsbus.Open(ctx, natsbus.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	waitFor(t, 60*time.Second, func() bool {
		n, _ := bus.StreamMessages(ctx)
		return n[natsbus.StreamResults] == 3
	}, "three results")
	waitFor(t, 60*time.Second, func() bool { return len(fhirAll(t, peer, "Observation")) == 1 }, "an Observation")
	if code := stop(); code != 0 {
		t.Errorf("exit %d; logs:\n%s", code, logs)
	}
}

func TestServeClassifyRefusesBadModelDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("RADFLAG_CLASSIFY_MODEL_DIRS", "pancreas="+dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var logs syncBuffer
	code := runMain(ctx, []string{"serve", "--data-dir", t.TempDir(), "--roles", "classify", "--http-addr", freeAddr(t)}, io.Discard, &logs)
	if code == 0 || ctx.Err() != nil {
		t.Fatalf("serve did not refuse an empty model directory (exit %d)", code)
	}
	if !strings.Contains(logs.String(), "model.onnx") {
		t.Errorf("error does not say what is missing:\n%s", logs.String())
	}
}
