package signaling

import (
	"bytes"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Simulcast through the SFU with a Pion publisher sending three synthetic
// VP8 layers (q, h, f) and Opus.

// layerSizes are the frame sizes of layers q, h and f: about 55, 330 and 490
// kbit/s at 50 frames a second with headers, far enough apart that an
// estimate picks exactly one even when a loaded machine makes the measured
// rates swing by half.
var layerSizes = [3]int{100, 800, 1200}

// layerPixels are the picture sizes of layers q, h and f.
var layerPixels = [3][2]int{{320, 180}, {640, 360}, {1280, 720}}

// layerFrame is frame i of a layer: a VP8 frame tag (keyframe or not), the
// start code and the layer's picture size, then the layer, the index and a
// pattern, so a receiver can tell layers apart and check every byte.
func layerFrame(layer int, i uint32, key bool) []byte {
	b := make([]byte, layerSizes[layer])
	b[0] = 0x51 // P=1: interframe
	if key {
		b[0] = 0x50
	}
	copy(b[3:], []byte{0x9d, 0x01, 0x2a})
	binary.LittleEndian.PutUint16(b[6:], uint16(layerPixels[layer][0]))
	binary.LittleEndian.PutUint16(b[8:], uint16(layerPixels[layer][1]))
	b[10] = byte(layer)
	binary.BigEndian.PutUint32(b[11:], i)
	for j := 15; j < len(b); j++ {
		b[j] = byte(i*13 + uint32(j) + uint32(layer)*101)
	}
	return b
}

// simulcastPublisher is the publishing side: one TrackLocalStaticRTP per
// RID on one sender, written packet by packet so the test controls
// keyframes, sequence numbers and timestamps.
type simulcastPublisher struct {
	layers   [3]*webrtc.TrackLocalStaticRTP
	sender   *webrtc.RTPSender
	midID    uint8
	ridID    uint8
	wantKey  [3]atomic.Bool
	plis     chan int // layer of each PLI the publisher receives
	ssrcs    [3]uint32
	keyEvery uint32
}

var rids = [3]string{"q", "h", "f"}

func publishSimulcast(t *testing.T, c *client, mic *webrtc.TrackLocalStaticSample) *simulcastPublisher {
	t.Helper()
	sp := &simulcastPublisher{plis: make(chan int, 256), keyEvery: 100}
	for l, rid := range rids {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "host", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		sp.layers[l] = tr
	}
	pc, err := c.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c.trickle(pc, TargetPublisher)
	if _, err := pc.AddTrack(mic); err != nil {
		t.Fatal(err)
	}
	c.send(Publish{TrackID: "mic", Kind: KindAudio, Source: SourceMic})
	sp.sender, err = pc.AddTrack(sp.layers[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range sp.layers[1:] {
		if err := sp.sender.AddEncoding(tr); err != nil {
			t.Fatal(err)
		}
	}
	c.send(Publish{TrackID: "cam", Kind: KindVideo, Source: SourceCamera})
	c.mu.Lock()
	c.pub = pc
	c.mu.Unlock()
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		t.Fatal(err)
	}
	params := sp.sender.GetParameters()
	for _, ext := range params.HeaderExtensions {
		switch ext.URI {
		case "urn:ietf:params:rtp-hdrext:sdes:mid":
			sp.midID = uint8(ext.ID)
		case "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id":
			sp.ridID = uint8(ext.ID)
		}
	}
	if sp.midID == 0 || sp.ridID == 0 {
		t.Fatalf("publisher did not negotiate the mid and rid header extensions: %+v", params.HeaderExtensions)
	}
	for l, enc := range params.Encodings {
		sp.ssrcs[l] = uint32(enc.SSRC)
	}
	var mid string
	for _, tr := range pc.GetTransceivers() {
		if tr.Sender() == sp.sender {
			mid = tr.Mid()
		}
	}
	c.send(Offer{SDP: offer.SDP})

	for l, rid := range rids {
		go func() {
			for {
				pkts, _, err := sp.sender.ReadSimulcastRTCP(rid)
				if err != nil {
					return
				}
				for _, p := range pkts {
					if pli, ok := p.(*rtcp.PictureLossIndication); ok && pli.MediaSSRC == sp.ssrcs[l] {
						sp.wantKey[l].Store(true)
						select {
						case sp.plis <- l:
						default:
						}
					}
				}
			}
		}()
	}
	ctx := t.Context()
	go func() {
		tick := time.NewTicker(frameInterval)
		defer tick.Stop()
		seqs := [3]uint16{1000, 20000, 40000}
		tsBase := [3]uint32{1 << 20, 1 << 28, 3 << 30}
		for i := uint32(0); ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for l, tr := range sp.layers {
				key := i%sp.keyEvery == 0 || sp.wantKey[l].Swap(false)
				pkt := rtp.Packet{
					Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seqs[l], Timestamp: tsBase[l] + i*90*uint32(frameInterval/time.Millisecond)},
					// Payload descriptor: S=1, partition 0; then the frame.
					Payload: append([]byte{0x10}, layerFrame(l, i, key)...),
				}
				_ = pkt.Header.SetExtension(sp.midID, []byte(mid))
				_ = pkt.Header.SetExtension(sp.ridID, []byte(rids[l]))
				seqs[l]++
				_ = tr.WriteRTP(&pkt)
			}
		}
	}()
	return sp
}

