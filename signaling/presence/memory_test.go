package presence

import (
	"testing"
	"time"
)

// size reports how many entries are stored, lapsed or not, so tests can see
// that Online really cleans up rather than merely filtering.
func (m *Memory) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func TestMemory(t *testing.T) {
	runSuite(t, func(t *testing.T, clock *fakeClock) Presence {
		m := NewMemory(WithClock(clock.Now))
		t.Cleanup(func() { _ = m.Close() })
		return m
	})
}

func TestMemoryOnlineCleansUpLapsed(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(WithClock(clock.Now))
	mustHeartbeat(t, m, Entry{UserID: "short", Status: StatusAvailable}, time.Second)
	mustHeartbeat(t, m, Entry{UserID: "long", Status: StatusAvailable}, time.Hour)
	clock.Advance(time.Minute)

	// Get reports the lapse but leaves the sweep to Online.
	wantAbsent(t, m, "short")
	if n := m.size(); n != 2 {
		t.Fatalf("before Online: %d stored entries, want 2", n)
	}
	mustOnline(t, m)
	if n := m.size(); n != 1 {
		t.Fatalf("after Online: %d stored entries, want 1 (lapsed entry not cleaned up)", n)
	}
}

func TestMemoryDefaultClock(t *testing.T) {
	// Without WithClock the wall clock applies; an hour-long ttl is live now.
	m := NewMemory(WithClock(nil), WithPrefix("ignored:"))
	before := time.Now()
	mustHeartbeat(t, m, Entry{UserID: "alice", Status: StatusAvailable}, time.Hour)
	e, ok := mustGet(t, m, "alice")
	if !ok {
		t.Fatal("Get: ok=false right after Heartbeat with the default clock")
	}
	if e.Expires.Before(before.Add(time.Hour)) || e.Expires.After(time.Now().Add(time.Hour)) {
		t.Fatalf("Expires = %v, want about now+1h", e.Expires)
	}
}
