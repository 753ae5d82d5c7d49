package presence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a concurrency-safe manual clock; tests move time with Advance
// instead of sleeping, so lapses are exact and the suite is deterministic.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// epoch is millisecond-aligned so Redis' millisecond scores round-trip exactly.
var epoch = time.Date(2025, time.March, 1, 9, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock { return &fakeClock{now: epoch} }

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

// factory builds a fresh, isolated Presence bound to clock and registers its
// cleanup on t.
type factory func(t *testing.T, clock *fakeClock) Presence

func sameEntry(a, b Entry) bool {
	return a.UserID == b.UserID && a.Status == b.Status && a.Node == b.Node && a.Expires.Equal(b.Expires)
}

func fmtEntries(es []Entry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = fmt.Sprintf("{%s %s %q %s}", e.UserID, e.Status, e.Node, e.Expires.Format(time.RFC3339Nano))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func mustHeartbeat(t *testing.T, p Presence, e Entry, ttl time.Duration) {
	t.Helper()
	if err := p.Heartbeat(t.Context(), e, ttl); err != nil {
		t.Fatalf("Heartbeat(%+v, %v): %v", e, ttl, err)
	}
}

func mustGet(t *testing.T, p Presence, id string) (Entry, bool) {
	t.Helper()
	e, ok, err := p.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%q): %v", id, err)
	}
	return e, ok
}

func mustOnline(t *testing.T, p Presence) []Entry {
	t.Helper()
	es, err := p.Online(t.Context())
	if err != nil {
		t.Fatalf("Online: %v", err)
	}
	return es
}

func wantOnline(t *testing.T, p Presence, want ...Entry) {
	t.Helper()
	got := mustOnline(t, p)
	if !slices.EqualFunc(got, want, sameEntry) {
		t.Fatalf("Online =\n  %s\nwant\n  %s", fmtEntries(got), fmtEntries(want))
	}
}

func wantLive(t *testing.T, p Presence, want Entry) {
	t.Helper()
	got, ok := mustGet(t, p, want.UserID)
	if !ok {
		t.Fatalf("Get(%q): ok=false, want live entry %s", want.UserID, fmtEntries([]Entry{want}))
	}
	if !sameEntry(got, want) {
		t.Fatalf("Get(%q) = %s, want %s", want.UserID, fmtEntries([]Entry{got}), fmtEntries([]Entry{want}))
	}
}

func wantAbsent(t *testing.T, p Presence, id string) {
	t.Helper()
	if got, ok := mustGet(t, p, id); ok {
		t.Fatalf("Get(%q) = %s, want absent", id, fmtEntries([]Entry{got}))
	}
}

