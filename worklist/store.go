package worklist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotFound is returned for a case that does not exist.
var ErrNotFound = errors.New("case not found")

// maxCASAttempts bounds the optimistic-concurrency retries of one update;
// each conflict means another writer made progress, so this is only hit
// under a pathological storm.
const maxCASAttempts = 50

// store keeps cases in the KV bucket, one key per case, and an in-memory
// index of their summaries fed by a watch on the bucket, so that every
// radflag process sees every other's changes.
type store struct {
	kv jetstream.KeyValue

	mu      sync.RWMutex
	index   map[string]Summary
	ready   chan struct{}
	subs    map[chan Summary]struct{}
	maxSubs int
	// conflicts counts retried updates (also exported as a metric).
	conflicts atomic.Int64
}

func (s *store) conflict() {
	s.conflicts.Add(1)
	conflictsTotal.Inc()
}

func newStore(kv jetstream.KeyValue, maxSubs int) *store {
	return &store{kv: kv, index: map[string]Summary{}, ready: make(chan struct{}), subs: map[chan Summary]struct{}{}, maxSubs: maxSubs}
}

func decodeCase(e jetstream.KeyValueEntry) (*Case, error) {
	var c Case
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return nil, fmt.Errorf("decode case %s: %w", e.Key(), err)
	}
	c.Revision = e.Revision()
	return &c, nil
}

// get reads a case as stored now.
func (s *store) get(ctx context.Context, id string) (*Case, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read case %s: %w", id, err)
	}
	return decodeCase(e)
}

// errNoChange tells update that fn left the case as it was.
var errNoChange = errors.New("no change")

// update applies fn to the current case (nil when absent) and stores the
// result under the revision it read, retrying on a conflicting write, so
// that concurrent updates all land. fn must be a pure function of its input:
// it runs again on every retry. fn returns errNoChange to store nothing.
func (s *store) update(ctx context.Context, id string, fn func(c *Case) (*Case, error)) (*Case, error) {
	for attempt := 0; attempt < maxCASAttempts; attempt++ {
		cur, err := s.get(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		next, err := fn(cur)
		if errors.Is(err, errNoChange) {
			return cur, nil
		}
		if err != nil {
			return nil, err
		}
		next.Revision = 0
		data, err := json.Marshal(next)
		if err != nil {
			return nil, fmt.Errorf("encode case %s: %w", id, err)
		}
		var rev uint64
		if cur == nil {
			rev, err = s.kv.Create(ctx, id, data)
			if errors.Is(err, jetstream.ErrKeyExists) {
				s.conflict()
				continue
			}
		} else {
			rev, err = s.kv.Update(ctx, id, data, cur.Revision)
			if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
				s.conflict()
				continue
			}
		}
		if err != nil {
			return nil, fmt.Errorf("store case %s: %w", id, err)
		}
		next.Revision = rev
		return next, nil
	}
	return nil, fmt.Errorf("store case %s: still conflicting after %d attempts", id, maxCASAttempts)
}

// watch keeps the index in step with the bucket until ctx ends. It closes
// s.ready once the bucket's initial contents are indexed.
func (s *store) watch(ctx context.Context, onUpdate func(Summary)) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch worklist bucket: %w", err)
	}
	defer w.Stop()
	initial := true
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("worklist watch closed")
			}
			if e == nil {
				if initial {
					initial = false
					close(s.ready)
				}
				continue
			}
			if e.Operation() != jetstream.KeyValuePut {
				s.mu.Lock()
				delete(s.index, e.Key())
				s.mu.Unlock()
				continue
			}
			c, err := decodeCase(e)
			if err != nil {
				// A value radflag did not write: skip it, keep watching.
				continue
			}
			sum := c.summary()
			s.mu.Lock()
			if old, ok := s.index[c.ID]; ok && old.Revision > sum.Revision {
				s.mu.Unlock()
				continue
			}
			s.index[c.ID] = sum
			s.mu.Unlock()
			if !initial {
				s.broadcast(sum)
				if onUpdate != nil {
					onUpdate(sum)
				}
			}
		}
	}
}

// waitReady waits until the index holds the bucket's contents.
func (s *store) waitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("worklist index not ready: %w", ctx.Err())
	}
}

// Filter selects cases for the list.
type Filter struct {
	Tasks    []string
	Statuses []Status
	// Assignee: "" any, "-" unassigned, else that user.
	Assignee string
	// From and To bound the report's received time: From <= t < To.
	From, To time.Time
	Limit    int
}

func (f *Filter) match(s *Summary) bool {
	if len(f.Tasks) > 0 && !containsStr(f.Tasks, s.Task) {
		return false
	}
	if len(f.Statuses) > 0 {
		ok := false
		for _, st := range f.Statuses {
			ok = ok || st == s.Status
		}
		if !ok {
			return false
		}
	}
	switch f.Assignee {
	case "":
	case "-":
		if s.Assignee != "" {
			return false
		}
	default:
		if s.Assignee != f.Assignee {
			return false
		}
	}
	if !f.From.IsZero() && s.ReceivedAt.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !s.ReceivedAt.Before(f.To) {
		return false
	}
	return true
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// list returns the matching summaries, newest report first, at most
// f.Limit of them, and how many matched.
func (s *store) list(f Filter) ([]Summary, int) {
	s.mu.RLock()
	out := make([]Summary, 0, 64)
	for _, sum := range s.index {
		if f.match(&sum) {
			out = append(out, sum)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.After(out[j].ReceivedAt)
		}
		return out[i].ID < out[j].ID
	})
	total := len(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, total
}

// tasks lists the tasks that have cases.
func (s *store) tasks() []string {
	s.mu.RLock()
	seen := map[string]bool{}
	for _, sum := range s.index {
		seen[sum.Task] = true
	}
	s.mu.RUnlock()
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// subscribe registers a listener for case changes. The channel is closed
// when the listener falls behind (it should reload) or unsubscribes.
func (s *store) subscribe() (chan Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.subs) >= s.maxSubs {
		return nil, fmt.Errorf("too many live-update listeners (%d)", s.maxSubs)
	}
	ch := make(chan Summary, 64)
	s.subs[ch] = struct{}{}
	return ch, nil
}

func (s *store) unsubscribe(ch chan Summary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[ch]; ok {
		delete(s.subs, ch)
		close(ch)
	}
}

func (s *store) broadcast(sum Summary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- sum:
		default:
			// Too slow: drop it; its page reconnects and reloads.
			delete(s.subs, ch)
			close(ch)
		}
	}
}
