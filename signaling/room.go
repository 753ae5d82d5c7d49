package signaling

// Rooms live in memory on the node that holds their sessions: created by the
// first join, removed when the last participant leaves. There is no room
// record anywhere else; the hub's consultation or ward round is the durable
// thing, the room only its live media.
//
// Locking: Server.mu (the registry) is taken before room.mu, never after.
// Room events are queued to sessions while room.mu is held, so every
// participant sees one room's events in the same order; PeerConnection work
// (attach, detach, renegotiation) happens after room.mu is released.

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/forward"
	"github.com/lianxin-hub/lianxin/signaling/record"
)

type room struct {
	id string

	mu       sync.Mutex
	members  map[string]*participant // by session id
	tracks   map[string]*roomTrack   // by track id
	rec      *roomRecording          // nil unless recording (recording.go)
	speakers *speakerDetector
}

// roomTrack is one published track. A simulcast track has up to
// forward.MaxLayers layers, each with its own Up, arriving one by one (one
// OnTrack per RID); a track without simulcast has one, in the top slot.
type roomTrack struct {
	info  TrackInfo // Muted is guarded by room.mu
	codec webrtc.RTPCodecCapability
	owner *participant

	mu     sync.Mutex // a leaf lock: taken under room.mu or participant.subMu
	layers [forward.MaxLayers]*forward.Up
}

// ups returns the track's layers that have arrived, lowest first.
func (t *roomTrack) ups() []*forward.Up {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*forward.Up, 0, forward.MaxLayers)
	for _, up := range t.layers {
		if up != nil {
			out = append(out, up)
		}
	}
	return out
}

func (t *roomTrack) has(up *forward.Up) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.layers[up.Layer()] == up
}

// close stops forwarding every layer.
func (t *roomTrack) close() {
	for _, up := range t.ups() {
		up.Close()
	}
}

func newRoom(id string) *room {
	return &room{id: id, members: map[string]*participant{}, tracks: map[string]*roomTrack{}, speakers: newSpeakerDetector(time.Now)}
}

// join registers p in its room (creating the room), queues joined for p and
// participant_joined for the others, then subscribes p to every track.
func (s *Server) join(p *participant, reqID uint64, roomID string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return perr(CodeUnsupported, "server is shutting down")
	}
	r := s.rooms[roomID]
	if r == nil {
		r = newRoom(roomID)
		s.rooms[roomID] = r
	}
	p.room = r
	r.mu.Lock()
	others := make([]ParticipantInfo, 0, len(r.members))
	for _, m := range r.sortedMembers() {
		others = append(others, m.info)
	}
	tracks := r.sortedTracks()
	infos := make([]TrackInfo, len(tracks))
	for i, t := range tracks {
		infos[i] = t.info
	}
	p.send(reqID, Joined{
		SessionID: p.info.SessionID, RoomID: roomID, ProtocolVersion: ProtocolVersion,
		Self: p.info, Participants: others, Tracks: infos, ICEServers: s.iceServersFor(p.info.UserID),
	})
	r.broadcastLocked(ParticipantJoined{Participant: p.info}, nil)
	r.members[p.info.SessionID] = p
	if p.record {
		s.recordLocked(r, p.log)
	}
	r.mu.Unlock()
	s.mu.Unlock()

	for _, t := range tracks {
		p.attach(t)
	}
	return nil
}

