package natsbus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Key-value buckets (design.md).
const (
	BucketWorklist = "RADFLAG_WORKLIST"
	BucketCursors  = "RADFLAG_CURSORS"
)

// KeyValue opens a bucket, creating it with file storage and the bus's
// replica count if it does not exist. History keeps a few revisions so that
// an operator can see what a key held before.
func (b *Bus) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	kv, err := b.js.KeyValue(ctx, bucket)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	kv, err = b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   bucket,
		History:  5,
		Storage:  jetstream.FileStorage,
		Replicas: b.cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return kv, nil
}
