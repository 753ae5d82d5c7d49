package signaling

import (
	"testing"
	"time"
)

// TestOnPresenceHearsEntriesAndExits: the hub's attendance hook hears a
// join when the session enters a room and a leave when it goes, in order.
func TestOnPresenceHearsEntriesAndExits(t *testing.T) {
	events := make(chan RoomPresence, 8)
	_, url := startServer(t, func(o *Options) {
		o.OnPresence = func(p RoomPresence) { events <- p }
	})
	next := func() RoomPresence {
		t.Helper()
		select {
		case p := <-events:
			return p
		case <-time.After(waitLimit):
			t.Fatal("no presence event")
			return RoomPresence{}
		}
	}
	c := dial(t, url, "dr-li", clientConfig{})
	c.join(roomToken(t, "room-7", "dr-li", RoleParticipant))
	if p := next(); !p.Joined || p.RoomID != "room-7" || p.UserID != "dr-li" || p.At.IsZero() {
		t.Fatalf("first event %+v, want dr-li joining room-7", p)
	}
	c.send(Leave{}) // a dropped socket would be kept for a reconnect (reconnect_test.go)
	if p := next(); p.Joined || p.RoomID != "room-7" || p.UserID != "dr-li" {
		t.Fatalf("second event %+v, want dr-li leaving room-7", p)
	}
	// A refused join is never reported.
	bad := dial(t, url, "intruder", clientConfig{})
	bad.send(Join{Token: "garbage", ProtocolVersion: ProtocolVersion})
	bad.waitClosed()
	select {
	case p := <-events:
		t.Fatalf("refused join reported: %+v", p)
	default:
	}
}