// videoPacket is one packet as the subscriber received it.
type videoPacket struct {
	seq   uint16
	ts    uint32
	layer int
	idx   uint32
	key   bool
	ok    bool // the frame is byte for byte what the publisher sent
}

func receiveLayers(tr *webrtc.TrackRemote) <-chan videoPacket {
	out := make(chan videoPacket, 8192)
	go func() {
		defer close(out)
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if len(pkt.Payload) < 16 || int(pkt.Payload[11]) >= len(layerSizes) {
				continue
			}
			f := pkt.Payload[1:]
			v := videoPacket{seq: pkt.SequenceNumber, ts: pkt.Timestamp, layer: int(f[10]), idx: binary.BigEndian.Uint32(f[11:]), key: f[0]&1 == 0}
			v.ok = bytes.Equal(f, layerFrame(v.layer, v.idx, v.key))
			select {
			case out <- v:
			default:
			}
		}
	}()
	return out
}

func nextVideo(t *testing.T, ch <-chan videoPacket) videoPacket {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("video track ended")
		}
		if !v.ok {
			t.Fatalf("layer %d frame %d (seq %d) differs from what the publisher sent", v.layer, v.idx, v.seq)
		}
		return v
	case <-time.After(waitLimit):
		t.Fatalf("no video within %v", waitLimit)
		return videoPacket{}
	}
}

// untilLayer reads video until the first packet of layer and returns it
// with the newest packet before it. On the way it checks that the stream is
// one stream: within a layer, sequence numbers advance exactly as frame
// indexes do (so a packet lost on the loopback leaves a gap but no
// mismatch), timestamps never go back, and the first packet of a new layer
// follows the newest packet of the old one with the next sequence number.
// Repairs of older packets (NACKed retransmissions) are skipped.
func untilLayer(t *testing.T, ch <-chan videoPacket, prev videoPacket, layer int) (before, first videoPacket) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		v := nextVideo(t, ch)
		started := prev.seq != 0 || prev.ts != 0
		if started {
			if int16(v.seq-prev.seq) <= 0 {
				continue // a repair of something already passed
			}
			switch {
			case v.layer == prev.layer && uint32(v.seq-prev.seq) != v.idx-prev.idx:
				t.Fatalf("layer %d: seq %d -> %d but frame %d -> %d", v.layer, prev.seq, v.seq, prev.idx, v.idx)
			case v.layer != prev.layer && v.seq != prev.seq+1:
				t.Fatalf("sequence jumped from %d to %d at the switch from layer %d to %d", prev.seq, v.seq, prev.layer, v.layer)
			case int32(v.ts-prev.ts) < 0:
				t.Fatalf("timestamp went back from %d to %d (layer %d -> %d)", prev.ts, v.ts, prev.layer, v.layer)
			}
		}
		if v.layer == layer {
			return prev, v
		}
		if time.Now().After(deadline) {
			t.Fatalf("no packet of layer %d within %v", layer, waitLimit)
		}
		prev = v
	}
}

func waitQuality(t *testing.T, c *client, q Quality, reason QualityReason) {
	t.Helper()
	c.waitFor("quality "+string(q)+"/"+string(reason), func(m serverMsg) bool {
		qc, ok := m.msg.(QualityChange)
		return ok && qc.TrackID == "cam" && qc.Quality == q && qc.Reason == reason
	})
}

