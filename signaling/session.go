package signaling

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Connection limits and timers.
const (
	writeQueueLen = 256              // queued messages before a client counts as stuck
	writeTimeout  = 10 * time.Second // one message write
	pingInterval  = 15 * time.Second // keepalive; NAT and proxies drop idle TCP after ~30-60 s
	pongTimeout   = 10 * time.Second
	joinTimeout   = 10 * time.Second // from connect to a valid join
	closeTimeout  = 6 * time.Second  // flushing queued messages and the close handshake
)

// session is one WebSocket connection. The goroutine running run reads and
// handles messages in order; a writer goroutine drains the queue, so a slow
// client never blocks a room's broadcast, and a pinger keeps it alive.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	id     string
	remote string
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	out        chan outbound
	writerDone chan struct{}
	closeOnce  sync.Once
	joined     atomic.Bool
	closedByUs atomic.Bool // the server closed the socket on purpose (leave, refusal, failure, shutdown)

	// Owned by the reading goroutine.
	stop      bool
	readEnded websocket.StatusCode // the peer's close code; -1 when the socket just died
	part      *participant
	room      string // the room part is in
}

type outbound struct {
	data   []byte
	typ    string // the message type, so a backlog can leave SDP and candidates out
	close  bool   // close the socket after everything queued before
	code   websocket.StatusCode
	reason string
}

func newSession(srv *Server, conn *websocket.Conn, remote string) *session {
	ctx, cancel := context.WithCancel(srv.ctx)
	id := rand.Text()[:16]
	return &session{
		srv: srv, conn: conn, id: id, remote: remote, ctx: ctx, cancel: cancel,
		log:        srv.log.With("session", id, "remote", remote),
		out:        make(chan outbound, writeQueueLen),
		writerDone: make(chan struct{}),
	}
}

func (ss *session) run() {
	go ss.writeLoop()
	go ss.pingLoop()
	timer := time.AfterFunc(joinTimeout, func() {
		if !ss.joined.Load() {
			ss.send(0, Error{Code: CodeUnauthorized, Message: "no join within " + joinTimeout.String()})
			ss.closeWith(websocket.StatusPolicyViolation, "join timeout")
		}
	})
	defer timer.Stop()
	ss.readLoop()
	ss.teardown()
}

func (ss *session) readLoop() {
	for !ss.stop {
		typ, data, err := ss.conn.Read(ss.ctx)
		if err != nil {
			ss.readEnded = websocket.CloseStatus(err)
			ss.log.Debug("read ended", "status", ss.readEnded, "err", err)
			return
		}
		if typ != websocket.MessageText {
			ss.reportError(0, perr(CodeInvalid, "binary messages are not part of the protocol"))
			continue
		}
		env, m, err := DecodeClient(data)
		if err == nil {
			err = validate(m)
		}
		if err == nil {
			err = ss.handle(env, m)
		}
		if err != nil {
			ss.reportError(env.ID, err)
		}
	}
}

func (ss *session) handle(env Envelope, m Message) error {
	p := ss.part
	if p != nil && !p.link.holds(ss) {
		ss.stop = true // a newer socket took the session over
		return nil
	}
	if p == nil {
		switch m := m.(type) {
		case Join:
			return ss.join(env.ID, m)
		case Reconnect:
			return ss.reconnect(env.ID, m)
		case Leave:
			ss.stop = true
			return nil
		default:
			return perr(CodeInvalid, "%s before join", env.Type)
		}
	}
	switch m := m.(type) {
	case Join, Reconnect:
		return perr(CodeConflict, "this connection has already joined room %s", p.room.id)
	case Offer:
		return p.onOffer(env.ID, m.SDP)
	case Answer:
		return p.onAnswer(m.SDP)
	case Candidate:
		return p.onCandidate(m)
	case Publish:
		return p.onPublish(m)
	case Unpublish:
		return p.onUnpublish(m.TrackID)
	case Subscribe:
		return p.room.subscribe(p, m)
	case Mute:
		return p.room.mute(p, m)
	case RaiseHand:
		p.room.raiseHand(p, m.Raised)
	case Chat:
		p.room.chat(p, m.Text, ss.srv.now())
	case Leave:
		ss.stop = true
	}
	return nil
}

func (ss *session) join(id uint64, m Join) error {
	if m.ProtocolVersion != ProtocolVersion {
		return ss.refuse(id, perr(CodeUnsupported, "protocol version %d is not supported; this server speaks %d", m.ProtocolVersion, ProtocolVersion))
	}
	if m.Token == "" {
		return ss.refuse(id, perr(CodeUnauthorized, "join needs a room token"))
	}
	claims, err := ss.srv.signer.Verify(m.Token, ss.srv.now())
	if err != nil {
		ss.log.Info("join refused", "err", err)
		return ss.refuse(id, perr(CodeUnauthorized, "%s", tokenProblem(err)))
	}
	if err := ss.srv.node.route(claims.RoomID); err != nil {
		return ss.refuse(id, err)
	}
	info := ParticipantInfo{SessionID: ss.id, UserID: claims.UserID, Name: claims.Name, Role: claims.Role}
	plog := ss.log.With("room", claims.RoomID, "user", claims.UserID, "role", claims.Role)
	l := newLink(ss)
	p, err := newParticipant(ss.srv.api, info, plog, l.send, l.fail)
	if err != nil {
		return err
	}
	p.record = claims.Record
	p.link = l
	p.grace = ss.srv.grace
	ss.srv.busy.enter(claims.UserID)
	if err := ss.srv.join(p, id, claims.RoomID); err != nil {
		ss.srv.busy.leave(claims.UserID)
		p.close()
		return ss.refuse(id, err)
	}
	ss.part = p
	ss.room = claims.RoomID
	ss.joined.Store(true)
	ss.srv.presence(claims.RoomID, claims.UserID, true)
	plog.Info("joined")
	return nil
}

