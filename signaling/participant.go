package signaling

// A participant has two PeerConnections, as in LiveKit's design rather than
// one renegotiated PC:
//
//   - the publisher PC carries the client's own tracks; the client always
//     offers on it and the server answers;
//   - the subscriber PC carries everyone else's tracks; the server always
//     offers on it (each time a track is added or removed) and the client
//     answers.
//
// Because each PC has a fixed offerer, offers never collide (no glare, no
// rollback), and a viewer, who never publishes, never has a publisher PC.

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/forward"
)

// MaxTracksPerParticipant bounds one participant's published tracks
// (microphone, camera, screen and screen audio, with room to spare).
const MaxTracksPerParticipant = 8

// answerTimeout is how long the server waits for the answer to its
// subscriber offer before giving up on the session.
const answerTimeout = 15 * time.Second

type participant struct {
	info ParticipantInfo // HandRaised is guarded by room.mu; the rest is immutable
	room *room
	api  apis
	log  *slog.Logger
	send func(id uint64, m Message)
	fail func(reason string) // ends the session from any goroutine
	// record: the token asked for the room to be recorded (recording.go).
	// fixed: the subscriber side is negotiated once by the client (WHIP,
	// WHEP; see whip.go), so attach and detach never renegotiate.
	record, fixed bool
	link          *link // the socket holding this participant (resume.go)
	// grace bounds how long a failed PeerConnection may take to recover
	// (by ICE restart) before the session fails; <= 0: fail at once.
	grace time.Duration

	pubMu     sync.Mutex
	pub       *webrtc.PeerConnection // nil until the first offer
	announced map[string]Publish     // announced, media not yet arrived
	layered   map[string]*roomTrack  // simulcast tracks whose first layer arrived, by id
	pubICE    iceQueue

	subMu       sync.Mutex
	sub         *webrtc.PeerConnection
	downs       map[string]*subscription // by track id
	negotiating uint64                   // generation of the outstanding offer; 0 = none
	generation  uint64
	renegotiate bool
	iceRestart  bool // the next subscriber offer restarts ICE
	restarted   bool // a restart was asked since the subscriber PC was last connected
	subICE      iceQueue
	closed      bool

	bw bandwidth // the subscriber's downlink estimate and layer choice loop
}

func newParticipant(api apis, info ParticipantInfo, log *slog.Logger, send func(uint64, Message), fail func(string)) (*participant, error) {
	p := &participant{
		info: info, api: api, log: log, send: send, fail: fail,
		announced: map[string]Publish{},
		layered:   map[string]*roomTrack{},
		downs:     map[string]*subscription{},
		pubICE:    iceQueue{target: TargetPublisher},
		subICE:    iceQueue{target: TargetSubscriber},
	}
	sub, err := api.sub.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p.sub = sub
	sub.OnICECandidate(func(c *webrtc.ICECandidate) { p.subICE.gathered(c, send) })
	watch := p.watch("subscriber", sub)
	sub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			// The keyframe each Down started at was most likely sent
			// before the transport was up (also after an ICE restart).
			p.requestKeyframes()
		}
		watch(s)
	})
	p.bw.init()
	go p.runLayers()
	return p, nil
}

// watch follows a PeerConnection's state. A connection that loses its path
// is restarted: the server offers an ICE restart on the subscriber PC, and
// on the publisher PC the client does (it is the offerer there; the server
// answers a restart offer like any other). A connection still failed after
// the grace period ends the session.
func (p *participant) watch(which string, pc *webrtc.PeerConnection) func(webrtc.PeerConnectionState) {
	return func(s webrtc.PeerConnectionState) {
		p.log.Debug("peer connection state", "pc", which, "state", s.String())
		switch s {
		case webrtc.PeerConnectionStateConnected:
			if which == "subscriber" {
				p.subMu.Lock()
				p.restarted = false
				p.subMu.Unlock()
			}
		case webrtc.PeerConnectionStateDisconnected, webrtc.PeerConnectionStateFailed:
			if which == "subscriber" {
				p.restartSubscriber()
			}
			if s != webrtc.PeerConnectionStateFailed {
				return
			}
			if p.grace <= 0 {
				p.fail(which + " media connection failed")
				return
			}
			time.AfterFunc(p.grace, func() {
				if st := pc.ConnectionState(); st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateDisconnected {
					p.fail(which + " media connection failed and did not recover")
				}
			})
		}
	}
}

