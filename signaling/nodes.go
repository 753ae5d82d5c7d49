package signaling

// Many nodes. With Options.Directory set, this server is one node of a
// cluster: it registers its public URL and load every Timing().Interval,
// accepts a join only for a room the directory assigns to it (refusing
// others with CodeWrongNode and the owner's URL), keeps its live rooms
// assigned to itself, and deregisters on Close so its rooms move at once.
// A node that dies without Close stops heartbeating; the directory then
// counts it dead and hands its rooms to the next Assign.

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/lianxin-hub/lianxin/signaling/cluster"
)

// directoryTimeout bounds one directory call made on a join's behalf.
const directoryTimeout = 2 * time.Second

type nodeLoop struct {
	srv  *Server
	dir  cluster.Directory // nil: single node, no routing
	id   string
	url  string
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// startNode registers the server once (so the hub can route to it as soon
// as New returns) and then keeps the registration fresh in the background.
func startNode(s *Server, dir cluster.Directory, id, url string) *nodeLoop {
	n := &nodeLoop{srv: s, dir: dir, id: id, url: url, stop: make(chan struct{}), done: make(chan struct{})}
	if dir == nil {
		close(n.done)
		return n
	}
	n.beat()
	go n.run()
	return n
}

func (n *nodeLoop) run() {
	defer close(n.done)
	t := time.NewTicker(n.dir.Timing().Interval)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
			n.beat()
		}
	}
}

// beat reports this node's load and refreshes its rooms. Rooms another node
// took while this one was thought dead are evicted: their clients are told
// where the room is now and disconnected, so they cannot split a room.
func (n *nodeLoop) beat() {
	ctx, cancel := context.WithTimeout(context.Background(), n.dir.Timing().Interval)
	defer cancel()
	rooms, participants := n.srv.load()
	err := n.dir.Register(ctx, cluster.Node{ID: n.id, URL: n.url, Rooms: len(rooms), Participants: participants})
	if err != nil {
		n.srv.log.Warn("cluster heartbeat failed", "node", n.id, "err", err)
		return
	}
	lost, err := n.dir.KeepRooms(ctx, n.id, rooms)
	if err != nil {
		n.srv.log.Warn("cluster: keeping rooms failed", "node", n.id, "err", err)
		return
	}
	for _, roomID := range lost {
		owner, err := n.dir.Assign(ctx, roomID)
		if err != nil {
			n.srv.log.Warn("cluster: room lost, new owner unknown", "room", roomID, "err", err)
		}
		n.srv.evict(roomID, owner.URL)
	}
}

// close stops the heartbeat and deregisters, so new joins go elsewhere.
func (n *nodeLoop) close() {
	n.once.Do(func() {
		close(n.stop)
		<-n.done
		if n.dir == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), directoryTimeout)
		defer cancel()
		if err := n.dir.Deregister(ctx, n.id); err != nil {
			n.srv.log.Warn("cluster: deregister failed; the node will count as dead once its heartbeat is stale", "node", n.id, "err", err)
		}
	})
}

// route checks that roomID belongs on this node, assigning it if it has no
// live owner. It returns nil to go ahead, a CodeWrongNode error naming the
// owner's URL, or CodeInternal when the directory cannot answer and the room
// is not already here (a live room keeps taking joins through an outage).
func (n *nodeLoop) route(roomID string) error {
	if n.dir == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(n.srv.ctx, directoryTimeout)
	defer cancel()
	owner, err := n.dir.Assign(ctx, roomID)
	if err != nil {
		n.srv.mu.Lock()
		_, here := n.srv.rooms[roomID]
		n.srv.mu.Unlock()
		if here {
			n.srv.log.Warn("cluster: directory unavailable; joining the room already here", "room", roomID, "err", err)
			return nil
		}
		n.srv.log.Error("cluster: directory unavailable", "room", roomID, "err", err)
		return perr(CodeInternal, "the room directory is unavailable; try again")
	}
	if owner.ID == n.id {
		return nil
	}
	e := perr(CodeWrongNode, "room %s is on node %s; join there with the same token", roomID, owner.ID)
	e.SignalingURL = owner.URL
	return e
}

// load counts this node's rooms and participants.
func (s *Server) load() (rooms []string, participants int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.rooms {
		rooms = append(rooms, id)
		r.mu.Lock()
		participants += len(r.members)
		r.mu.Unlock()
	}
	return rooms, participants
}

// evict disconnects every session in roomID after telling it where the room
// now lives (url may be empty when the directory could not say).
func (s *Server) evict(roomID, url string) {
	s.mu.Lock()
	var out []*session
	for ss := range s.sessionz {
		// part is written once, before joined is set, so this read is safe.
		if ss.joined.Load() && ss.part != nil && ss.part.room.id == roomID {
			out = append(out, ss)
		}
	}
	s.mu.Unlock()
	s.log.Warn("cluster: room moved to another node; evicting its sessions", "room", roomID, "sessions", len(out), "owner", url)
	for _, ss := range out {
		ss.send(0, Error{Code: CodeWrongNode, Message: "room " + roomID + " moved to another node; join again", SignalingURL: url})
		ss.closeWith(websocket.StatusGoingAway, "room moved")
	}
}
