package writeback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/pipeline"
)

// BucketState is the key-value bucket where writeback keeps, per report and
// task, the newest result it has seen and whether it ever wrote anything to
// FHIR for it. It spares the FHIR server a search for the great majority of
// results, those that write nothing (no cancer, no procedure) for a report
// nothing was written for, and it orders the versions of one report across
// writeback processes.
const BucketState = "RADFLAG_WRITEBACK"

// errBusy means another writeback process is writing this report's
// resource now; the result is retried shortly.
var errBusy = errors.New("another writeback holds this report")

// state is the value kept per report and task.
type state struct {
	// Newest result seen (its report version orders the others).
	ReportVersion string          `json:"report_version"`
	ReportStatus  pipeline.Status `json:"report_status"`
	Received      time.Time       `json:"received"`
	ModelVersion  string          `json:"model_version,omitempty"`
	// Wrote is set before the first write to FHIR is attempted, so that a
	// result that writes nothing knows whether it may have to retract.
	Wrote bool `json:"wrote"`
	// Resource is the written resource ("Flag/123"), once known.
	Resource string `json:"resource,omitempty"`
	// Owner and BusyUntil are a lease: one process writes a report's
	// resource at a time.
	Owner     string    `json:"owner,omitempty"`
	BusyUntil time.Time `json:"busy_until,omitzero"`
}

func (s *state) marker() marker {
	return marker{ReportVersion: s.ReportVersion, ReportStatus: s.ReportStatus, Received: s.Received, ModelVersion: s.ModelVersion}
}

func (s *state) setMarker(m marker) {
	s.ReportVersion, s.ReportStatus, s.Received, s.ModelVersion = m.ReportVersion, m.ReportStatus, m.Received, m.ModelVersion
}

type stateStore struct {
	kv jetstream.KeyValue
}

func stateKey(reportID, task string) string {
	sum := sha256.Sum256([]byte(reportID))
	return task + "." + hex.EncodeToString(sum[:20])
}

func openState(ctx context.Context, js jetstream.JetStream, replicas int, ttl time.Duration) (*stateStore, error) {
	kv, err := js.KeyValue(ctx, BucketState)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      BucketState,
			Description: "radflag writeback: newest result and written resource per report and task",
			History:     1,
			TTL:         ttl,
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", BucketState, err)
	}
	return &stateStore{kv: kv}, nil
}

// get returns the state and its revision (nil, 0 when there is none).
func (s *stateStore) get(ctx context.Context, key string) (*state, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read writeback state: %w", err)
	}
	var st state
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		// A value this build cannot read: start over from FHIR.
		return nil, e.Revision(), nil
	}
	return &st, e.Revision(), nil
}

// errConflict means another process changed the state since it was read.
var errConflict = errors.New("writeback state changed concurrently")

// put stores st if the key is still at rev (0: if it does not exist).
func (s *stateStore) put(ctx context.Context, key string, rev uint64, st *state) (uint64, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	var n uint64
	if rev == 0 {
		n, err = s.kv.Create(ctx, key, b)
	} else {
		n, err = s.kv.Update(ctx, key, b, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, errConflict
	}
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			return 0, errConflict
		}
		return 0, fmt.Errorf("write writeback state: %w", err)
	}
	return n, nil
}
