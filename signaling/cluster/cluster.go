// Package cluster is the room→node directory that lets several SFU nodes
// share the rooms of one hub. Every node registers itself (its public
// signaling URL and its load) and refreshes that record every Interval; a
// node whose last heartbeat is older than StaleAfter is dead. A room lives on
// exactly one node: Assign returns the room's node while that node is alive,
// and otherwise, atomically, picks the least loaded live node and records it.
// So the rooms of a dead node move at their next Assign, and their clients,
// whose sockets dropped with the node, land on the new owner when they join
// again.
//
// It is a seam with two implementations: Memory for one process (the hub's
// in-process SFU, where the answer is always this node) and Redis for nodes
// that share a Redis server. Liveness is judged against the clock given in
// Options.Now, never against Redis's own, so both behave alike under test.
//
// Like the rest of signaling, this package must never import anything under
// internal/: it knows rooms and nodes, not consultations.
package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Node is one SFU node as the directory sees it.
type Node struct {
	// ID names the node; it must be non-empty and unique in the cluster.
	ID string
	// URL is where browsers open this node's signaling WebSocket, e.g.
	// "wss://sfu-1.example.cn/rtc/ws" (a path such as "/rtc/ws" for the
	// hub's in-process SFU).
	URL string
	// Rooms and Participants are the node's load as it last reported it;
	// Assign adds one room at once to the node it chooses.
	Rooms        int
	Participants int
	// Heartbeat is when the node last registered; set by the directory.
	Heartbeat time.Time
}

// lessLoaded orders nodes for Assign: fewer participants, then fewer rooms,
// then by ID so the choice is deterministic. The Redis script applies the
// same rule.
func lessLoaded(a, b Node) int {
	return cmp.Or(cmp.Compare(a.Participants, b.Participants), cmp.Compare(a.Rooms, b.Rooms), strings.Compare(a.ID, b.ID))
}

// Directory is the seam over where the room→node map lives. Implementations
// are safe for concurrent use; every method returns ErrClosed after Close.
type Directory interface {
	// Register records n as alive now, with its URL and load, creating or
	// refreshing its entry. Call it every Timing().Interval. Errors wrap
	// ErrInvalid for an empty ID or URL.
	Register(ctx context.Context, n Node) error
	// Deregister removes the node at once, so its rooms move at their next
	// Assign; an absent node is not an error.
	Deregister(ctx context.Context, nodeID string) error
	// Nodes lists the live nodes sorted by ID.
	Nodes(ctx context.Context) ([]Node, error)
	// Assign returns the node that owns roomID, choosing the least loaded
	// live node if the room has no owner or its owner is dead. Concurrent
	// calls for one room, from any process, agree. Errors: ErrNoNodes when
	// no node is alive; ErrInvalid for an empty roomID.
	Assign(ctx context.Context, roomID string) (Node, error)
	// KeepRooms refreshes nodeID's ownership of the rooms it is hosting (so
	// their entries do not lapse while they are live) and returns the ones
	// it no longer owns: another node took them while this one was thought
	// dead. An unowned room is claimed for nodeID.
	KeepRooms(ctx context.Context, nodeID string, roomIDs []string) (lost []string, err error)
	// Timing returns the intervals this directory was configured with.
	Timing() Timing
	// Close releases resources; calling it more than once is harmless. It
	// does not deregister anything.
	Close() error
}

var (
	// ErrInvalid is wrapped by every input-validation error.
	ErrInvalid = errors.New("cluster: invalid input")
	// ErrNoNodes is returned by Assign when no node is alive.
	ErrNoNodes = errors.New("cluster: no live SFU node")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("cluster: closed")
)

// Timing is how often nodes heartbeat and when they count as dead.
type Timing struct {
	// Interval is how often a node registers (default 2s).
	Interval time.Duration
	// StaleAfter is how old a heartbeat may be before the node is dead
	// (default 3 × Interval).
	StaleAfter time.Duration
	// RoomTTL is how long a room's entry survives without KeepRooms
	// (default 5 × StaleAfter). It only collects garbage: ownership is
	// decided by the owner's liveness, not by this TTL.
	RoomTTL time.Duration
}

// DefaultPrefix is the Redis key prefix used when Options.Prefix is empty.
const DefaultPrefix = "lianxin:cluster:"

// Options configure NewMemory, NewRedis and OpenRedis; the zero value is
// the defaults.
type Options struct {
	Timing
	// Prefix is the Redis key prefix (default DefaultPrefix). On Redis
	// Cluster it must hold a hash tag, e.g. "{lianxin:cluster}:", because
	// Assign's script touches the node keys and the room key together.
	Prefix string
	// Now is the clock liveness is judged against (default time.Now); it
	// must be safe for concurrent use.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 3 * o.Interval
	}
	if o.RoomTTL <= 0 {
		o.RoomTTL = 5 * o.StaleAfter
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func invalid(field, problem string) error {
	return fmt.Errorf("%w: %s %s", ErrInvalid, field, problem)
}

func validateNode(n Node) error {
	if n.ID == "" {
		return invalid("node id", "is empty")
	}
	if n.URL == "" {
		return invalid("node url", "is empty")
	}
	if n.Rooms < 0 || n.Participants < 0 {
		return invalid("node load", "is negative")
	}
	return nil
}

func validateRoom(roomID string) error {
	if roomID == "" {
		return invalid("room id", "is empty")
	}
	return nil
}
