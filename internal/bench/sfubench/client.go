package sfubench

// A Go client of the signaling protocol, as cheap as it can be made: it
// speaks PROTOCOL.md over the real WebSocket with two PeerConnections like a
// browser, but registers no interceptors (no NACKs, receiver reports or TWCC
// feedback sent back) and never decodes, so that on a shared machine two
// hundred of them cost the SFU's neighbour core as little as possible.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling"
)

// newClientAPI is the Pion API all clients of a run share: Opus and VP8 as
// the SFU registers them, the simulcast header extensions for a simulcast
// publisher, host candidates over UDP/IPv4 without mDNS.
func newClientAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: opusCodec, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: vp8Codec, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(&interceptor.Registry{}),
		webrtc.WithSettingEngine(se)), nil
}

var (
	opusCodec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}
	vp8Codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
		RTCPFeedback: []webrtc.RTCPFeedback{{Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}}
)

// client is one participant.
type client struct {
	ws      *websocket.Conn
	api     *webrtc.API
	onTrack func(*webrtc.TrackRemote)
	nextID  atomic.Uint64
	replies chan reply // joined and error messages
	done    chan struct{}
	failed  atomic.Pointer[error]

	mu   sync.Mutex
	pub  *webrtc.PeerConnection
	sub  *webrtc.PeerConnection
	pubQ []webrtc.ICECandidateInit
	subQ []webrtc.ICECandidateInit
}

type reply struct {
	id  uint64
	msg signaling.Message
}

// dialClient opens the signaling WebSocket; onTrack (on Pion's goroutine)
// receives each track of the subscriber PC.
func dialClient(ctx context.Context, url string, api *webrtc.API, onTrack func(*webrtc.TrackRemote)) (*client, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(1 << 20)
	c := &client{ws: ws, api: api, onTrack: onTrack, replies: make(chan reply, 16), done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

func (c *client) fail(err error) {
	c.failed.CompareAndSwap(nil, &err)
}

func (c *client) err() error {
	if e := c.failed.Load(); e != nil {
		return *e
	}
	return nil
}

func (c *client) send(m signaling.Message) uint64 {
	id := c.nextID.Add(1)
	data, err := signaling.Encode(id, m)
	if err != nil {
		c.fail(err)
		return id
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		c.fail(fmt.Errorf("send %s: %w", m.MessageType(), err))
	}
	return id
}

func (c *client) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		env, msg, err := signaling.DecodeServer(data)
		if err != nil {
			continue
		}
		switch m := msg.(type) {
		case signaling.Offer:
			c.onOffer(m)
		case signaling.Answer:
			c.onAnswer(m)
		case signaling.Candidate:
			c.onCandidate(m)
		case signaling.Joined, signaling.Error:
			if env.ID != 0 {
				select {
				case c.replies <- reply{env.ID, msg}:
				default:
				}
			} else if e, ok := m.(signaling.Error); ok {
				c.fail(fmt.Errorf("server error: %s: %s", e.Code, e.Message))
			}
		}
	}
}

func (c *client) trickle(pc *webrtc.PeerConnection, target signaling.Target) {
	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic == nil {
			return
		}
		j := ic.ToJSON()
		c.send(signaling.Candidate{Candidate: j.Candidate, SDPMid: j.SDPMid, SDPMLineIndex: j.SDPMLineIndex, Target: target})
	})
}

func (c *client) onOffer(o signaling.Offer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sub == nil {
		pc, err := c.api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			c.fail(err)
			return
		}
		c.trickle(pc, signaling.TargetSubscriber)
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			if c.onTrack != nil {
				c.onTrack(tr)
			}
		})
		c.sub = pc
	}
	if err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: o.SDP}); err != nil {
		c.fail(fmt.Errorf("subscriber offer: %w", err))
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
		c.fail(fmt.Errorf("subscriber answer: %w", err))
		return
	}
	c.send(signaling.Answer{SDP: ans.SDP})
}

func (c *client) onAnswer(a signaling.Answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pub == nil {
		return
	}
	if err := c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: a.SDP}); err != nil {
		c.fail(fmt.Errorf("publisher answer: %w", err))
		return
	}
	for _, q := range c.pubQ {
		_ = c.pub.AddICECandidate(q)
	}
	c.pubQ = nil
}

func (c *client) onCandidate(m signaling.Candidate) {
	init := webrtc.ICECandidateInit{Candidate: m.Candidate, SDPMid: m.SDPMid, SDPMLineIndex: m.SDPMLineIndex}
	c.mu.Lock()
	defer c.mu.Unlock()
	pc, q := c.sub, &c.subQ
	if m.Target == signaling.TargetPublisher {
		pc, q = c.pub, &c.pubQ
	}
	if pc == nil || pc.RemoteDescription() == nil {
		*q = append(*q, init)
		return
	}
	_ = pc.AddICECandidate(init)
}

// join sends join with token and waits for joined. The server's offer for
// the room's tracks follows on its own.
func (c *client) join(ctx context.Context, token string) error {
	id := c.send(signaling.Join{Token: token, ProtocolVersion: signaling.ProtocolVersion})
	for {
		select {
		case r := <-c.replies:
			if r.id != id {
				continue
			}
			if e, ok := r.msg.(signaling.Error); ok {
				return fmt.Errorf("join refused: %s: %s", e.Code, e.Message)
			}
			return nil
		case <-c.done:
			return errors.New("join: the server closed the connection")
		case <-ctx.Done():
			return fmt.Errorf("join: %w", ctx.Err())
		}
	}
}

