package signaling

import (
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
)

// Reconnect, ICE restart and grace expiry, with real Pion peers. Network
// loss is simulated by closing the TCP connection under a client's
// WebSocket: the server sees it die without a close frame, as it would
// when a phone leaves Wi-Fi.

// parkedSignal makes startServer report each parked session on the channel.
func parkedSignal(ch chan string) func(*Options) {
	return func(o *Options) {
		o.onParked = func(id string) {
			select {
			case ch <- id:
			default: // cleanup parks everyone left; nobody listens then
			}
		}
	}
}

func waitString(t *testing.T, what string, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(waitLimit):
		t.Fatalf("no %s within %v", what, waitLimit)
		return ""
	}
}

// reconnect sends reconnect on c's (new) socket and returns the reply.
func (c *client) reconnect(tok, sessionID string) serverMsg {
	c.t.Helper()
	id := c.send(Reconnect{Token: tok, SessionID: sessionID})
	return c.waitFor("reply to reconnect", func(m serverMsg) bool { return m.env.ID == id })
}

// iceConnected returns a channel that hears every time pc's ICE connection
// becomes connected (Pion goes back to checking on a restart).
func iceConnected(pc *webrtc.PeerConnection) <-chan struct{} {
	ch := make(chan struct{}, 16)
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateConnected {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	})
	return ch
}

func waitSignal(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		t.Fatalf("no %s within %v", what, waitLimit)
	}
}

func ufrag(sdp string) string {
	for line := range strings.SplitSeq(sdp, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
			return v
		}
	}
	return ""
}

// restartPublisherICE offers an ICE restart on c's publisher PC, as a
// browser does after pc.restartIce(), and waits for ICE to reconnect.
// It returns the old and new ufrags of the offer.
func (c *client) restartPublisherICE() (before, after string) {
	c.t.Helper()
	c.mu.Lock()
	pc := c.pub
	c.mu.Unlock()
	before = ufrag(pc.LocalDescription().SDP)
	connected := iceConnected(pc)
	c.gate.Lock()
	offer, err := pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		c.gate.Unlock()
		c.t.Fatalf("%s: restart offer: %v", c.name, err)
	}
	c.send(Offer{SDP: offer.SDP})
	c.gate.Unlock()
	waitSignal(c.t, c.name+" publisher ICE reconnect", connected)
	return before, ufrag(offer.SDP)
}

// drain empties ch, so what is read next arrived after this point.
func drain(ch <-chan received) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// packetsFlow reads n intact frames from each channel.
func packetsFlow(t *testing.T, who string, n int, chs ...<-chan received) {
	t.Helper()
	for _, ch := range chs {
		drain(ch)
		for range n {
			next(t, who, ch)
		}
	}
}

// noLeaveSeen checks, after a round trip through the room, that c never
// heard of anyone leaving or unpublishing.
func noLeaveSeen(t *testing.T, c *client) {
	t.Helper()
	c.send(Chat{Text: "sync"})
	c.waitFor("chat echo", func(m serverMsg) bool { ch, ok := m.msg.(Chat); return ok && ch.Text == "sync" })
	for _, m := range c.backlog {
		if m.env.Type == "participant_left" || m.env.Type == "track_unpublished" {
			t.Fatalf("%s saw %s %+v", c.name, m.env.Type, m.msg)
		}
	}
}

