package signaling

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// waitLimit bounds every wait in these tests. It is generous because the
// suite runs with -race on a shared 2-core machine; a healthy run takes a
// fraction of it. Nothing here sleeps to synchronise.
const waitLimit = 30 * time.Second

// loopbackOnly keeps every ICE candidate on 127.0.0.1/UDP so tests neither
// depend on nor leak onto the machine's network.
func loopbackOnly(se *webrtc.SettingEngine) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
}

func testLogger() *slog.Logger {
	if os.Getenv("LIANXIN_SFU_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startServer runs a Server behind httptest and returns it with its
// WebSocket URL. Cleanup closes the Server, then the listener.
func startServer(t *testing.T, tweak ...func(*Options)) (*Server, string) {
	t.Helper()
	o := Options{Signer: NewSigner(testKey), Logger: testLogger(), ConfigureWebRTC: loopbackOnly, NodeID: "test-node"}
	for _, f := range tweak {
		f(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		ts.Close()
	})
	return srv, "ws" + strings.TrimPrefix(ts.URL, "http") + PathWebSocket
}

func roomToken(t *testing.T, roomID, userID string, role Role) string {
	t.Helper()
	tok, err := NewSigner(testKey).Sign(Claims{RoomID: roomID, UserID: userID, Name: "name of " + userID, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type serverMsg struct {
	env Envelope
	msg Message
}

// client is a Go WebRTC client speaking the protocol over a real WebSocket,
// with the two PeerConnections a browser client would have.
type client struct {
	t      *testing.T
	name   string
	ws     *websocket.Conn // replaced by redial; read it through socket() off the test goroutine
	raw    net.Conn        // the TCP connection under ws, for cutting it
	wsMu   sync.Mutex
	api    *webrtc.API
	nextID atomic.Uint64

	events    chan serverMsg            // everything but SDP and candidates
	tracks    chan *webrtc.TrackRemote  // subscriber PC's OnTrack
	subOffers chan Offer                // every server offer, after it is answered
	closed    chan websocket.StatusCode // the socket's close status, once
	readDone  chan struct{}
	closing   atomic.Bool // set by close and by sending leave: PC errors are expected now
	pcConfig  webrtc.Configuration
	backlog   []serverMsg // seen by waitFor but not yet matched

	// gate holds back our candidates while a description is being set and
	// sent, so the server never sees a restarted ICE session's candidates
	// before the SDP with its credentials (as browsers behave).
	gate sync.Mutex

	mu   sync.Mutex
	pub  *webrtc.PeerConnection
	sub  *webrtc.PeerConnection
	pubQ []webrtc.ICECandidateInit // server candidates before the answer
	subQ []webrtc.ICECandidateInit // server candidates before the offer
}

type clientConfig struct {
	interceptors    []interceptor.Factory // run before Pion's defaults
	noReplayProtect bool
	audioLevel      bool                 // offer the RFC 6464 audio level header extension
	pc              webrtc.Configuration // both PCs: ICE servers, transport policy
}

func dial(t *testing.T, url, name string, cfg clientConfig) *client {
	t.Helper()
	ws, raw := dialSocket(t, url, name)

	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if cfg.audioLevel {
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: audioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	ir := &interceptor.Registry{}
	for _, f := range cfg.interceptors {
		ir.Add(f)
	}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	loopbackOnly(&se)
	se.LoggerFactory = pionLogs{testLogger()}
	if cfg.noReplayProtect {
		// The loss interceptor drops packets after SRTP has accepted them,
		// so SRTP's replay window would reject the repair as a replay. On a
		// real network the lost copy never reaches SRTP.
		se.DisableSRTPReplayProtection(true)
	}
	c := &client{
		t: t, name: name, ws: ws, raw: raw,
		api:       webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)),
		events:    make(chan serverMsg, 1024),
		tracks:    make(chan *webrtc.TrackRemote, 16),
		subOffers: make(chan Offer, 64),
		closed:    make(chan websocket.StatusCode, 1),
		readDone:  make(chan struct{}),
		pcConfig:  cfg.pc,
	}
	go c.readLoop(ws, c.events, c.readDone, c.closed)
	t.Cleanup(c.close)
	return c
}

// dialSocket opens a WebSocket and returns it with the TCP connection under
// it, which a test can close to simulate a network drop (no close frame).
func dialSocket(t *testing.T, url, name string) (*websocket.Conn, net.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	var raw net.Conn
	var d net.Dialer
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		raw = c
		return c, err
	}}}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	ws.SetReadLimit(1 << 20)
	return ws, raw
}

// socket is the current WebSocket.
func (c *client) socket() *websocket.Conn {
	c.wsMu.Lock()
	defer c.wsMu.Unlock()
	return c.ws
}

// cut closes the TCP connection under the WebSocket, as a network loss
// would: the server sees the socket die without a close frame. The PCs stay.
func (c *client) cut() {
	c.t.Helper()
	_ = c.raw.Close()
	<-c.readDone
	for m := range c.events { // keep what arrived before the cut
		c.backlog = append(c.backlog, m)
	}
}

// redial opens a new WebSocket for the same client (after cut), keeping its
// PeerConnections, as a browser does when it reconnects.
func (c *client) redial(url string) {
	c.t.Helper()
	ws, raw := dialSocket(c.t, url, c.name)
	c.wsMu.Lock()
	c.ws, c.raw = ws, raw
	c.events = make(chan serverMsg, 1024)
	c.readDone = make(chan struct{})
	c.closed = make(chan websocket.StatusCode, 1)
	c.wsMu.Unlock()
	go c.readLoop(ws, c.events, c.readDone, c.closed)
}

// close stops the reader before closing the PCs, so no late server offer is
// applied to a closed PC, and nothing logs after the test has finished.
func (c *client) close() {
	c.closing.Store(true)
	_ = c.socket().CloseNow()
	c.wsMu.Lock()
	done := c.readDone
	c.wsMu.Unlock()
	<-done
	c.mu.Lock()
	pub, sub := c.pub, c.sub
	c.mu.Unlock()
	for _, pc := range []*webrtc.PeerConnection{pub, sub} {
		if pc != nil {
			_ = pc.Close()
		}
	}
}

func (c *client) send(m Message) uint64 {
	if _, ok := m.(Leave); ok {
		c.closing.Store(true)
	}
	id := c.nextID.Add(1)
	data, err := Encode(id, m)
	if err != nil {
		c.t.Errorf("%s: encode: %v", c.name, err)
		return id
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_ = c.socket().Write(ctx, websocket.MessageText, data) // a failed write shows up as a missing reply
	return id
}

func (c *client) readLoop(ws *websocket.Conn, events chan serverMsg, done chan struct{}, closed chan websocket.StatusCode) {
	defer close(done)
	defer close(events)
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			closed <- websocket.CloseStatus(err)
			return
		}
		env, msg, err := DecodeServer(data)
		if err != nil {
			c.errorf("undecodable server message %s: %v", data, err)
			continue
		}
		switch m := msg.(type) {
		case Offer:
			c.onOffer(m)
		case Answer:
			c.onAnswer(m)
		case Candidate:
			c.onCandidate(m)
		default:
			events <- serverMsg{env, msg}
		}
	}
}

