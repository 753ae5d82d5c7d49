package signaling

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lianxin-hub/lianxin/signaling/cluster"
	"github.com/lianxin-hub/lianxin/signaling/cluster/clustertest"
)

// Short intervals so a dead node is noticed within a second or two; the
// staleness is ten heartbeats, so a busy -race machine does not kill a
// node that is merely slow.
var nodeTiming = cluster.Timing{Interval: 100 * time.Millisecond, StaleAfter: time.Second}

// mortal is one node's handle on the shared directory. kill makes it fail
// every write, as a crashed or partitioned node would: no more heartbeats
// and no goodbye.
type mortal struct {
	cluster.Directory
	dead atomic.Bool
}

var errKilled = errors.New("node killed")

func (m *mortal) Register(ctx context.Context, n cluster.Node) error {
	if m.dead.Load() {
		return errKilled
	}
	return m.Directory.Register(ctx, n)
}

func (m *mortal) Deregister(ctx context.Context, id string) error {
	if m.dead.Load() {
		return errKilled
	}
	return m.Directory.Deregister(ctx, id)
}

func (m *mortal) KeepRooms(ctx context.Context, id string, rooms []string) ([]string, error) {
	if m.dead.Load() {
		return nil, errKilled
	}
	return m.Directory.KeepRooms(ctx, id, rooms)
}

type testNode struct {
	id  string
	url string
	srv *Server
	ts  *httptest.Server
	dir *mortal
}

// startClusterNode runs a Server registered in dir under id, on its own
// listener, and returns it with its WebSocket URL.
func startClusterNode(t *testing.T, id string, dir cluster.Directory) *testNode {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	n := &testNode{id: id, ts: ts, dir: &mortal{Directory: dir},
		url: "ws://" + ts.Listener.Addr().String() + PathWebSocket}
	srv, err := New(Options{Signer: NewSigner(testKey), Logger: testLogger(), ConfigureWebRTC: loopbackOnly,
		NodeID: id, Directory: n.dir, PublicURL: n.url})
	if err != nil {
		t.Fatal(err)
	}
	n.srv = srv
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(func() {
		_ = srv.Close()
		ts.Close()
	})
	return n
}

// kill stops the node's heartbeats and drops its connections without a
// goodbye to the directory: its Deregister fails, so only staleness tells
// the others. (The WebSockets are hijacked, so the listener cannot drop
// them; Close does, with 1001.)
func (n *testNode) kill() {
	n.dir.dead.Store(true)
	_ = n.srv.Close()
	n.ts.Close()
}

// tryJoin sends join and returns the direct answer: joined or error.
func (c *client) tryJoin(tok string) Message {
	c.t.Helper()
	id := c.send(Join{Token: tok, ProtocolVersion: ProtocolVersion})
	return c.waitFor("answer to join", func(m serverMsg) bool { return m.env.ID == id }).msg
}

// joinVia dials url and joins; on wrong_node it follows the redirect once,
// with the same token, as a browser does. It returns the connected client
// and the URL it ended up on.
func joinVia(t *testing.T, url, name, tok string) (*client, string, Joined) {
	t.Helper()
	c := dial(t, url, name, clientConfig{})
	switch m := c.tryJoin(tok).(type) {
	case Joined:
		return c, url, m
	case Error:
		if m.Code != CodeWrongNode || m.SignalingURL == "" {
			t.Fatalf("%s: join at %s refused: %+v", name, url, m)
		}
		if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
			t.Fatalf("%s: wrong_node closed with %d, want 1008", name, code)
		}
		c.close()
		c = dial(t, m.SignalingURL, name, clientConfig{})
		j, ok := c.tryJoin(tok).(Joined)
		if !ok {
			t.Fatalf("%s: join at the owner %s failed", name, m.SignalingURL)
		}
		return c, m.SignalingURL, j
	default:
		t.Fatalf("%s: join answered with %T", name, m)
		return nil, "", Joined{}
	}
}

// eventually polls cond every 20 ms until it holds, failing after waitLimit.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("not within %v: %s", waitLimit, what)
		}
	}
}

func TestTwoNodesMemory(t *testing.T) {
	testTwoNodes(t, func() cluster.Directory { return cluster.NewMemory(cluster.Options{Timing: nodeTiming}) })
}