func findParticipant(t *testing.T, srv *Server, roomID, sessionID string) *participant {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	r := srv.rooms[roomID]
	if r == nil {
		t.Fatalf("no room %s", roomID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.members[sessionID]
	if p == nil {
		t.Fatalf("no session %s in room %s", sessionID, roomID)
	}
	return p
}

// (a) A publishes, B subscribes. A's socket dies; A reconnects on a new
// socket within the grace. B never hears A leave, A gets what it missed,
// attendance records one continuous stay, and after A restarts ICE its
// media still reaches B.
func TestReconnectResumesSessionWithinGrace(t *testing.T) {
	parked := make(chan string, 4)
	attendance := make(chan RoomPresence, 16)
	_, url := startServer(t, parkedSignal(parked), func(o *Options) {
		o.ReconnectGrace = time.Minute // never the limit here
		o.OnPresence = func(p RoomPresence) { attendance <- p }
	})
	const roomID = "consult-9"
	a := dial(t, url, "a", clientConfig{})
	ja := a.join(roomToken(t, roomID, "dr-wang", RoleHost))
	b := dial(t, url, "b", clientConfig{})
	b.join(roomToken(t, roomID, "patient-zhao", RoleParticipant))

	mic := sampleTrack(t, webrtc.MimeTypeOpus, "a-mic", "a")
	cam := sampleTrack(t, webrtc.MimeTypeVP8, "a-cam", "a")
	a.publish(pubTrack{Publish{TrackID: "a-mic", Kind: KindAudio, Source: SourceMic}, mic},
		pubTrack{Publish{TrackID: "a-cam", Kind: KindVideo, Source: SourceCamera}, cam})
	pump(t, mic, cam)
	got := tracksByID(b, 2)
	audio, video := receive(got["a-mic"]), receive(got["a-cam"])
	next(t, "b", audio)
	next(t, "b", video)

	a.cut()
	if id := waitString(t, "parked session", parked); id != ja.SessionID {
		t.Fatalf("parked %s, want %s", id, ja.SessionID)
	}
	b.send(Chat{Text: "你还在吗?"}) // sent while A is away

	a.redial(url)
	m := a.reconnect(roomToken(t, roomID, "dr-wang", RoleHost), ja.SessionID)
	j, ok := m.msg.(Joined)
	if !ok {
		t.Fatalf("reconnect answered with %s %+v", m.env.Type, m.msg)
	}
	if !j.Resumed || j.SessionID != ja.SessionID || j.RoomID != roomID || j.Self.UserID != "dr-wang" {
		t.Fatalf("joined = %+v, want the same session resumed", j)
	}
	if len(j.Participants) != 1 || j.Participants[0].UserID != "patient-zhao" {
		t.Fatalf("participants = %+v, want only B", j.Participants)
	}
	if len(j.Tracks) != 2 {
		t.Fatalf("tracks = %+v, want A's two, still published", j.Tracks)
	}
	if c := a.waitType("chat").msg.(Chat); c.Text != "你还在吗?" {
		t.Fatalf("missed chat = %+v", c)
	}

	before, after := a.restartPublisherICE()
	if before == after || after == "" {
		t.Fatalf("restart offer kept ufrag %q", before)
	}
	packetsFlow(t, "b after A resumed", 50, audio, video)
	noLeaveSeen(t, b)

	// One continuous stay each: two entries, no exit.
	var entries int
	for len(attendance) > 0 {
		if p := <-attendance; !p.Joined {
			t.Fatalf("attendance recorded an exit: %+v", p)
		}
		entries++
	}
	if entries != 2 {
		t.Fatalf("%d entries, want 2", entries)
	}
}

// (a') A reconnect while the server still thinks the old socket is alive
// takes the session over and closes the old socket.
func TestReconnectTakesOverLiveSocket(t *testing.T) {
	_, url := startServer(t)
	a := dial(t, url, "a", clientConfig{})
	ja := a.join(roomToken(t, "r", "u1", RoleParticipant))
	b := dial(t, url, "b", clientConfig{})
	b.join(roomToken(t, "r", "u2", RoleParticipant))

	a2 := dial(t, url, "a2", clientConfig{})
	if j, ok := a2.reconnect(roomToken(t, "r", "u1", RoleParticipant), ja.SessionID).msg.(Joined); !ok || !j.Resumed {
		t.Fatalf("takeover answered %+v", j)
	}
	a.closing.Store(true)
	a.waitClosed()
	a2.send(Chat{Text: "from the new socket"})
	if c := b.waitType("chat").msg.(Chat); c.SessionID != ja.SessionID {
		t.Fatalf("chat from session %s, want %s", c.SessionID, ja.SessionID)
	}
	noLeaveSeen(t, b)
}

// (b) ICE restarts on both PCs: the publisher's client offers one (new
// ufrag), and the server offers one on the subscriber PC (what it does when
// that PC disconnects or a session resumes). Media keeps flowing after each.
func TestICERestartKeepsMediaFlowing(t *testing.T) {
	srv, url := startServer(t)
	const roomID = "round-3"
	a := dial(t, url, "a", clientConfig{})
	a.join(roomToken(t, roomID, "host", RoleHost))
	b := dial(t, url, "b", clientConfig{})
	jb := b.join(roomToken(t, roomID, "viewer", RoleViewer))
	cam := sampleTrack(t, webrtc.MimeTypeVP8, "cam", "a")
	a.publish(pubTrack{Publish{TrackID: "cam", Kind: KindVideo, Source: SourceCamera}, cam})
	pump(t, cam)
	video := receive(b.nextTrack())
	next(t, "b", video)

	before, after := a.restartPublisherICE()
	if before == after || after == "" {
		t.Fatalf("publisher restart kept ufrag %q", before)
	}
	packetsFlow(t, "b after publisher restart", 50, video)

	b.mu.Lock()
	sub := b.sub
	oldUfrag := ufrag(sub.RemoteDescription().SDP)
	b.mu.Unlock()
	connected := iceConnected(sub)
	for len(b.subOffers) > 0 { // earlier offers, already answered
		<-b.subOffers
	}
	findParticipant(t, srv, roomID, jb.SessionID).restartSubscriber()
	var offer Offer
	select {
	case offer = <-b.subOffers:
	case <-time.After(waitLimit):
		t.Fatal("no subscriber restart offer")
	}
	if u := ufrag(offer.SDP); u == oldUfrag || u == "" {
		t.Fatalf("subscriber restart offer kept ufrag %q", oldUfrag)
	}
	waitSignal(t, "subscriber ICE reconnect", connected)
	packetsFlow(t, "b after subscriber restart", 50, video)

	// B's socket drops and B resumes: the server restarts the subscriber
	// PC again, on the new socket, and video keeps coming.
	oldUfrag = ufrag(offer.SDP)
	connected = iceConnected(sub)
	b.cut()
	b.redial(url)
	if j, ok := b.reconnect(roomToken(t, roomID, "viewer", RoleViewer), jb.SessionID).msg.(Joined); !ok || !j.Resumed {
		t.Fatalf("B's reconnect answered %+v", j)
	}
	select {
	case offer = <-b.subOffers:
	case <-time.After(waitLimit):
		t.Fatal("no subscriber restart offer after the resume")
	}
	if u := ufrag(offer.SDP); u == oldUfrag || u == "" {
		t.Fatalf("resume offer kept ufrag %q", oldUfrag)
	}
	waitSignal(t, "subscriber ICE reconnect after resume", connected)
	packetsFlow(t, "b after resuming", 50, video)
}

// (c) When the grace runs out, the dropped participant leaves for real:
// B sees its track unpublished and it leaving, attendance records the exit,
// and a late reconnect is told to join afresh.
func TestReconnectGraceExpiryLeaves(t *testing.T) {
	attendance := make(chan RoomPresence, 16)
	parkedAt := make(chan time.Time, 1)
	_, url := startServer(t, func(o *Options) {
		o.ReconnectGrace = 100 * time.Millisecond
		o.OnPresence = func(p RoomPresence) { attendance <- p }
		o.onParked = func(string) {
			select {
			case parkedAt <- time.Now():
			default: // cleanup parks the others too
			}
		}
	})
	a := dial(t, url, "a", clientConfig{})
	ja := a.join(roomToken(t, "r", "dr-li", RoleHost))
	b := dial(t, url, "b", clientConfig{})
	b.join(roomToken(t, "r", "gp", RoleParticipant))
	mic := sampleTrack(t, webrtc.MimeTypeOpus, "mic", "a")
	a.publish(pubTrack{Publish{TrackID: "mic", Kind: KindAudio, Source: SourceMic}, mic})
	pump(t, mic)
	b.nextTrack()

	a.cut()
	var parked time.Time
	select {
	case parked = <-parkedAt:
	case <-time.After(waitLimit):
		t.Fatal("A was not parked")
	}
	if u := b.waitType("track_unpublished").msg.(TrackUnpublished); u.TrackID != "mic" || u.SessionID != ja.SessionID {
		t.Fatalf("track_unpublished = %+v", u)
	}
	if l := b.waitType("participant_left").msg.(ParticipantLeft); l.SessionID != ja.SessionID || l.UserID != "dr-li" {
		t.Fatalf("participant_left = %+v", l)
	}
	for exited := false; !exited; {
		select {
		case p := <-attendance:
			if !p.Joined && p.UserID == "dr-li" {
				exited = true
				// The exit is when the socket dropped, not when the grace ran out.
				if p.At.After(parked) {
					t.Fatalf("exit recorded %v after the drop: the grace counted as presence", p.At.Sub(parked))
				}
			}
		case <-time.After(waitLimit):
			t.Fatal("attendance heard no exit")
		}
	}

	a.redial(url)
	m := a.reconnect(roomToken(t, "r", "dr-li", RoleHost), ja.SessionID)
	if e, ok := m.msg.(Error); !ok || e.Code != CodeNotFound {
		t.Fatalf("late reconnect answered %s %+v, want not_found", m.env.Type, m.msg)
	}
	if j := a.join(roomToken(t, "r", "dr-li", RoleHost)); j.SessionID == ja.SessionID || j.Resumed {
		t.Fatalf("fresh join after expiry = %+v", j)
	}
}

// (d) A reconnect names a session the token does not cover: another
// user's (forbidden), one in another room or one that never existed
// (not_found, socket still open); a bad token is refused and closed.
func TestReconnectRefused(t *testing.T) {
	_, url := startServer(t)
	a := dial(t, url, "a", clientConfig{})
	ja := a.join(roomToken(t, "r1", "u1", RoleHost))

	x := dial(t, url, "x", clientConfig{})
	for _, tc := range []struct {
		name, tok, session string
		code               ErrorCode
	}{
		{"another user's session", roomToken(t, "r1", "u2", RoleHost), ja.SessionID, CodeForbidden},
		{"another room", roomToken(t, "r2", "u1", RoleHost), ja.SessionID, CodeNotFound},
		{"unknown session", roomToken(t, "r1", "u1", RoleHost), "NOSUCHSESSION000", CodeNotFound},
	} {
		m := x.reconnect(tc.tok, tc.session)
		if e, ok := m.msg.(Error); !ok || e.Code != tc.code {
			t.Errorf("%s: answered %s %+v, want %s", tc.name, m.env.Type, m.msg, tc.code)
		}
	}
	// The socket is still usable: join afresh.
	x.join(roomToken(t, "r1", "u3", RoleParticipant))

	y := dial(t, url, "y", clientConfig{})
	if m := y.reconnect("v1.forged.token", ja.SessionID); m.msg.(Error).Code != CodeUnauthorized {
		t.Fatalf("bad token: %+v", m.msg)
	}
	if code := y.waitClosed(); code != websocket.StatusPolicyViolation {
		t.Fatalf("close = %v, want 1008", code)
	}
	// A kept its session through all of it.
	a.send(Chat{Text: "still here"})
	if c := a.waitType("chat").msg.(Chat); c.SessionID != ja.SessionID {
		t.Fatalf("chat = %+v", c)
	}
}

// A track published while B is away reaches B after it resumes: the
// subscriber offer that went nowhere is sent again on the new socket (with
// no ICE restart after it: that PC never had an ICE session to restart).
func TestResumeDeliversTracksPublishedWhileAway(t *testing.T) {
	parked := make(chan string, 4)
	_, url := startServer(t, parkedSignal(parked))
	b := dial(t, url, "b", clientConfig{})
	jb := b.join(roomToken(t, "r", "student", RoleViewer))
	a := dial(t, url, "a", clientConfig{})
	a.join(roomToken(t, "r", "lecturer", RoleHost))

	b.cut()
	waitString(t, "parked session", parked)
	cam := sampleTrack(t, webrtc.MimeTypeVP8, "cam", "a")
	a.publish(pubTrack{Publish{TrackID: "cam", Kind: KindVideo, Source: SourceCamera}, cam})
	pump(t, cam)
	a.waitType("track_published") // the offer for B has been made, and dropped

	b.redial(url)
	m := b.reconnect(roomToken(t, "r", "student", RoleViewer), jb.SessionID)
	if j, ok := m.msg.(Joined); !ok || len(j.Tracks) != 1 || j.Tracks[0].TrackID != "cam" {
		t.Fatalf("reconnect answered %s %+v, want the camera listed", m.env.Type, m.msg)
	}
	packetsFlow(t, "b", 50, receive(b.nextTrack()))
}