// close leaves the room and closes both PeerConnections.
func (c *client) close() {
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		_ = c.ws.CloseNow()
		<-c.done
	}
	c.mu.Lock()
	pub, sub := c.pub, c.sub
	c.mu.Unlock()
	for _, pc := range []*webrtc.PeerConnection{pub, sub} {
		if pc != nil {
			_ = pc.Close()
		}
	}
}

// publisher is a client sending a Stream: Opus on one track and VP8 on
// another, with one encoding per layer.
type publisher struct {
	*client
	stream *Stream
	audio  *webrtc.TrackLocalStaticRTP
	video  []*webrtc.TrackLocalStaticRTP // by layer
	sent   atomic.Uint64
	// owed counts what one viewer with no bandwidth limit receives: the audio
	// and the top video layer (the SFU forwards one layer per viewer).
	owed atomic.Uint64
}

// publish announces and offers the stream's tracks, then sends its packets
// until ctx ends. A PLI from the SFU makes the next frames keyframes.
func (c *client) publish(ctx context.Context, layers []Layer) (*publisher, error) {
	p := &publisher{client: c, stream: NewStream(layers)}
	var err error
	if p.audio, err = webrtc.NewTrackLocalStaticRTP(opusCodec, "mic", "presenter"); err != nil {
		return nil, err
	}
	for _, l := range layers {
		var opts []func(*webrtc.TrackLocalStaticRTP)
		if l.RID != "" {
			opts = append(opts, webrtc.WithRTPStreamID(l.RID))
		}
		tr, err := webrtc.NewTrackLocalStaticRTP(vp8Codec, "cam", "presenter", opts...)
		if err != nil {
			return nil, err
		}
		p.video = append(p.video, tr)
	}
	pc, err := c.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.pub = pc
	c.mu.Unlock()
	c.trickle(pc, signaling.TargetPublisher)
	c.send(signaling.Publish{TrackID: "mic", Kind: signaling.KindAudio, Source: signaling.SourceMic})
	c.send(signaling.Publish{TrackID: "cam", Kind: signaling.KindVideo, Source: signaling.SourceCamera})
	if _, err := pc.AddTrack(p.audio); err != nil {
		return nil, err
	}
	vs, err := pc.AddTrack(p.video[0])
	if err != nil {
		return nil, err
	}
	for _, tr := range p.video[1:] {
		if err := vs.AddEncoding(tr); err != nil {
			return nil, fmt.Errorf("simulcast encoding %s: %w", tr.RID(), err)
		}
	}
	// Each simulcast encoding has its own RTCP: the SFU asks the layer it
	// switches a viewer to for a keyframe, so every layer's PLIs are read.
	for _, tr := range p.video {
		read := vs.ReadRTCP
		if rid := tr.RID(); rid != "" {
			read = func() ([]rtcp.Packet, interceptor.Attributes, error) { return vs.ReadSimulcastRTCP(rid) }
		}
		go func() {
			for {
				pkts, _, err := read()
				if err != nil {
					return
				}
				for _, pk := range pkts {
					switch pk.(type) {
					case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
						p.stream.RequestKeyframe()
					}
				}
			}
		}()
	}
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		return nil, err
	}
	c.send(signaling.Offer{SDP: offer.SDP})
	var midID, ridID uint8 // negotiated header extension ids, once known
	var mid []byte
	go p.stream.Run(ctx, func(kind int, pkt *rtp.Packet) {
		tr := p.audio
		if kind >= KindVideo {
			tr = p.video[kind-KindVideo]
			if tr.RID() != "" {
				// Pion does not tag simulcast packets itself: a receiver
				// tells the encodings apart by these two extensions.
				if ridID == 0 {
					midID, ridID, mid = simulcastExtensions(pc, vs)
				}
				if ridID == 0 {
					return // not negotiated yet
				}
				pkt.Header.Extensions = nil
				_ = pkt.Header.SetExtension(midID, mid)
				_ = pkt.Header.SetExtension(ridID, []byte(tr.RID()))
			}
		}
		if tr.WriteRTP(pkt) == nil {
			p.sent.Add(1)
			if kind < KindVideo || kind == KindVideo+len(p.video)-1 {
				p.owed.Add(1)
			}
		}
	})
	return p, nil
}

// simulcastExtensions returns the ids negotiated for the mid and rid header
// extensions on s, and s's mid; zeros before the answer.
func simulcastExtensions(pc *webrtc.PeerConnection, s *webrtc.RTPSender) (midID, ridID uint8, mid []byte) {
	for _, t := range pc.GetTransceivers() {
		if t.Sender() == s {
			mid = []byte(t.Mid())
		}
	}
	for _, e := range s.GetParameters().HeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midID = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(e.ID)
		}
	}
	if midID == 0 || len(mid) == 0 || pc.RemoteDescription() == nil {
		return 0, 0, nil
	}
	return midID, ridID, mid
}