// restartSubscriber offers an ICE restart on the subscriber PC, once per
// loss of connectivity, and only while a socket holds the participant: a
// parked one is restarted when it resumes.
func (p *participant) restartSubscriber() {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	if p.closed || p.restarted || p.sub.CurrentRemoteDescription() == nil {
		return // never answered: there is no ICE session to restart yet
	}
	if _, parked := p.link.parked(); parked {
		return
	}
	p.restarted = true
	p.iceRestart = true
	p.log.Info("restarting ICE", "pc", "subscriber")
	p.negotiate()
}

// resumed runs when a new socket has taken the participant over. The old
// path is probably gone, so the subscriber PC restarts ICE; an offer that
// was outstanding may have died with the old socket, so it is sent again
// first and the restart follows its answer.
func (p *participant) resumed() {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	if p.closed || p.generation == 0 {
		return // never negotiated: nothing to restart
	}
	// Restarting an ICE session that never got an answer would only race
	// its first DTLS handshake; the re-sent offer starts it afresh.
	p.iceRestart = p.sub.CurrentRemoteDescription() != nil
	if p.negotiating != 0 {
		p.renegotiate = true
		p.offer(p.sub.LocalDescription().SDP)
		return
	}
	p.negotiate()
}

// close tears down both PeerConnections; it is idempotent. Closing the
// publisher PC ends every Up's Run with io.EOF.
func (p *participant) close() {
	p.subMu.Lock()
	p.closed = true
	downs := p.downs
	p.downs = map[string]*subscription{}
	p.subMu.Unlock()
	p.bw.stop()
	for _, s := range downs {
		s.down.Close()
	}
	if p.sub != nil { // a WHIP publisher has none
		_ = p.sub.Close()
	}
	p.pubMu.Lock()
	pub := p.pub
	p.pubMu.Unlock()
	if pub != nil {
		_ = pub.Close()
	}
}

// requestKeyframes asks for a keyframe of every video track the subscriber
// receives: the one each Down started at was most likely written before the
// subscriber's transport was up, and lost.
func (p *participant) requestKeyframes() {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	for _, s := range p.downs {
		s.down.RequestKeyframe()
	}
}

// ---- publishing (client offers) ----

func (p *participant) onPublish(m Publish) error {
	if !p.info.Role.CanPublish() {
		return perr(CodeForbidden, "role %s cannot publish", p.info.Role)
	}
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	if _, dup := p.announced[m.TrackID]; dup || p.room.hasTrack(m.TrackID) {
		return perr(CodeConflict, "track %q is already published in this room", m.TrackID)
	}
	if len(p.announced)+p.room.trackCount(p) >= MaxTracksPerParticipant {
		return perr(CodeInvalid, "at most %d tracks per participant", MaxTracksPerParticipant)
	}
	p.announced[m.TrackID] = m
	return nil
}

// onUnpublish withdraws an announcement whose media has not arrived, or
// unpublishes a live track. Errors: CodeNotFound.
func (p *participant) onUnpublish(trackID string) error {
	p.pubMu.Lock()
	_, pending := p.announced[trackID]
	delete(p.announced, trackID)
	p.pubMu.Unlock()
	if pending {
		return nil
	}
	return p.room.unpublish(p, trackID, nil)
}

