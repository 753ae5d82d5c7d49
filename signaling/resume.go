package signaling

// Resuming a session after its WebSocket drops.
//
// A participant outlives its socket. When the socket ends without a leave
// and without a close frame (network loss, a phone switching from Wi-Fi to
// 4G, a failed keepalive), the participant is parked for
// Options.ReconnectGrace: it stays in its room with its tracks announced and
// both PeerConnections open, the others see nothing, and what the room sends
// it is kept in a backlog. A new socket that sends reconnect{token,
// sessionId} with a token for the same room and user takes it over: it gets
// joined (with resumed: true), then the backlog, and the server restarts ICE
// on the subscriber PC; the client restarts ICE on its publisher PC. If the
// grace runs out first, the participant leaves as if it had sent leave.
//
// A reconnect for a session whose socket still looks alive (the server has
// not noticed the drop yet) takes it over too, and the old socket is closed.
//
// Presence and attendance see one continuous stay: parking and resuming
// neither release the busy mark nor call OnPresence.

import (
	"sync"
	"time"

	"github.com/coder/websocket"
)

// DefaultReconnectGrace is how long a dropped session can be resumed.
const DefaultReconnectGrace = 30 * time.Second

// maxBacklog bounds what a parked participant keeps; beyond it the oldest
// messages go. The joined reply to reconnect carries the full room state,
// so what can be lost is old chat lines.
const maxBacklog = 1024

// link is the route from a participant to the socket currently holding it,
// or to the backlog while it is parked. Its methods are safe from any
// goroutine; room events reach it with room.mu held (room.mu before l.mu).
type link struct {
	mu      sync.Mutex
	ss      *session   // holder; nil while parked
	backlog []outbound // encoded messages kept while parked, oldest first
	epoch   uint64     // bumped by every park and takeover; a grace timer fires only for its own
	timer   *time.Timer
	since   time.Time // when it was parked: the end of the stay if the grace runs out
	gone    bool      // left (or the grace ran out): no more takeovers
}

func newLink(ss *session) *link { return &link{ss: ss} }

// send queues m for the holder, or keeps it while parked. SDP and
// candidates are not kept: the connections are renegotiated on resume.
func (l *link) send(id uint64, m Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ss != nil {
		l.ss.send(id, m)
		return
	}
	if l.gone || isMediaMessage(m.MessageType()) {
		return
	}
	data, err := Encode(id, m)
	if err != nil {
		return
	}
	l.keep(outbound{data: data, typ: m.MessageType()})
}

func (l *link) keep(o outbound) {
	if len(l.backlog) >= maxBacklog {
		l.backlog = append(l.backlog[:0], l.backlog[1:]...)
	}
	l.backlog = append(l.backlog, o)
}

func isMediaMessage(typ string) bool { return typ == "offer" || typ == "answer" || typ == "candidate" }

// fail ends the holder's session because its media broke; while parked the
// grace timer is already in charge.
func (l *link) fail(reason string) {
	l.mu.Lock()
	ss := l.ss
	l.mu.Unlock()
	if ss != nil {
		ss.fail(reason)
	}
}

// holds reports whether ss still holds the participant.
func (l *link) holds(ss *session) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ss == ss
}

// end marks the participant as leaving if ss holds it, so no reconnect can
// take it over meanwhile; it reports false when another socket has it.
func (l *link) end(ss *session) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ss != ss || l.gone {
		return false
	}
	l.gone = true
	return true
}

// detach stops ss from writing and moves what it had not written yet to the
// backlog; l.mu must be held. Messages written to a dead socket just before
// it died are lost: there are no acknowledgements.
func (l *link) detach(ss *session) {
	ss.cancel()
	<-ss.writerDone
	for {
		select {
		case o := <-ss.out:
			if !o.close && !isMediaMessage(o.typ) {
				l.keep(o)
			}
		default:
			return
		}
	}
}

// park detaches ss and starts the grace timer, which calls expire unless a
// reconnect comes first. It reports false when ss no longer holds the
// participant.
func (l *link) park(ss *session, now time.Time, grace time.Duration, expire func(epoch uint64)) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ss != ss || l.gone {
		return false
	}
	l.detach(ss)
	l.ss = nil
	l.since = now
	l.epoch++
	epoch := l.epoch
	l.timer = time.AfterFunc(grace, func() { expire(epoch) })
	return true
}

