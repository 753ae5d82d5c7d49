// Package presence tracks which users are online and whether they can take a
// consult, using heartbeats that lapse after a TTL.
//
// It is a seam with two implementations: Memory for a single process and
// Redis for several signaling nodes sharing one view. Liveness is always
// judged against the clock given with WithClock, never against the store's
// own expiry, so both implementations behave identically under test.
//
// Like the rest of signaling, this package must never import anything under
// internal/ and never touches the clinical database: presence is ephemeral
// connection state, not a record.
package presence

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Status is what an online user is doing; only the Status constants are valid.
type Status string

// The valid statuses. Unknown values (including "") are rejected with ErrInvalid.
const (
	StatusAvailable Status = "available"
	StatusBusy      Status = "busy"
	StatusAway      Status = "away"
)

// Valid reports whether s is one of the Status constants.
func (s Status) Valid() bool {
	switch s {
	case StatusAvailable, StatusBusy, StatusAway:
		return true
	}
	return false
}

// Entry is one online user as seen by a Presence.
type Entry struct {
	// UserID identifies the user; it must be non-empty.
	UserID string
	// Status says whether the user can take a consult.
	Status Status
	// Node is the id of the node/process holding the user's connection, so a
	// later room layer can route to it; it may be "".
	Node string
	// Expires is when the entry lapses without another heartbeat. It is set by
	// the implementation; callers' values are ignored on Heartbeat.
	Expires time.Time
}

// Presence is the seam over where presence lives. Implementations are safe
// for concurrent use; every method returns ErrClosed after Close.
type Presence interface {
	// Heartbeat marks e.UserID online until now+ttl, creating or refreshing
	// the entry; it returns an error wrapping ErrInvalid for an empty UserID,
	// unknown Status or non-positive ttl.
	Heartbeat(ctx context.Context, e Entry, ttl time.Duration) error
	// Remove takes the user offline at once; removing an absent user is not
	// an error, an empty userID is ErrInvalid.
	Remove(ctx context.Context, userID string) error
	// Get returns the live entry; ok is false when it is absent or lapsed.
	Get(ctx context.Context, userID string) (e Entry, ok bool, err error)
	// Online lists live entries sorted by UserID and discards lapsed ones.
	Online(ctx context.Context) ([]Entry, error)
	// Ping reports whether the backing store is reachable (for /readyz).
	Ping(ctx context.Context) error
	// Close releases resources; calling it more than once is harmless.
	Close() error
}

var (
	// ErrInvalid is wrapped by every input-validation error; match it with errors.Is.
	ErrInvalid = errors.New("presence: invalid input")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("presence: closed")
)

// invalid names the offending field so callers can report it without parsing.
func invalid(field, problem string) error {
	return fmt.Errorf("%w: %s %s", ErrInvalid, field, problem)
}

func validateUserID(id string) error {
	if id == "" {
		return invalid("user id", "is empty")
	}
	return nil
}

func validateHeartbeat(e Entry, ttl time.Duration) error {
	if err := validateUserID(e.UserID); err != nil {
		return err
	}
	if !e.Status.Valid() {
		return invalid("status", fmt.Sprintf("%q is unknown", string(e.Status)))
	}
	if ttl <= 0 {
		return invalid("ttl", fmt.Sprintf("%v is not positive", ttl))
	}
	return nil
}

// DefaultPrefix is the Redis key prefix used when WithPrefix is not given.
const DefaultPrefix = "lianxin:presence:"

// Option configures NewMemory, NewRedis and OpenRedis.
type Option func(*options)

type options struct {
	now    func() time.Time
	prefix string
}

func buildOptions(opts []Option) options {
	o := options{now: time.Now, prefix: DefaultPrefix}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithClock sets the clock that liveness is judged against (default
// time.Now); nil keeps the default. It must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithPrefix sets the Redis key prefix (default DefaultPrefix); "" keeps the
// default. Memory ignores it.
func WithPrefix(prefix string) Option {
	return func(o *options) {
		if prefix != "" {
			o.prefix = prefix
		}
	}
}