func TestTwoNodesRedis(t *testing.T) {
	url := clustertest.RedisURL(t)
	prefix := clustertest.Prefix(t, url)
	testTwoNodes(t, func() cluster.Directory {
		d, err := cluster.OpenRedis(url, cluster.Options{Timing: nodeTiming, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	})
}

// testTwoNodes runs two SFU nodes on one directory. newDir returns a handle
// on that one directory each time (a new Redis client, or the same Memory).
func testTwoNodes(t *testing.T, newDir func() cluster.Directory) {
	ctx := t.Context()
	var shared cluster.Directory
	handle := func() cluster.Directory {
		if _, mem := shared.(*cluster.Memory); mem {
			return shared
		}
		return newDir()
	}
	shared = newDir()
	a := startClusterNode(t, "node-a", handle())
	b := startClusterNode(t, "node-b", handle())
	hub := handle() // what the hub's join endpoint would ask
	nodeLoad := func(id string) (cluster.Node, bool) {
		ns, err := hub.Nodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.ID == id {
				return n, true
			}
		}
		return cluster.Node{}, false
	}

	// Load node-a: with both idle, the first room goes to node-a (ties
	// break by id), and its heartbeat then reports one participant.
	_, at, _ := joinVia(t, a.url, "busy", roomToken(t, "warmup", "u0", RoleHost)) // stays until the test ends
	if at != a.url {
		t.Fatalf("warmup landed on %s, want node-a", at)
	}
	eventually(t, "node-a reports its participant", func() bool {
		n, ok := nodeLoad("node-a")
		return ok && n.Participants == 1
	})

	// Room R's first join, asked of the loaded node-a, is sent to node-b.
	host, at, _ := joinVia(t, a.url, "host", roomToken(t, "R", "u1", RoleHost))
	if at != b.url {
		t.Fatalf("R's first join landed on %s, want the less loaded node-b %s", at, b.url)
	}
	if owner, err := hub.Assign(ctx, "R"); err != nil || owner.ID != "node-b" || owner.URL != b.url {
		t.Fatalf("Assign(R) = %+v, %v; want node-b", owner, err)
	}
	// A second client asking node-a is redirected to node-b as well, and
	// the two see each other there.
	guest, at, j := joinVia(t, a.url, "guest", roomToken(t, "R", "u2", RoleParticipant))
	if at != b.url || len(j.Participants) != 1 || j.Participants[0].UserID != "u1" {
		t.Fatalf("guest joined on %s with %+v; want node-b with u1", at, j.Participants)
	}
	host.waitFor("guest arrives", func(m serverMsg) bool {
		pj, ok := m.msg.(ParticipantJoined)
		return ok && pj.Participant.UserID == "u2"
	})
	if rooms := a.srv.Rooms(); len(rooms) != 1 || rooms[0].ID != "warmup" {
		t.Fatalf("node-a hosts %+v; R must not be split across nodes", rooms)
	}

	// Kill node-b. Its clients' sockets drop; once its heartbeat is stale,
	// R moves to node-a and the clients, joining again, meet there.
	b.kill()
	host.waitClosed()
	guest.waitClosed()
	eventually(t, "node-b counted dead", func() bool {
		_, alive := nodeLoad("node-b")
		return !alive
	})
	owner, err := hub.Assign(ctx, "R")
	if err != nil || owner.ID != "node-a" {
		t.Fatalf("after node-b died, Assign(R) = %+v, %v; want node-a", owner, err)
	}
	host2 := dial(t, owner.URL, "host again", clientConfig{})
	host2.join(roomToken(t, "R", "u1", RoleHost))
	guest2 := dial(t, owner.URL, "guest again", clientConfig{})
	if j := guest2.join(roomToken(t, "R", "u2", RoleParticipant)); len(j.Participants) != 1 || j.Participants[0].UserID != "u1" {
		t.Fatalf("guest rejoined with %+v, want u1 there", j.Participants)
	}
	host2.waitFor("guest arrives again", func(m serverMsg) bool {
		pj, ok := m.msg.(ParticipantJoined)
		return ok && pj.Participant.UserID == "u2"
	})
	eventually(t, "node-a reports both rooms", func() bool {
		n, ok := nodeLoad("node-a")
		return ok && n.Rooms == 2 && n.Participants == 3
	})

	// Pause node-a (a long stall, or a partition from Redis) until it
	// counts as dead: R moves to a new node-c. When node-a's heartbeats
	// come back it learns it lost R and sends R's clients to node-c, so R
	// is not split; the warmup room, which nobody took, stays.
	a.dir.dead.Store(true)
	c := startClusterNode(t, "node-c", handle())
	eventually(t, "node-a counted dead", func() bool {
		_, alive := nodeLoad("node-a")
		return !alive
	})
	if owner, err := hub.Assign(ctx, "R"); err != nil || owner.ID != "node-c" || owner.URL != c.url {
		t.Fatalf("with node-a silent, Assign(R) = %+v, %v; want node-c", owner, err)
	}
	a.dir.dead.Store(false)
	for _, cl := range []*client{host2, guest2} {
		m := cl.waitFor("eviction", func(m serverMsg) bool { return m.env.Type == "error" }).msg.(Error)
		if m.Code != CodeWrongNode || m.SignalingURL != c.url {
			t.Fatalf("%s: evicted with %+v, want wrong_node naming node-c", cl.name, m)
		}
		if code := cl.waitClosed(); code != websocket.StatusGoingAway {
			t.Fatalf("%s: eviction closed with %d, want 1001", cl.name, code)
		}
	}
	eventually(t, "node-a keeps only the warmup room", func() bool {
		rooms := a.srv.Rooms()
		return len(rooms) == 1 && rooms[0].ID == "warmup"
	})
	if owner, err := hub.Assign(ctx, "warmup"); err != nil || owner.ID != "node-a" {
		t.Fatalf("Assign(warmup) = %+v, %v; want node-a still", owner, err)
	}

	// A clean Close deregisters at once, and the warmup room moves with it.
	if err := a.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, alive := nodeLoad("node-a"); alive {
		t.Fatal("node-a still registered after Close")
	}
	if owner, err := hub.Assign(ctx, "warmup"); err != nil || owner.ID != "node-c" {
		t.Fatalf("after node-a closed, Assign(warmup) = %+v, %v; want node-c", owner, err)
	}
}