// leave removes p from its room, unpublishes its tracks, tells the others,
// drops the room if it is now empty, and closes p's PeerConnections.
func (s *Server) leave(p *participant) {
	r := p.room
	s.mu.Lock()
	r.mu.Lock()
	if _, ok := r.members[p.info.SessionID]; !ok {
		r.mu.Unlock()
		s.mu.Unlock()
		p.close()
		return
	}
	delete(r.members, p.info.SessionID)
	r.speakers.forget(p.info.SessionID)
	var owned []*roomTrack
	var stopped []*record.Track
	for _, t := range r.sortedTracks() {
		if t.owner == p {
			owned = append(owned, t)
			delete(r.tracks, t.info.TrackID)
			stopped = append(stopped, r.unrecordLocked(t.info.TrackID))
			r.broadcastLocked(TrackUnpublished{TrackID: t.info.TrackID, SessionID: p.info.SessionID, UserID: p.info.UserID}, nil)
		}
	}
	r.broadcastLocked(ParticipantLeft{SessionID: p.info.SessionID, UserID: p.info.UserID}, nil)
	others := r.sortedMembers()
	var rec *record.Recording
	if len(r.members) == 0 && s.rooms[r.id] == r {
		delete(s.rooms, r.id)
		rec = r.takeRecordingLocked()
	}
	r.mu.Unlock()
	s.mu.Unlock()
	for _, w := range stopped {
		finishTrack(w, p.log)
	}
	s.closeRecording(rec, p.log) // the room is empty: finalise its manifest

	for _, t := range owned {
		t.close()
		for _, o := range others {
			o.detach(t.info.TrackID)
		}
	}
	p.close()
}

// publish adds a track whose media has started to arrive (its first layer
// is in t) and subscribes everyone else to it. Errors: CodeConflict for a
// track id already in the room; CodeNotFound when the owner has left
// meanwhile.
func (r *room) publish(t *roomTrack) error {
	owner, info := t.owner, t.info
	r.mu.Lock()
	if r.members[owner.info.SessionID] != owner {
		r.mu.Unlock()
		return perr(CodeNotFound, "not in the room")
	}
	if _, dup := r.tracks[info.TrackID]; dup {
		r.mu.Unlock()
		return perr(CodeConflict, "track %q is already published in this room", info.TrackID)
	}
	r.tracks[info.TrackID] = t
	r.recordTrackLocked(t)
	r.broadcastLocked(TrackPublished{Track: info}, nil)
	subs := r.sortedMembers()
	r.mu.Unlock()
	for _, sub := range subs {
		if sub != owner {
			sub.attach(t)
		}
	}
	return nil
}

// addLayer adds a simulcast layer that arrived after the track's first one
// and offers it to the track's subscribers. Before publish, it only records
// the layer; publish's attach then picks it up.
func (r *room) addLayer(t *roomTrack, up *forward.Up) {
	t.mu.Lock()
	t.layers[up.Layer()] = up
	t.mu.Unlock()
	r.mu.Lock()
	subs := r.sortedMembers()
	r.mu.Unlock()
	for _, sub := range subs {
		if sub != t.owner {
			sub.addLayer(t, up)
		}
	}
}

// unpublish removes owner's track trackID. A non-nil up must be one of the
// track's layers, so an old reader ending cannot remove a newer track with
// the same id. Errors: CodeNotFound when owner has no such track.
func (r *room) unpublish(owner *participant, trackID string, up *forward.Up) error {
	r.mu.Lock()
	t := r.tracks[trackID]
	if t == nil || t.owner != owner || (up != nil && !t.has(up)) {
		r.mu.Unlock()
		return perr(CodeNotFound, "you have no track %q", trackID)
	}
	delete(r.tracks, trackID)
	stopped := r.unrecordLocked(trackID)
	r.broadcastLocked(TrackUnpublished{TrackID: trackID, SessionID: owner.info.SessionID, UserID: owner.info.UserID}, nil)
	subs := r.sortedMembers()
	r.mu.Unlock()
	finishTrack(stopped, owner.log)
	t.close()
	owner.forgetLayered(t)
	for _, sub := range subs {
		sub.detach(trackID)
	}
	return nil
}