func (p *participant) onOffer(id uint64, sdp string) error {
	if !p.info.Role.CanPublish() {
		return perr(CodeForbidden, "role %s cannot publish", p.info.Role)
	}
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	if p.pub == nil {
		pc, err := p.api.pub.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			return err
		}
		pc.OnICECandidate(func(c *webrtc.ICECandidate) { p.pubICE.gathered(c, p.send) })
		pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) { p.onTrack(pc, t, r) })
		pc.OnConnectionStateChange(p.watch("publisher", pc))
		p.pub = pc
	}
	if err := p.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return perr(CodeInvalid, "offer rejected: %v", err)
	}
	p.pubICE.remoteSet(p.pub)
	answer, err := p.pub.CreateAnswer(nil)
	if err != nil {
		return perr(CodeInvalid, "cannot answer offer: %v", err)
	}
	p.pubICE.hold() // a restart offer makes us gather anew: no candidate before the answer
	if err := p.pub.SetLocalDescription(answer); err != nil {
		return err
	}
	p.pubICE.sendDescription(p.send, id, Answer{SDP: answer.SDP})
	return nil
}

// onTrack runs on Pion's goroutine when a published track's first packet
// arrives, once per simulcast layer (RID). Only announced tracks are
// forwarded. The first layer to arrive publishes the track; later layers
// join it.
func (p *participant) onTrack(pc *webrtc.PeerConnection, t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	kind := kindOf(t.Kind())
	p.pubMu.Lock()
	rt := p.layered[t.ID()]
	first := rt == nil
	if first {
		ann, ok := p.announced[t.ID()]
		delete(p.announced, t.ID())
		if ok && ann.Kind == kind {
			rt = &roomTrack{
				info:  TrackInfo{TrackID: ann.TrackID, SessionID: p.info.SessionID, UserID: p.info.UserID, Kind: kind, Source: ann.Source},
				codec: t.Codec().RTPCodecCapability,
				owner: p,
			}
			if t.RID() != "" {
				p.layered[t.ID()] = rt
			}
		}
	}
	p.pubMu.Unlock()
	if rt == nil {
		p.send(0, Error{Code: CodeInvalid, Message: "track " + t.ID() + " (" + string(kind) + ") was not announced with publish; not forwarded"})
		return
	}
	p.forwardLayer(pc, t, r, rt, first)
}

// forwardTrack publishes a remote track that is not simulcast (a WHIP
// encoder's) in the room as info, and forwards it until it ends.
func (p *participant) forwardTrack(pc *webrtc.PeerConnection, t *webrtc.TrackRemote, r *webrtc.RTPReceiver, info TrackInfo) {
	p.forwardLayer(pc, t, r, &roomTrack{info: info, codec: t.Codec().RTPCodecCapability, owner: p}, true)
}

// forwardLayer forwards one layer of rt (its only one, without simulcast)
// until it ends, publishing rt in the room with its first layer. The layer's
// Run starts only after that, so a recorder attached at publish sees the
// track from its first packet.
func (p *participant) forwardLayer(pc *webrtc.PeerConnection, t *webrtc.TrackRemote, r *webrtc.RTPReceiver, rt *roomTrack, first bool) {
	cfg := forward.UpConfig{
		Kind:  t.Kind(),
		Layer: layerOf(t.RID(), r),
		SSRC:  uint32(t.SSRC()),
		SendPLI: func(ssrc uint32) error {
			return pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
		},
	}
	if rt.info.Source == SourceMic {
		for _, ext := range r.GetParameters().HeaderExtensions {
			if ext.URI == audioLevelURI && ext.ID > 0 && ext.ID < 256 {
				cfg.AudioLevelExtID = uint8(ext.ID)
				cfg.AudioLevel = func(level uint8, _ bool) { p.room.audioLevel(p, level) }
			}
		}
	}
	up := forward.NewUp(t, cfg)
	go func() {
		// Sender reports must be read for Pion's report interceptor to
		// see them; the SFU has no other use for them yet.
		for {
			var err error
			if rid := t.RID(); rid != "" {
				_, _, err = r.ReadSimulcastRTCP(rid)
			} else {
				_, _, err = r.ReadRTCP()
			}
			if err != nil {
				return
			}
		}
	}()
	run := func() {
		go func() {
			if err := up.Run(); err != nil {
				p.log.Debug("published track ended", "track", rt.info.TrackID, "rid", t.RID(), "err", err)
			}
			p.room.unpublish(p, rt.info.TrackID, up)
		}()
	}
	p.room.addLayer(rt, up)
	if !first {
		run()
		return
	}
	err := p.room.publish(rt)
	run()
	if err != nil {
		rt.close()
		p.forgetLayered(rt)
		var pe *ProtocolError
		if errors.As(err, &pe) {
			p.send(0, Error{Code: pe.Code, Message: pe.Message})
		}
	}
}

