package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock moves only when told, so staleness is tested without waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var testTiming = Timing{Interval: time.Second, StaleAfter: 3 * time.Second, RoomTTL: time.Minute}

// opener makes a fresh, empty directory on clock. Calling it twice in one
// test returns two handles on the same directory (two nodes' views).
type opener func(t *testing.T, clock *fakeClock) Directory

// runSuite holds the rules both implementations must follow.
func runSuite(t *testing.T, newDir func(t *testing.T) opener) {
	ctx := context.Background()
	node := func(id string, participants, rooms int) Node {
		return Node{ID: id, URL: "wss://" + id + ".example/rtc/ws", Participants: participants, Rooms: rooms}
	}
	register := func(t *testing.T, d Directory, ns ...Node) {
		t.Helper()
		for _, n := range ns {
			if err := d.Register(ctx, n); err != nil {
				t.Fatalf("Register %s: %v", n.ID, err)
			}
		}
	}
	assign := func(t *testing.T, d Directory, room string) Node {
		t.Helper()
		n, err := d.Assign(ctx, room)
		if err != nil {
			t.Fatalf("Assign %s: %v", room, err)
		}
		return n
	}

	t.Run("NodesAndStaleness", func(t *testing.T) {
		clock := newFakeClock()
		d := newDir(t)(t, clock)
		register(t, d, node("a", 0, 0), node("b", 2, 1))
		ns, err := d.Nodes(ctx)
		if err != nil || len(ns) != 2 || ns[0].ID != "a" || ns[1] != (Node{ID: "b", URL: "wss://b.example/rtc/ws",
			Participants: 2, Rooms: 1, Heartbeat: clock.Now()}) {
			t.Fatalf("Nodes = %+v, %v", ns, err)
		}
		// b keeps beating; a falls silent and is dead once its heartbeat
		// is StaleAfter old, not a millisecond before.
		clock.Advance(testTiming.StaleAfter - time.Millisecond)
		register(t, d, node("b", 2, 1))
		if ns, _ := d.Nodes(ctx); len(ns) != 2 {
			t.Fatalf("just before StaleAfter: %+v", ns)
		}
		clock.Advance(time.Millisecond)
		if ns, _ := d.Nodes(ctx); len(ns) != 1 || ns[0].ID != "b" {
			t.Fatalf("after StaleAfter: %+v, want only b", ns)
		}
		// A dead node that beats again is alive again.
		register(t, d, node("a", 0, 0))
		if ns, _ := d.Nodes(ctx); len(ns) != 2 {
			t.Fatalf("after a returns: %+v", ns)
		}
		if err := d.Deregister(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if err := d.Deregister(ctx, "never-there"); err != nil {
			t.Fatalf("Deregister of an absent node: %v", err)
		}
		if ns, _ := d.Nodes(ctx); len(ns) != 1 || ns[0].ID != "b" {
			t.Fatalf("after Deregister: %+v", ns)
		}
	})

	t.Run("LeastLoaded", func(t *testing.T) {
		clock := newFakeClock()
		d := newDir(t)(t, clock)
		if _, err := d.Assign(ctx, "r0"); !errors.Is(err, ErrNoNodes) {
			t.Fatalf("Assign with no nodes: %v, want ErrNoNodes", err)
		}
		register(t, d, node("a", 5, 1), node("b", 1, 3), node("c", 1, 2))
		// Fewest participants first, then fewest rooms.
		if n := assign(t, d, "r1"); n.ID != "c" || n.URL != "wss://c.example/rtc/ws" || n.Rooms != 3 {
			t.Fatalf("r1 went to %+v, want c with its new room counted", n)
		}
		// c now counts 3 rooms, so b and c tie on both; the id decides.
		if n := assign(t, d, "r2"); n.ID != "b" {
			t.Fatalf("r2 went to %s, want b", n.ID)
		}
		// A room stays with its live owner whatever the load says.
		register(t, d, node("c", 50, 9))
		if n := assign(t, d, "r1"); n.ID != "c" {
			t.Fatalf("r1 moved to %s while c is alive", n.ID)
		}
		if _, err := d.Assign(ctx, ""); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Assign(\"\"): %v", err)
		}
		for _, bad := range []Node{{URL: "x"}, {ID: "x"}, {ID: "x", URL: "y", Rooms: -1}} {
			if err := d.Register(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Register(%+v): %v, want ErrInvalid", bad, err)
			}
		}
	})

	t.Run("DeadOwnerLosesItsRooms", func(t *testing.T) {
		clock := newFakeClock()
		d := newDir(t)(t, clock)
		register(t, d, node("a", 0, 0), node("b", 3, 0))
		if n := assign(t, d, "r"); n.ID != "a" {
			t.Fatalf("r went to %s, want a", n.ID)
		}
		clock.Advance(testTiming.StaleAfter)
		register(t, d, node("b", 3, 0))
		if n := assign(t, d, "r"); n.ID != "b" {
			t.Fatalf("after a went silent, r is on %s, want b", n.ID)
		}
		// a comes back: r stays on b, and a learns it lost r.
		register(t, d, node("a", 0, 0))
		if n := assign(t, d, "r"); n.ID != "b" {
			t.Fatalf("r moved back to %s", n.ID)
		}
		lost, err := d.KeepRooms(ctx, "a", []string{"r", "fresh"})
		if err != nil || len(lost) != 1 || lost[0] != "r" {
			t.Fatalf("KeepRooms(a) lost = %v, %v; want [r]", lost, err)
		}
		// "fresh" was unowned, so a claimed it.
		if n := assign(t, d, "fresh"); n.ID != "a" {
			t.Fatalf("fresh is on %s, want a", n.ID)
		}
		// A deregistered owner's rooms move at once.
		if err := d.Deregister(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if n := assign(t, d, "r"); n.ID != "a" {
			t.Fatalf("after b left, r is on %s, want a", n.ID)
		}
		if lost, err := d.KeepRooms(ctx, "a", []string{"r"}); err != nil || len(lost) != 0 {
			t.Fatalf("KeepRooms of its own room: %v, %v", lost, err)
		}
	})

	t.Run("ConcurrentAssignAgrees", func(t *testing.T) {
		clock := newFakeClock()
		open := newDir(t)
		// Eight handles, as eight processes would have, all equally loaded.
		dirs := make([]Directory, 8)
		for i := range dirs {
			dirs[i] = open(t, clock)
			register(t, dirs[i], node(fmt.Sprintf("n%d", i), 0, 0))
		}
		for round := range 5 {
			room := fmt.Sprintf("room-%d", round)
			got := make([]string, 32)
			var wg sync.WaitGroup
			for i := range got {
				wg.Go(func() {
					n, err := dirs[i%len(dirs)].Assign(ctx, room)
					if err != nil {
						t.Errorf("Assign: %v", err)
						return
					}
					got[i] = n.ID
				})
			}
			wg.Wait()
			for i := range got {
				if got[i] != got[0] {
					t.Fatalf("%s: concurrent Assign answered %v", room, got)
				}
			}
		}
		// The five rooms were counted as they were placed, so they spread.
		ns, err := dirs[0].Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		used := 0
		for _, n := range ns {
			if n.Rooms > 1 {
				t.Fatalf("node %s got %d of 5 rooms among 8 idle nodes: %+v", n.ID, n.Rooms, ns)
			}
			used += n.Rooms
		}
		if used != 5 {
			t.Fatalf("rooms counted = %d, want 5: %+v", used, ns)
		}
	})

	t.Run("Closed", func(t *testing.T) {
		d := newDir(t)(t, newFakeClock())
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := d.Register(ctx, node("a", 0, 0)); !errors.Is(err, ErrClosed) {
			t.Fatalf("Register after Close: %v", err)
		}
		if _, err := d.Assign(ctx, "r"); !errors.Is(err, ErrClosed) {
			t.Fatalf("Assign after Close: %v", err)
		}
		if _, err := d.Nodes(ctx); !errors.Is(err, ErrClosed) {
			t.Fatalf("Nodes after Close: %v", err)
		}
	})
}

func TestMemory(t *testing.T) {
	runSuite(t, func(t *testing.T) opener {
		var shared *Memory
		return func(t *testing.T, clock *fakeClock) Directory {
			if shared == nil {
				shared = NewMemory(Options{Timing: testTiming, Now: clock.Now})
			}
			return shared
		}
	})
}
