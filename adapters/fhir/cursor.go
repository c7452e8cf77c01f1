package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// CursorStore keeps the poller's cursor durably (the RADFLAG_CURSORS
// bucket in production).
type CursorStore interface {
	// Get returns the value under key, or nil and no error when there is
	// none.
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, value []byte) error
}

// KVCursors adapts a JetStream key-value bucket (natsbus
// Bus.KeyValue(ctx, natsbus.BucketCursors)) to a CursorStore.
func KVCursors(kv jetstream.KeyValue) CursorStore { return kvCursors{kv} }

type kvCursors struct{ kv jetstream.KeyValue }

func (k kvCursors) Get(ctx context.Context, key string) ([]byte, error) {
	e, err := k.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cursor %s: %w", key, err)
	}
	return e.Value(), nil
}

func (k kvCursors) Put(ctx context.Context, key string, value []byte) error {
	if _, err := k.kv.Put(ctx, key, value); err != nil {
		return fmt.Errorf("write cursor %s: %w", key, err)
	}
	return nil
}

// maxSeen bounds the ids remembered at the cursor's timestamp.
const maxSeen = 10000

// cursor is where the poller stopped: the newest meta.lastUpdated it has
// handled, written as the server wrote it (precision and zone kept), and
// the versions it has handled at exactly that instant. The next search asks
// for lastUpdated >= the cursor — not ">" — because a server may store
// several reports at one instant, or compare at a coarser precision than it
// prints, and a page may end between them; the seen list spares the
// re-handling of those already done, and the bus's de-duplication by
// message id covers the rest.
type cursor struct {
	LastUpdated string    `json:"last_updated,omitempty"`
	Seen        []string  `json:"seen,omitempty"`
	SavedAt     time.Time `json:"saved_at,omitzero"`

	at time.Time // LastUpdated parsed
}

func parseCursor(b []byte) (cursor, error) {
	var c cursor
	if len(b) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return cursor{}, fmt.Errorf("decode cursor: %w", err)
	}
	if c.LastUpdated != "" {
		t, err := parseInstant(c.LastUpdated)
		if err != nil {
			return cursor{}, fmt.Errorf("decode cursor: last_updated: %w", err)
		}
		c.at = t
	}
	return c, nil
}

func parseInstant(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

func (c *cursor) seen(key string) bool { return slices.Contains(c.Seen, key) }

// advance moves the cursor to a report handled at lastUpdated. It returns
// false when lastUpdated is older than the cursor (the server did not sort).
func (c *cursor) advance(lastUpdated string, at time.Time, key string) bool {
	switch {
	case c.LastUpdated == "" || at.After(c.at):
		c.LastUpdated, c.at, c.Seen = lastUpdated, at, []string{key}
	case at.Equal(c.at):
		if !c.seen(key) && len(c.Seen) < maxSeen {
			c.Seen = append(c.Seen, key)
		}
	default:
		return false
	}
	return true
}

func (c *cursor) encode(now time.Time) []byte {
	c.SavedAt = now.UTC()
	b, _ := json.Marshal(c)
	return b
}