// forgetLayered drops a simulcast track from the publisher's table once it
// is unpublished, so the id can be published again.
func (p *participant) forgetLayered(t *roomTrack) {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	if p.layered[t.info.TrackID] == t {
		delete(p.layered, t.info.TrackID)
	}
}

// ---- subscribing (server offers) ----

// attach adds t to the subscriber PC and renegotiates. It is a no-op when t
// is already attached, the participant is closing, or t was just closed.
// Video starts at the highest layer the subscriber's estimate allows.
func (p *participant) attach(t *roomTrack) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	if p.closed || p.fixed || p.downs[t.info.TrackID] != nil {
		return
	}
	// The stream id groups a participant's tracks into one MediaStream, so
	// browsers lip-sync its audio and video.
	local, err := webrtc.NewTrackLocalStaticRTP(t.codec, t.info.TrackID, t.info.SessionID)
	if err != nil {
		p.log.Error("new local track", "track", t.info.TrackID, "err", err)
		return
	}
	sender, err := p.sub.AddTrack(local)
	if err != nil {
		p.log.Error("add track to subscriber", "track", t.info.TrackID, "err", err)
		return
	}
	if !p.subscribeLocked(t, local, sender) {
		_ = p.sub.RemoveTrack(sender)
		return
	}
	p.negotiate()
}

// subscribeLocked starts forwarding t's layers into local, which sender
// carries, and records the subscription with its first layer chosen. It
// reports false, recording nothing, when t has no live layer left (it was
// just unpublished). p.subMu must be held.
func (p *participant) subscribeLocked(t *roomTrack, local *webrtc.TrackLocalStaticRTP, sender *webrtc.RTPSender) bool {
	d := forward.NewDown(local, sender, forward.DownConfig{ClockRate: t.codec.ClockRate, Estimate: p.bw.set})
	added := false
	for _, up := range t.ups() {
		added = d.AddLayer(up) || added
	}
	if !added {
		d.Close()
		return false
	}
	go d.Run()
	s := &subscription{track: t, down: d, want: forward.MaxLayers - 1, sel: forward.Selector{UpHold: p.bw.upHold}}
	p.downs[t.info.TrackID] = s
	p.chooseLocked(s, time.Now(), p.bw.budgetLocked(p.downs))
	return true
}

// addLayer offers a newly arrived layer of t to this subscriber's copy.
func (p *participant) addLayer(t *roomTrack, up *forward.Up) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	if s := p.downs[t.info.TrackID]; s != nil && s.track == t {
		s.down.AddLayer(up)
		p.chooseLocked(s, time.Now(), p.bw.budgetLocked(p.downs))
	}
}

// detach removes a track from the subscriber PC; absent tracks are ignored.
func (p *participant) detach(trackID string) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	s := p.downs[trackID]
	if s == nil {
		return
	}
	delete(p.downs, trackID)
	s.down.Close()
	if p.closed || p.fixed {
		return
	}
	_ = p.sub.RemoveTrack(s.down.Sender())
	p.negotiate()
}

// negotiate sends a subscriber offer now, or after the outstanding one is
// answered. p.subMu must be held.
func (p *participant) negotiate() {
	if p.closed {
		return
	}
	if p.negotiating != 0 {
		p.renegotiate = true
		return
	}
	offer, err := p.sub.CreateOffer(&webrtc.OfferOptions{ICERestart: p.iceRestart})
	if err == nil {
		p.subICE.hold() // an ICE restart gathers anew: no candidate before its offer
		err = p.sub.SetLocalDescription(offer)
	}
	if err != nil {
		p.log.Error("subscriber offer", "err", err)
		p.fail("cannot renegotiate the subscriber connection")
		return
	}
	p.iceRestart = false
	p.offer(offer.SDP)
}