// expire marks the participant gone if it is still parked in epoch, and
// returns when it was parked; the caller then makes it leave. Server.Close
// passes the current epoch.
func (l *link) expire(epoch uint64) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ss != nil || l.gone || l.epoch != epoch {
		return time.Time{}, false
	}
	l.gone = true
	return l.since, true
}

// parked returns the current epoch when the participant is parked.
func (l *link) parked() (uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.epoch, l.ss == nil && !l.gone
}

// takeover hands the participant to ss: the previous holder, if any, stops
// and its socket is closed; then first (the joined reply) and the backlog
// are queued for ss, in that order. The caller holds room.mu, so no room
// event slips in between. It reports false once the participant is gone.
func (l *link) takeover(ss *session, id uint64, first Message) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return false
	}
	if old := l.ss; old != nil {
		l.detach(old)
		go func() { _ = old.conn.Close(websocket.StatusPolicyViolation, "session taken over by a new connection") }()
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.epoch++
	ss.send(id, first)
	for _, o := range l.backlog {
		ss.enqueue(o)
	}
	l.backlog = nil
	l.ss = ss
	return true
}

// resume finds session sessionID in the token's room and hands it to ss.
// Errors: CodeNotFound when the room has no such session (never existed,
// left, grace expired, or another room's); CodeForbidden when it belongs to
// another user; CodeUnsupported while the server shuts down.
func (s *Server) resume(ss *session, id uint64, c Claims, sessionID string) (*participant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, perr(CodeUnsupported, "server is shutting down")
	}
	notFound := perr(CodeNotFound, "session %s cannot be resumed; join again", sessionID)
	r := s.rooms[c.RoomID]
	if r == nil {
		return nil, notFound
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.members[sessionID]
	if p == nil {
		return nil, notFound
	}
	if p.info.UserID != c.UserID {
		return nil, perr(CodeForbidden, "session %s belongs to another user", sessionID)
	}
	others := make([]ParticipantInfo, 0, len(r.members))
	for _, m := range r.sortedMembers() {
		if m != p {
			others = append(others, m.info)
		}
	}
	tracks := make([]TrackInfo, 0, len(r.tracks))
	for _, t := range r.sortedTracks() {
		tracks = append(tracks, t.info)
	}
	joined := Joined{
		SessionID: sessionID, RoomID: r.id, ProtocolVersion: ProtocolVersion, Resumed: true,
		Self: p.info, Participants: others, Tracks: tracks, ICEServers: s.iceServers,
	}
	if !p.link.takeover(ss, id, joined) {
		return nil, notFound
	}
	return p, nil
}

// park keeps p in its room for the grace period after its socket dropped.
// It reports false when p cannot be parked (grace disabled, server closing,
// or another socket already took p over).
func (s *Server) park(ss *session, p *participant) bool {
	if s.grace <= 0 || s.isClosed() {
		return false
	}
	if !p.link.park(ss, s.now(), s.grace, func(epoch uint64) { s.expire(p, epoch, "reconnect grace expired") }) {
		return false
	}
	if s.onParked != nil {
		s.onParked(p.info.SessionID)
	}
	return true
}

// expire makes a parked participant leave, if it is still parked in epoch.
// Attendance records the exit at the moment the socket dropped: the grace
// was waiting time, not presence.
func (s *Server) expire(p *participant, epoch uint64, why string) {
	since, ok := p.link.expire(epoch)
	if !ok {
		return
	}
	s.depart(p, since)
	p.log.Info("left", "reason", why)
}

// depart is the end of every stay: the room, the busy mark, attendance
// (with the exit at at).
func (s *Server) depart(p *participant, at time.Time) {
	s.busy.leave(p.info.UserID)
	s.leave(p)
	s.presenceAt(p.room.id, p.info.UserID, false, at)
}

// expireParked makes every parked participant leave now (Close).
func (s *Server) expireParked() {
	s.mu.Lock()
	var all []*participant
	for _, r := range s.rooms {
		r.mu.Lock()
		all = append(all, r.sortedMembers()...)
		r.mu.Unlock()
	}
	s.mu.Unlock()
	for _, p := range all {
		if epoch, ok := p.link.parked(); ok {
			s.expire(p, epoch, "server closing")
		}
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