// errorf fails the test for a client-side WebRTC error, unless the client is
// closing, when its PCs are expected to refuse work.
func (c *client) errorf(format string, args ...any) {
	if !c.closing.Load() {
		c.t.Errorf(c.name+": "+format, args...)
	}
}

func (c *client) trickle(pc *webrtc.PeerConnection, target Target) {
	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic == nil {
			return
		}
		j := ic.ToJSON()
		c.gate.Lock()
		defer c.gate.Unlock()
		c.send(Candidate{Candidate: j.Candidate, SDPMid: j.SDPMid, SDPMLineIndex: j.SDPMLineIndex, Target: target})
	})
}

func (c *client) onOffer(o Offer) {
	c.gate.Lock()
	defer c.gate.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sub == nil {
		pc, err := c.api.NewPeerConnection(c.pcConfig)
		if err != nil {
			c.errorf("%v", err)
			return
		}
		c.trickle(pc, TargetSubscriber)
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { c.tracks <- tr })
		c.sub = pc
	}
	if err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: o.SDP}); err != nil {
		c.errorf("set offer: %v", err)
		return
	}
	for _, q := range c.subQ {
		_ = c.sub.AddICECandidate(q)
	}
	c.subQ = nil
	ans, err := c.sub.CreateAnswer(nil)
	if err == nil {
		err = c.sub.SetLocalDescription(ans)
	}
	if err != nil {
		c.errorf("answer: %v", err)
		return
	}
	c.send(Answer{SDP: ans.SDP})
	select {
	case c.subOffers <- o:
	default: // only TestSubscribeAudioOnlyDetachesVideo reads these
	}
}