// subscribe applies a subscriber's wanted quality. audio_only on a video
// track detaches it (saving the subscriber's downlink and decoder); high,
// medium and low re-attach it if needed and cap its layer (see
// participant.setWant). Errors: CodeNotFound for an unknown track.
func (r *room) subscribe(p *participant, m Subscribe) error {
	r.mu.Lock()
	t := r.tracks[m.TrackID]
	r.mu.Unlock()
	if t == nil {
		return perr(CodeNotFound, "no track %q in this room", m.TrackID)
	}
	if t.owner == p {
		return perr(CodeInvalid, "cannot subscribe to your own track")
	}
	if t.info.Kind == KindVideo && m.Quality == QualityAudioOnly {
		p.detach(m.TrackID)
	} else {
		p.attach(t)
		p.setWant(m)
	}
	return nil
}

// mute records a track's mute state and tells everyone. Errors:
// CodeNotFound for an unknown track, CodeForbidden for someone else's.
func (r *room) mute(p *participant, m Mute) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tracks[m.TrackID]
	if t == nil {
		return perr(CodeNotFound, "no track %q in this room", m.TrackID)
	}
	if t.owner != p {
		return perr(CodeForbidden, "only the owner can mute track %q", m.TrackID)
	}
	t.info.Muted = m.Muted
	r.broadcastLocked(Mute{TrackID: m.TrackID, Muted: m.Muted, UserID: p.info.UserID}, nil)
	return nil
}

func (r *room) raiseHand(p *participant, raised bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p.info.HandRaised = raised
	r.broadcastLocked(Hand{UserID: p.info.UserID, SessionID: p.info.SessionID, Raised: raised}, nil)
}

func (r *room) chat(p *participant, text string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.broadcastLocked(Chat{Text: text, UserID: p.info.UserID, SessionID: p.info.SessionID, Name: p.info.Name, SentAt: now.UnixMilli()}, nil)
}

// audioLevel feeds one packet's audio level from p's microphone to the
// speaker detector and broadcasts active_speaker when the speaker changes.
// It runs on the track's forwarding goroutine for every audio packet; the
// lock is held for a map update, and the decision under it keeps events in
// room order.
func (r *room) audioLevel(p *participant, level uint8) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.members[p.info.SessionID] != p {
		return
	}
	if m, changed := r.speakers.observe(p.info.SessionID, p.info.UserID, level); changed {
		r.broadcastLocked(m, nil)
	}
}

func (r *room) hasTrack(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tracks[id] != nil
}

func (r *room) trackCount(owner *participant) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, t := range r.tracks {
		if t.owner == owner {
			n++
		}
	}
	return n
}

// broadcastLocked queues m for every member except skip; r.mu must be held.
func (r *room) broadcastLocked(m Message, skip *participant) {
	for _, p := range r.members {
		if p != skip {
			p.send(0, m)
		}
	}
}

func (r *room) sortedMembers() []*participant {
	return slices.SortedFunc(maps.Values(r.members), func(a, b *participant) int {
		return strings.Compare(a.info.SessionID, b.info.SessionID)
	})
}

func (r *room) sortedTracks() []*roomTrack {
	return slices.SortedFunc(maps.Values(r.tracks), func(a, b *roomTrack) int {
		return strings.Compare(a.info.TrackID, b.info.TrackID)
	})
}

// RoomInfo is a snapshot of one live room, for operators and the hub.
type RoomInfo struct {
	ID           string
	Participants []ParticipantInfo
	Tracks       []TrackInfo
}

// Rooms returns a snapshot of the live rooms, sorted by id. It is safe to
// call at any time.
func (s *Server) Rooms() []RoomInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RoomInfo, 0, len(s.rooms))
	for _, r := range s.rooms {
		r.mu.Lock()
		ri := RoomInfo{ID: r.id}
		for _, p := range r.sortedMembers() {
			ri.Participants = append(ri.Participants, p.info)
		}
		for _, t := range r.sortedTracks() {
			ri.Tracks = append(ri.Tracks, t.info)
		}
		r.mu.Unlock()
		out = append(out, ri)
	}
	slices.SortFunc(out, func(a, b RoomInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}
