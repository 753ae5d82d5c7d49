package cluster

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is a Directory inside one process: the hub's own SFU registers in
// it, so Assign always answers that node, and the single-node hub needs no
// Redis. It keeps the same rules as Redis (staleness, least load, room
// expiry) so the shared test suite runs on both.
type Memory struct {
	opts Options

	mu     sync.Mutex
	closed bool
	nodes  map[string]Node
	rooms  map[string]memRoom
}

type memRoom struct {
	node    string
	expires time.Time
}

var _ Directory = (*Memory)(nil)

// NewMemory returns an empty in-process Directory.
func NewMemory(o Options) *Memory {
	return &Memory{opts: o.withDefaults(), nodes: map[string]Node{}, rooms: map[string]memRoom{}}
}

// Timing implements Directory.Timing.
func (m *Memory) Timing() Timing { return m.opts.Timing }

// Register implements Directory.Register.
func (m *Memory) Register(_ context.Context, n Node) error {
	if err := validateNode(n); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	n.Heartbeat = m.opts.Now()
	m.nodes[n.ID] = n
	return nil
}

// Deregister implements Directory.Deregister.
func (m *Memory) Deregister(_ context.Context, nodeID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	delete(m.nodes, nodeID)
	return nil
}

// liveLocked forgets dead nodes and returns the live ones sorted by ID.
func (m *Memory) liveLocked(now time.Time) []Node {
	cutoff := now.Add(-m.opts.StaleAfter)
	for id, n := range m.nodes {
		if !n.Heartbeat.After(cutoff) {
			delete(m.nodes, id)
		}
	}
	return slices.SortedFunc(maps.Values(m.nodes), func(a, b Node) int { return strings.Compare(a.ID, b.ID) })
}

// Nodes implements Directory.Nodes.
func (m *Memory) Nodes(_ context.Context) ([]Node, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	return m.liveLocked(m.opts.Now()), nil
}

// Assign implements Directory.Assign.
func (m *Memory) Assign(_ context.Context, roomID string) (Node, error) {
	if err := validateRoom(roomID); err != nil {
		return Node{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Node{}, ErrClosed
	}
	now := m.opts.Now()
	live := m.liveLocked(now)
	if r, ok := m.rooms[roomID]; ok && now.Before(r.expires) {
		if n, ok := m.nodes[r.node]; ok {
			return n, nil
		}
	}
	if len(live) == 0 {
		return Node{}, ErrNoNodes
	}
	best := slices.MinFunc(live, lessLoaded)
	best.Rooms++
	m.nodes[best.ID] = best
	m.rooms[roomID] = memRoom{node: best.ID, expires: now.Add(m.opts.RoomTTL)}
	m.collectLocked(now)
	return best, nil
}

// collectLocked drops lapsed room entries, the job Redis's key expiry does.
func (m *Memory) collectLocked(now time.Time) {
	for id, r := range m.rooms {
		if !now.Before(r.expires) {
			delete(m.rooms, id)
		}
	}
}

// KeepRooms implements Directory.KeepRooms.
func (m *Memory) KeepRooms(_ context.Context, nodeID string, roomIDs []string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	now := m.opts.Now()
	var lost []string
	for _, id := range roomIDs {
		if r, ok := m.rooms[id]; ok && now.Before(r.expires) && r.node != nodeID {
			lost = append(lost, id)
			continue
		}
		m.rooms[id] = memRoom{node: nodeID, expires: now.Add(m.opts.RoomTTL)}
	}
	return lost, nil
}

// Close implements Directory.Close.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
