package presence

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is an in-process Presence for a single node; it is safe for
// concurrent use and loses everything when the process exits.
type Memory struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]Entry
	closed  bool
}

var _ Presence = (*Memory)(nil)

// NewMemory returns an empty Memory; of the options only WithClock applies.
func NewMemory(opts ...Option) *Memory {
	o := buildOptions(opts)
	return &Memory{now: o.now, entries: make(map[string]Entry)}
}

// live uses a strict comparison so that an entry is gone at exactly its
// expiry instant, matching the Redis implementation.
func live(e Entry, now time.Time) bool {
	return now.Before(e.Expires)
}

// begin checks the context as well as Close so Memory fails the same way a
// network-backed store would when a caller has already given up.
func (m *Memory) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.closed {
		return ErrClosed
	}
	return nil
}

// Heartbeat implements Presence.Heartbeat; errors wrap ErrInvalid or are ErrClosed.
func (m *Memory) Heartbeat(ctx context.Context, e Entry, ttl time.Duration) error {
	if err := validateHeartbeat(e, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(ctx); err != nil {
		return err
	}
	// Read the clock under the lock so concurrent heartbeats for one user
	// are applied in clock order.
	e.Expires = m.now().Add(ttl)
	m.entries[e.UserID] = e
	return nil
}

// Remove implements Presence.Remove; absent users are not an error.
func (m *Memory) Remove(ctx context.Context, userID string) error {
	if err := validateUserID(userID); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(ctx); err != nil {
		return err
	}
	delete(m.entries, userID)
	return nil
}

// Get implements Presence.Get; it does not mutate, lapsed entries just report ok=false.
func (m *Memory) Get(ctx context.Context, userID string) (Entry, bool, error) {
	if err := validateUserID(userID); err != nil {
		return Entry{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(ctx); err != nil {
		return Entry{}, false, err
	}
	e, ok := m.entries[userID]
	if !ok || !live(e, m.now()) {
		return Entry{}, false, nil
	}
	return e, true, nil
}

// Online implements Presence.Online, deleting lapsed entries as it goes so
// the map cannot grow with users who disconnected without a Remove.
func (m *Memory) Online(ctx context.Context) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.begin(ctx); err != nil {
		return nil, err
	}
	now := m.now()
	out := make([]Entry, 0, len(m.entries))
	for id, e := range m.entries {
		if !live(e, now) {
			delete(m.entries, id)
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.UserID, b.UserID) })
	return out, nil
}

// Ping implements Presence.Ping; memory is always reachable until Close.
func (m *Memory) Ping(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.begin(ctx)
}

// Close drops all entries; later calls return ErrClosed. It always returns nil.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.entries = nil
	return nil
}