func (c *client) onAnswer(a Answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: a.SDP}); err != nil {
		c.errorf("set answer: %v", err)
		return
	}
	for _, q := range c.pubQ {
		_ = c.pub.AddICECandidate(q)
	}
	c.pubQ = nil
}

func (c *client) onCandidate(m Candidate) {
	init := webrtc.ICECandidateInit{Candidate: m.Candidate, SDPMid: m.SDPMid, SDPMLineIndex: m.SDPMLineIndex}
	c.mu.Lock()
	defer c.mu.Unlock()
	pc, q := c.sub, &c.subQ
	if m.Target == TargetPublisher {
		pc, q = c.pub, &c.pubQ
	}
	if pc == nil || pc.RemoteDescription() == nil {
		*q = append(*q, init)
		return
	}
	_ = pc.AddICECandidate(init)
}

// waitFor returns the first server message (other than SDP and candidates)
// satisfying match, keeping the others for later waits.
func (c *client) waitFor(what string, match func(serverMsg) bool) serverMsg {
	c.t.Helper()
	for i, m := range c.backlog {
		if match(m) {
			c.backlog = append(c.backlog[:i:i], c.backlog[i+1:]...)
			return m
		}
	}
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		select {
		case m, ok := <-c.events:
			if !ok {
				c.t.Fatalf("%s: connection closed while waiting for %s", c.name, what)
			}
			if match(m) {
				return m
			}
			c.backlog = append(c.backlog, m)
		case <-deadline.C:
			c.t.Fatalf("%s: no %s within %v; saw %d other messages", c.name, what, waitLimit, len(c.backlog))
		}
	}
}

func (c *client) waitType(typ string) serverMsg {
	c.t.Helper()
	return c.waitFor(typ, func(m serverMsg) bool { return m.env.Type == typ })
}

// waitError waits for the error answering request id.
func (c *client) waitError(id uint64) Error {
	c.t.Helper()
	return c.waitFor("error", func(m serverMsg) bool { return m.env.Type == "error" && m.env.ID == id }).msg.(Error)
}

func (c *client) join(tok string) Joined {
	c.t.Helper()
	id := c.send(Join{Token: tok, ProtocolVersion: ProtocolVersion})
	m := c.waitFor("joined", func(m serverMsg) bool { return m.env.ID == id })
	j, ok := m.msg.(Joined)
	if !ok {
		c.t.Fatalf("%s: join answered with %s %+v", c.name, m.env.Type, m.msg)
	}
	return j
}

// waitClosed returns the close status the server sent.
func (c *client) waitClosed() websocket.StatusCode {
	c.t.Helper()
	select {
	case code := <-c.closed:
		return code
	case <-time.After(waitLimit):
		c.t.Fatalf("%s: server did not close the connection", c.name)
		return 0
	}
}

// nextTrack returns the next track received on the subscriber PC.
func (c *client) nextTrack() *webrtc.TrackRemote {
	c.t.Helper()
	select {
	case tr := <-c.tracks:
		return tr
	case <-time.After(waitLimit):
		c.t.Fatalf("%s: no track arrived within %v", c.name, waitLimit)
		return nil
	}
}

// pubTrack is a track to publish with its announcement.
type pubTrack struct {
	Publish
	track webrtc.TrackLocal
}

// publish announces the tracks, adds them to a new publisher PC and sends
// the offer; readLoop applies the answer. It returns the RTPSenders in the
// order given.
func (c *client) publish(items ...pubTrack) []*webrtc.RTPSender {
	c.t.Helper()
	pc, err := c.api.NewPeerConnection(c.pcConfig)
	if err != nil {
		c.t.Fatal(err)
	}
	c.trickle(pc, TargetPublisher)
	var senders []*webrtc.RTPSender
	for _, it := range items {
		s, err := pc.AddTrack(it.track)
		if err != nil {
			c.t.Fatal(err)
		}
		senders = append(senders, s)
		c.send(it.Publish)
	}
	c.mu.Lock()
	c.pub = pc
	c.mu.Unlock()
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(Offer{SDP: offer.SDP})
	return senders
}