func TestSFUSimulcast(t *testing.T) {
	srv, url := startServer(t)
	const roomID = "ward-round-sim"
	host := dial(t, url, "host", clientConfig{})
	host.join(roomToken(t, roomID, "attending", RoleHost))
	sub := dial(t, url, "sub", clientConfig{})
	sub.join(roomToken(t, roomID, "rural-gp", RoleParticipant))
	// A second subscriber whose choices are its own.
	viewer := dial(t, url, "viewer", clientConfig{})
	viewer.join(roomToken(t, roomID, "student", RoleViewer))

	mic := sampleTrack(t, webrtc.MimeTypeOpus, "mic", "host")
	pub := publishSimulcast(t, host, mic)
	pump(t, mic)

	trs := tracksByID(sub, 2)
	if trs["cam"] == nil || trs["mic"] == nil {
		t.Fatalf("subscriber received %v, want cam and mic", trs)
	}
	video := receiveLayers(trs["cam"])
	audio := receive(trs["mic"])
	rooms := srv.Rooms()
	if len(rooms) != 1 || len(rooms[0].Tracks) != 2 {
		t.Fatalf("Rooms() = %+v, want one camera track for three layers, plus the mic", rooms)
	}

	// By default the subscriber gets the high layer, and then only its
	// payloads, on a continuous stream. (Whether the very first packet is a
	// keyframe is not checked: the SFU starts at one, but packets written
	// before the subscriber's DTLS is up are lost, and the SFU asks for
	// another keyframe once it is.)
	_, v := untilLayer(t, video, videoPacket{}, 2)
	for n := 0; n < 30; {
		w := nextVideo(t, video)
		if int16(w.seq-v.seq) <= 0 {
			continue // a repair
		}
		if w.layer != 2 || uint32(w.seq-v.seq) != w.idx-v.idx {
			t.Fatalf("after layer 2 frame %d (seq %d): layer %d frame %d seq %d", v.idx, v.seq, w.layer, w.idx, w.seq)
		}
		v, n = w, n+1
	}
	next(t, "mic", audio)

	// subscribe low: a PLI reaches the low layer's SSRC, and the switch
	// lands on a keyframe of it with no gap and no step back in time.
	for len(pub.plis) > 0 {
		<-pub.plis
	}
	sub.send(Subscribe{TrackID: "cam", Quality: QualityLow})
	select {
	case l := <-pub.plis:
		for l != 0 {
			select {
			case l = <-pub.plis:
			case <-time.After(waitLimit):
				t.Fatal("no PLI for the low layer")
			}
		}
	case <-time.After(waitLimit):
		t.Fatal("no PLI reached the publisher after subscribe low")
	}
	before, first := untilLayer(t, video, v, 0)
	if !first.key {
		t.Fatalf("switch to low landed on frame %d, not a keyframe", first.idx)
	}
	if before.layer != 2 || first.seq != before.seq+1 || int32(first.ts-before.ts) <= 0 {
		t.Fatalf("switch: %+v then %+v; want seq +1 and a later timestamp", before, first)
	}
	v = first
	for n := 0; n < 10; {
		w := nextVideo(t, video)
		if int16(w.seq-v.seq) <= 0 {
			continue // a repair
		}
		if w.layer != 0 {
			t.Fatalf("layer %d after switching to low", w.layer)
		}
		v, n = w, n+1
	}

	// Layers are chosen per subscriber: the viewer still gets high.
	vv := receiveLayers(tracksByID(viewer, 2)["cam"])
	_, w := untilLayer(t, vv, videoPacket{}, 2)
	for range 10 {
		if w = nextVideo(t, vv); w.layer != 2 {
			t.Fatalf("viewer got layer %d while the other subscriber asked for low", w.layer)
		}
	}

	// Back to high, then the link collapses: low, then audio only.
	sub.send(Subscribe{TrackID: "cam", Quality: QualityHigh})
	_, v = untilLayer(t, video, v, 2)
	// The subscriber reports its downlink in REMB, as a browser does.
	remb := func(bps float32) {
		t.Helper()
		sub.mu.Lock()
		pc := sub.sub
		sub.mu.Unlock()
		err := pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: bps, SSRCs: []uint32{uint32(trs["cam"].SSRC())}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	remb(200_000) // leaves ~150 kbit/s for video: only the low layer fits
	waitQuality(t, sub, QualityLow, ReasonBandwidth)
	before, first = untilLayer(t, video, v, 0)
	if !first.key || first.seq != before.seq+1 {
		t.Fatalf("bandwidth drop to low: %+v then %+v", before, first)
	}
	v = first

	remb(60_000) // not even the low layer
	waitQuality(t, sub, QualityAudioOnly, ReasonBandwidth)
	// Video stops while audio continues: after a few audio frames for
	// whatever was in flight, a stretch of 25 audio frames brings no video.
	for range 5 {
		next(t, "mic", audio)
	}
	for drained := false; !drained; {
		select {
		case w := <-video:
			if int16(w.seq-v.seq) > 0 {
				v = w
			}
		default:
			drained = true
		}
	}
	for range 25 {
		next(t, "mic", audio)
	}
	for drained := false; !drained; {
		select {
		case w := <-video:
			if int16(w.seq-v.seq) > 0 {
				t.Fatalf("video packet seq %d (layer %d frame %d) arrived while audio only", w.seq, w.layer, w.idx)
			}
		default:
			drained = true
		}
	}

	// The link recovers: after the hold, back to high, resuming on a
	// keyframe right after the last packet sent before the pause.
	remb(2_000_000)
	waitQuality(t, sub, QualityHigh, ReasonRequested)
	first = nextVideo(t, video)
	for int16(first.seq-v.seq) <= 0 { // repairs of packets from before the pause
		first = nextVideo(t, video)
	}
	if first.layer != 2 || !first.key || first.seq != v.seq+1 || int32(first.ts-v.ts) <= 0 {
		t.Fatalf("recovery: last before the pause %+v, first after %+v; want a high keyframe, seq +1, later timestamp", v, first)
	}
	next(t, "mic", audio)

	// Rendered at 600x340 device pixels, the 640x360 layer is enough.
	sub.send(Subscribe{TrackID: "cam", Quality: QualityHigh, Width: 600, Height: 340})
	waitQuality(t, sub, QualityMedium, ReasonSize)
	before, first = untilLayer(t, video, first, 1)
	if !first.key || first.seq != before.seq+1 {
		t.Fatalf("switch for the rendered size: %+v then %+v", before, first)
	}
}

// A lossy subscriber switches layers twice while every 7th packet is lost
// on its link: the NACKs are answered across the rewrite, each from the
// cache of the layer the packet came from, and the subscriber ends up with
// one gapless stream in which every run of a layer has consecutive frames.
func TestSFUSimulcastRepairsLossAcrossSwitches(t *testing.T) {
	srv, url := startServer(t)
	const roomID = "ward-round-lossy"
	host := dial(t, url, "host", clientConfig{})
	host.join(roomToken(t, roomID, "attending", RoleHost))
	loss := &lossFactory{every: 7, dropped: map[uint16]bool{}}
	sub := dial(t, url, "lossy", clientConfig{interceptors: []interceptor.Factory{loss}, noReplayProtect: true})
	sub.join(roomToken(t, roomID, "rural-gp", RoleParticipant))
	mic := sampleTrack(t, webrtc.MimeTypeOpus, "mic", "host")
	publishSimulcast(t, host, mic)
	pump(t, mic)
	video := receiveLayers(tracksByID(sub, 2)["cam"])

	_, v := untilLayer(t, video, videoPacket{}, 2)
	start := v.seq
	const window = 200
	got := map[uint16]videoPacket{}
	switched := 0
	deadline := time.Now().Add(waitLimit)
	for len(got) < window {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sequence numbers arrived: loss across switches was not repaired", len(got), window)
		}
		w := nextVideo(t, video)
		if k := w.seq - start; k >= 1 && k <= window {
			got[w.seq] = w
		}
		// Switch down after 50 packets, back up after 110.
		if n := len(got); (n > 50 && switched == 0) || (n > 110 && switched == 1) {
			q := QualityLow
			if switched == 1 {
				q = QualityHigh
			}
			sub.send(Subscribe{TrackID: "cam", Quality: q})
			switched++
		}
	}
	layersSeen := map[int]bool{}
	for k := uint16(2); k <= window; k++ {
		a, b := got[start+k-1], got[start+k]
		layersSeen[b.layer] = true
		if a.layer == b.layer && b.idx != a.idx+1 {
			t.Fatalf("seq %d is layer %d frame %d after frame %d: a repair came from the wrong place", start+k, b.layer, b.idx, a.idx)
		}
		if a.layer != b.layer && !b.key {
			t.Fatalf("seq %d switches from layer %d to %d on a non-keyframe", start+k, a.layer, b.layer)
		}
	}
	if !layersSeen[0] || !layersSeen[2] {
		t.Fatalf("layers seen in the window: %v; the test switched nothing", layersSeen)
	}
	if st := downStats(t, srv, roomID, "rural-gp", "cam"); st.Retransmitted < window/7-2 {
		t.Fatalf("SFU retransmitted %d packets in a window of %d with every 7th lost", st.Retransmitted, window)
	}
}