// offer sends the subscriber offer sdp and waits for its answer;
// p.subMu must be held.
func (p *participant) offer(sdp string) {
	p.generation++
	gen := p.generation
	p.negotiating = gen
	mids := map[string]string{}
	for _, tr := range p.sub.GetTransceivers() {
		if s := tr.Sender(); s != nil && s.Track() != nil && tr.Mid() != "" {
			mids[tr.Mid()] = s.Track().ID()
		}
	}
	p.subICE.sendDescription(p.send, 0, Offer{SDP: sdp, Tracks: mids})
	time.AfterFunc(answerTimeout, func() {
		p.subMu.Lock()
		stuck := p.negotiating == gen && !p.closed
		p.subMu.Unlock()
		if stuck {
			p.fail("no answer to the subscriber offer")
		}
	})
}

func (p *participant) onAnswer(sdp string) error {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	if p.negotiating == 0 {
		return perr(CodeInvalid, "answer without an outstanding subscriber offer")
	}
	if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return perr(CodeInvalid, "answer rejected: %v", err)
	}
	p.negotiating = 0
	p.subICE.remoteSet(p.sub)
	if p.renegotiate {
		p.renegotiate = false
		p.negotiate()
	}
	return nil
}

func (p *participant) onCandidate(c Candidate) error {
	if c.Candidate == "" {
		return nil // end of candidates; Pion needs no marker
	}
	init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment}
	if c.Target == TargetSubscriber {
		return p.subICE.received(p.sub, init)
	}
	if !p.info.Role.CanPublish() {
		return perr(CodeForbidden, "role %s has no publisher connection", p.info.Role)
	}
	p.pubMu.Lock()
	pc := p.pub
	p.pubMu.Unlock()
	return p.pubICE.received(pc, init)
}

// iceQueue orders trickle ICE around the SDP on one PC: candidates we gather
// wait until our description has been queued for the client (a browser
// rejects a candidate before its description), and candidates the client
// sends wait until its description has been applied.
type iceQueue struct {
	target Target

	mu          sync.Mutex
	sent        bool
	local       []webrtc.ICECandidateInit
	remoteReady bool
	remote      []webrtc.ICECandidateInit
}

func (q *iceQueue) gathered(c *webrtc.ICECandidate, send func(uint64, Message)) {
	if c == nil {
		return // gathering finished; browsers need no marker
	}
	init := c.ToJSON()
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.sent {
		q.local = append(q.local, init)
		return
	}
	send(0, q.message(init))
}

func (q *iceQueue) message(c webrtc.ICECandidateInit) Candidate {
	return Candidate{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment, Target: q.target}
}

// hold keeps candidates gathered from now on until the next description is
// sent: a renegotiation that restarts ICE gathers candidates for the new
// credentials, which the client must not see before them.
func (q *iceQueue) hold() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent = false
}

// sendDescription queues desc, then any candidates gathered before it.
func (q *iceQueue) sendDescription(send func(uint64, Message), id uint64, desc Message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	send(id, desc)
	q.sent = true
	for _, c := range q.local {
		send(0, q.message(c))
	}
	q.local = nil
}

// received applies or queues a client candidate; pc may be nil when the
// publisher PC does not exist yet.
func (q *iceQueue) received(pc *webrtc.PeerConnection, c webrtc.ICECandidateInit) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.remoteReady || pc == nil {
		if len(q.remote) >= 64 {
			return perr(CodeInvalid, "too many candidates before the description")
		}
		q.remote = append(q.remote, c)
		return nil
	}
	if err := pc.AddICECandidate(c); err != nil {
		return perr(CodeInvalid, "candidate rejected: %v", err)
	}
	return nil
}

// remoteSet is called after each SetRemoteDescription on pc.
func (q *iceQueue) remoteSet(pc *webrtc.PeerConnection) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.remoteReady = true
	for _, c := range q.remote {
		_ = pc.AddICECandidate(c) // a stale candidate is not worth failing for
	}
	q.remote = nil
}
