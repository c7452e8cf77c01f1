package pipeline

import (
	"context"
	"errors"
)

// ErrUnavailable marks a failure the sender should retry: the bus is down or
// did not confirm the store in time. Adapters answer it with a retryable
// refusal (HL7 AE, HTTP 503), never with a positive acknowledgement.
var ErrUnavailable = errors.New("store unavailable")

// StoreOutcome tells an adapter what became of a report it handed over.
type StoreOutcome struct {
	// Duplicate is true when the bus already held this message id; the
	// sender gets the same positive answer as the first time.
	Duplicate bool
	// Sequence is the stream sequence the report is stored at.
	Sequence uint64
}

// ReportStore stores reports durably. StoreReport returns only after the
// report is stored (the JetStream PubAck), so its caller may acknowledge the
// sender; an error wrapping ErrUnavailable means "try again later".
type ReportStore interface {
	StoreReport(ctx context.Context, r *Report) (StoreOutcome, error)
}

// ReportStoreFunc adapts a function to ReportStore.
type ReportStoreFunc func(ctx context.Context, r *Report) (StoreOutcome, error)

// StoreReport calls f.
func (f ReportStoreFunc) StoreReport(ctx context.Context, r *Report) (StoreOutcome, error) {
	return f(ctx, r)
}
