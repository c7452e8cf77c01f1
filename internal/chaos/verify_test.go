//go:build long || bench

package chaos

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/writeback"
	"github.com/radflag/radflag/writeback/fhirpeer"
)

// verify reads what the streams and the FHIR server hold and checks it
// against what the sender saw answered AA.
func verify(ctx context.Context, t *testing.T, s *Sender, js jetstream.JetStream, peer *fhirpeer.Server) {
	t.Helper()
	aa, ar := s.Accepted()
	if len(ar) > 0 {
		t.Errorf("%d valid messages answered AR, e.g. %s", len(ar), ar[0])
	}
	st, err := ReadStored(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	var resources []Resource
	for _, typ := range []string{writeback.ResourceFlag, writeback.ResourceObservation} {
		rs, err := ListResources(ctx, peer.DirectURL, typ)
		if err != nil {
			t.Fatal(err)
		}
		resources = append(resources, rs...)
	}
	o := Check(aa, st, resources)
	t.Logf("check: %s", o)
	for i, p := range o.Problems {
		if i == 30 {
			t.Errorf("... and %d more problems", len(o.Problems)-i)
			break
		}
		t.Error(p)
	}
	if o.Accepted != len(s.msgs) {
		t.Errorf("%d of %d messages answered AA", o.Accepted, len(s.msgs))
	}
	// The listing above and writeback's own lookup must agree: search a
	// sample by identifier, as writeback does.
	for i := 0; i < len(resources); i += max(1, len(resources)/20) {
		r := resources[i]
		if len(r.ReportTask) != 1 {
			continue
		}
		got, err := SearchIdentifier(ctx, peer.DirectURL, r.Type, writeback.SystemReportTask, r.ReportTask[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Errorf("search %s?identifier=%s|%s: %d resources, want 1", r.Type, writeback.SystemReportTask, r.ReportTask[0], len(got))
		}
	}
}