// reconnect takes over a session whose socket dropped (resume.go). The
// token must be valid now and name the session's room and user. Errors, with
// the socket kept open so the client can join afresh: CodeNotFound (no such
// session in that room, or its grace expired), CodeForbidden (another
// user's session). A bad token is refused and the socket closed.
func (ss *session) reconnect(id uint64, m Reconnect) error {
	claims, err := ss.srv.signer.Verify(m.Token, ss.srv.now())
	if err != nil {
		ss.log.Info("reconnect refused", "err", err)
		return ss.refuse(id, perr(CodeUnauthorized, "%s", tokenProblem(err)))
	}
	p, err := ss.srv.resume(ss, id, claims, m.SessionID)
	if err != nil {
		return err
	}
	ss.part = p
	ss.room = p.room.id
	ss.joined.Store(true)
	p.log.Info("resumed", "remote", ss.remote)
	p.resumed()
	return nil
}

func tokenProblem(err error) string {
	switch {
	case errors.Is(err, ErrExpiredToken):
		return "room token expired; ask the hub for a new one"
	case errors.Is(err, ErrBadSignature):
		return "room token signature is invalid"
	case errors.Is(err, ErrMalformedToken):
		return "room token is malformed"
	}
	return "room token rejected"
}

// refuse reports err, then closes the connection once it has been sent.
func (ss *session) refuse(id uint64, err error) error {
	ss.reportError(id, err)
	ss.closeWith(websocket.StatusPolicyViolation, "refused")
	ss.stop = true
	return nil
}

// reportError sends err as an error message. Only *ProtocolError texts reach
// the client; anything else is logged and reported as internal.
func (ss *session) reportError(id uint64, err error) {
	var pe *ProtocolError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &pe):
		ss.send(id, Error{Code: pe.Code, Message: pe.Message, SignalingURL: pe.SignalingURL})
	case errors.Is(err, ErrUnknownType):
		ss.send(id, Error{Code: CodeInvalid, Message: err.Error()})
	case errors.As(err, &se), errors.As(err, &te):
		ss.send(id, Error{Code: CodeInvalid, Message: "malformed message: " + err.Error()})
	default:
		ss.log.Error("request failed", "id", id, "err", err)
		ss.send(id, Error{Code: CodeInternal, Message: "internal error"})
	}
}

// send queues m; it never blocks. A client whose queue is full is too slow
// to keep up with its room and is disconnected.
func (ss *session) send(id uint64, m Message) {
	data, err := Encode(id, m)
	if err != nil {
		ss.log.Error("encode", "type", m.MessageType(), "err", err)
		return
	}
	ss.enqueue(outbound{data: data, typ: m.MessageType()})
}

// enqueue queues o without blocking. After the socket has died the queue
// still takes messages while it has room, because a parked participant's
// backlog is salvaged from it (resume.go).
func (ss *session) enqueue(o outbound) {
	select {
	case ss.out <- o:
	default:
		if ss.ctx.Err() == nil {
			ss.log.Warn("write queue full; disconnecting slow client")
			ss.cancel()
		}
	}
}

// closeWith closes the socket after the messages already queued; later
// calls are ignored. Safe from any goroutine.
func (ss *session) closeWith(code websocket.StatusCode, reason string) {
	ss.closeOnce.Do(func() {
		ss.closedByUs.Store(true)
		ss.enqueue(outbound{close: true, code: code, reason: reason})
	})
}

// fail ends the session because its media broke.
func (ss *session) fail(reason string) {
	ss.log.Warn("session failed", "reason", reason)
	ss.send(0, Error{Code: CodeInternal, Message: reason})
	ss.closeWith(websocket.StatusInternalError, "media failure")
}

func (ss *session) writeLoop() {
	defer close(ss.writerDone)
	for {
		select {
		case <-ss.ctx.Done():
			return
		case o := <-ss.out:
			if o.close {
				_ = ss.conn.Close(o.code, o.reason)
				ss.cancel() // nothing more will be written; stop queueing
				return
			}
			ctx, cancel := context.WithTimeout(ss.ctx, writeTimeout)
			err := ss.conn.Write(ctx, websocket.MessageText, o.data)
			cancel()
			if err != nil {
				ss.log.Debug("write failed", "err", err)
				ss.cancel()
				return
			}
		}
	}
}

func (ss *session) pingLoop() {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-ss.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(ss.ctx, pongTimeout)
			err := ss.conn.Ping(ctx)
			cancel()
			if err != nil {
				ss.log.Info("keepalive failed", "err", err)
				ss.cancel()
				return
			}
		}
	}
}

// dropped reports whether the socket died rather than being closed on
// purpose: no leave, no close frame from the client, no close by the server.
// Only a dropped session is kept for a reconnect.
func (ss *session) dropped() bool {
	return !ss.stop && !ss.closedByUs.Load() && ss.readEnded == -1
}

// teardown parks the participant when the socket dropped, or leaves the
// room; then it flushes what is queued, closes the socket and stops the
// helper goroutines.
func (ss *session) teardown() {
	if p := ss.part; p != nil {
		switch {
		case ss.dropped() && ss.srv.park(ss, p):
			p.log.Info("connection lost; kept for reconnect", "grace", ss.srv.grace)
		case p.link.end(ss):
			ss.srv.depart(p, ss.srv.now())
			p.log.Info("left")
		default:
			// A newer socket holds the session.
		}
	}
	ss.closeWith(websocket.StatusNormalClosure, "")
	select {
	case <-ss.writerDone:
	case <-time.After(closeTimeout):
	}
	ss.cancel()
	_ = ss.conn.CloseNow()
}