// runSuite is the behavioural contract of Presence; every implementation
// must pass it unchanged.
func runSuite(t *testing.T, newP factory) {
	t.Run("HeartbeatMakesOnline", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		wantAbsent(t, p, "alice")
		wantOnline(t, p)

		// Expires supplied by the caller must be ignored.
		mustHeartbeat(t, p, Entry{UserID: "alice", Status: StatusAvailable, Node: "node-1",
			Expires: epoch.Add(100 * time.Hour)}, 30*time.Second)
		want := Entry{UserID: "alice", Status: StatusAvailable, Node: "node-1", Expires: epoch.Add(30 * time.Second)}
		wantLive(t, p, want)
		wantOnline(t, p, want)
	})

	t.Run("EmptyNodeAllowed", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		mustHeartbeat(t, p, Entry{UserID: "alice", Status: StatusAway}, time.Minute)
		wantLive(t, p, Entry{UserID: "alice", Status: StatusAway, Expires: epoch.Add(time.Minute)})
	})

	t.Run("RefreshExtendsExpiry", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		e := Entry{UserID: "alice", Status: StatusAvailable, Node: "n1"}
		mustHeartbeat(t, p, e, 10*time.Second)
		clock.Advance(8 * time.Second)
		mustHeartbeat(t, p, e, 10*time.Second)

		want := e
		want.Expires = epoch.Add(18 * time.Second)
		wantLive(t, p, want)

		// Past the first expiry: only the refresh keeps the user online.
		clock.Advance(5 * time.Second)
		wantLive(t, p, want)
		wantOnline(t, p, want)

		clock.Advance(5 * time.Second) // exactly epoch+18s
		wantAbsent(t, p, "alice")
		wantOnline(t, p)
	})

	t.Run("LapseAfterTTL", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		e := Entry{UserID: "bob", Status: StatusBusy, Node: "n1"}
		mustHeartbeat(t, p, e, 10*time.Second)
		want := e
		want.Expires = epoch.Add(10 * time.Second)

		clock.Advance(10*time.Second - time.Millisecond)
		wantLive(t, p, want)
		wantOnline(t, p, want)

		// The entry lapses at exactly its expiry, not one tick later.
		clock.Advance(time.Millisecond)
		wantAbsent(t, p, "bob")
		wantOnline(t, p)

		// A lapsed (and cleaned-up) user comes back with a fresh heartbeat.
		mustHeartbeat(t, p, e, 10*time.Second)
		want.Expires = clock.Now().Add(10 * time.Second)
		wantLive(t, p, want)
	})

	t.Run("Remove", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		ctx := t.Context()
		mustHeartbeat(t, p, Entry{UserID: "alice", Status: StatusAvailable}, time.Minute)
		mustHeartbeat(t, p, Entry{UserID: "bob", Status: StatusBusy}, time.Minute)

		if err := p.Remove(ctx, "alice"); err != nil {
			t.Fatalf("Remove(alice): %v", err)
		}
		wantAbsent(t, p, "alice")
		wantOnline(t, p, Entry{UserID: "bob", Status: StatusBusy, Expires: epoch.Add(time.Minute)})

		if err := p.Remove(ctx, "alice"); err != nil {
			t.Fatalf("second Remove(alice): %v", err)
		}
		if err := p.Remove(ctx, "never-seen"); err != nil {
			t.Fatalf("Remove(never-seen): %v", err)
		}

		mustHeartbeat(t, p, Entry{UserID: "alice", Status: StatusAway}, time.Minute)
		wantLive(t, p, Entry{UserID: "alice", Status: StatusAway, Expires: epoch.Add(time.Minute)})
	})

	t.Run("OnlineSortedAndExcludesLapsed", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		// Inserted out of name order, and with expiry order different from
		// name order, so a store that returns insertion or expiry order fails.
		ttls := []struct {
			id  string
			ttl time.Duration
		}{
			{"carol", 40 * time.Second},
			{"alice", 50 * time.Second},
			{"dave", 10 * time.Second},
			{"bob", 20 * time.Second},
			{"erin", 30 * time.Second},
		}
		for _, x := range ttls {
			mustHeartbeat(t, p, Entry{UserID: x.id, Status: StatusAvailable, Node: "n-" + x.id}, x.ttl)
		}
		entry := func(id string, ttl time.Duration) Entry {
			return Entry{UserID: id, Status: StatusAvailable, Node: "n-" + id, Expires: epoch.Add(ttl)}
		}
		wantOnline(t, p,
			entry("alice", 50*time.Second), entry("bob", 20*time.Second), entry("carol", 40*time.Second),
			entry("dave", 10*time.Second), entry("erin", 30*time.Second))

		clock.Advance(25 * time.Second) // dave and bob lapse
		wantOnline(t, p, entry("alice", 50*time.Second), entry("carol", 40*time.Second), entry("erin", 30*time.Second))
		wantAbsent(t, p, "bob")
		wantAbsent(t, p, "dave")

		clock.Advance(time.Hour)
		wantOnline(t, p)
	})

	t.Run("StatusUpdate", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		mustHeartbeat(t, p, Entry{UserID: "alice", Status: StatusAvailable, Node: "n1"}, time.Minute)
		clock.Advance(time.Second)
		mustHeartbeat(t, p, Entry{UserID: "alice", Status: StatusBusy, Node: "n2"}, time.Minute)

		want := Entry{UserID: "alice", Status: StatusBusy, Node: "n2", Expires: epoch.Add(time.Second + time.Minute)}
		wantLive(t, p, want)
		wantOnline(t, p, want) // updated in place, never duplicated

		// A shorter ttl on refresh is honoured, not maxed with the old one.
		mustHeartbeat(t, p, Entry{UserID: "alice", Status: StatusAway, Node: "n2"}, 5*time.Second)
		want = Entry{UserID: "alice", Status: StatusAway, Node: "n2", Expires: epoch.Add(6 * time.Second)}
		wantLive(t, p, want)
	})

	t.Run("InvalidInput", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		ctx := t.Context()
		ok := Entry{UserID: "alice", Status: StatusAvailable}
		cases := []struct {
			name  string
			e     Entry
			ttl   time.Duration
			field string
		}{
			{"empty user", Entry{Status: StatusAvailable}, time.Minute, "user id"},
			{"empty status", Entry{UserID: "alice"}, time.Minute, "status"},
			{"unknown status", Entry{UserID: "alice", Status: "offline"}, time.Minute, "status"},
			{"wrong case status", Entry{UserID: "alice", Status: "Available"}, time.Minute, "status"},
			{"zero ttl", ok, 0, "ttl"},
			{"negative ttl", ok, -time.Second, "ttl"},
		}
		for _, c := range cases {
			err := p.Heartbeat(ctx, c.e, c.ttl)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: Heartbeat error = %v, want ErrInvalid", c.name, err)
				continue
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Errorf("%s: error %q does not name field %q", c.name, err, c.field)
			}
		}
		if err := p.Remove(ctx, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("Remove(\"\") = %v, want ErrInvalid", err)
		}
		if _, _, err := p.Get(ctx, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("Get(\"\") = %v, want ErrInvalid", err)
		}
		// Rejected heartbeats must not have stored anything.
		wantOnline(t, p)
	})

	t.Run("ConcurrentHeartbeats", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		ctx := t.Context()
		const (
			workers = 16
			rounds  = 25
			shared  = 12
			ttl     = time.Minute
		)
		statuses := []Status{StatusAvailable, StatusBusy, StatusAway}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for r := range rounds {
					// Every worker hammers the same shared users...
					id := fmt.Sprintf("user-%02d", (w+r)%shared)
					e := Entry{UserID: id, Status: statuses[(w+r)%len(statuses)], Node: fmt.Sprintf("node-%d", w)}
					if err := p.Heartbeat(ctx, e, ttl); err != nil {
						t.Errorf("worker %d: Heartbeat: %v", w, err)
						return
					}
					// ...and churns a private one that must end up removed.
					tmp := fmt.Sprintf("tmp-%02d", w)
					if err := p.Heartbeat(ctx, Entry{UserID: tmp, Status: StatusBusy}, ttl); err != nil {
						t.Errorf("worker %d: Heartbeat tmp: %v", w, err)
						return
					}
					if _, err := p.Online(ctx); err != nil {
						t.Errorf("worker %d: Online: %v", w, err)
						return
					}
					if _, _, err := p.Get(ctx, id); err != nil {
						t.Errorf("worker %d: Get: %v", w, err)
						return
					}
					if err := p.Remove(ctx, tmp); err != nil {
						t.Errorf("worker %d: Remove tmp: %v", w, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		got := mustOnline(t, p)
		if len(got) != shared {
			t.Fatalf("Online has %d entries, want %d: %s", len(got), shared, fmtEntries(got))
		}
		for i, e := range got {
			if want := fmt.Sprintf("user-%02d", i); e.UserID != want {
				t.Fatalf("Online[%d].UserID = %q, want %q (sorted, no duplicates, no tmp users): %s",
					i, e.UserID, want, fmtEntries(got))
			}
			if !e.Status.Valid() || !strings.HasPrefix(e.Node, "node-") || !e.Expires.Equal(epoch.Add(ttl)) {
				t.Fatalf("Online[%d] = %s is not a value any worker wrote", i, fmtEntries([]Entry{e}))
			}
			// Get and Online must agree on the final state.
			wantLive(t, p, e)
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := p.Heartbeat(ctx, Entry{UserID: "alice", Status: StatusAvailable}, time.Minute)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Heartbeat with canceled ctx = %v, want context.Canceled", err)
		}
		wantAbsent(t, p, "alice")
	})

	t.Run("PingAndClose", func(t *testing.T) {
		clock := newFakeClock()
		p := newP(t, clock)
		ctx := t.Context()
		if err := p.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if err := p.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := p.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := p.Ping(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("Ping after Close = %v, want ErrClosed", err)
		}
		if err := p.Heartbeat(ctx, Entry{UserID: "a", Status: StatusAvailable}, time.Minute); !errors.Is(err, ErrClosed) {
			t.Errorf("Heartbeat after Close = %v, want ErrClosed", err)
		}
		if _, _, err := p.Get(ctx, "a"); !errors.Is(err, ErrClosed) {
			t.Errorf("Get after Close = %v, want ErrClosed", err)
		}
		if _, err := p.Online(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("Online after Close = %v, want ErrClosed", err)
		}
		if err := p.Remove(ctx, "a"); !errors.Is(err, ErrClosed) {
			t.Errorf("Remove after Close = %v, want ErrClosed", err)
		}
	})
}

func TestStatusValid(t *testing.T) {
	for _, s := range []Status{StatusAvailable, StatusBusy, StatusAway} {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	for _, s := range []Status{"", "offline", "AVAILABLE", " busy"} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}
