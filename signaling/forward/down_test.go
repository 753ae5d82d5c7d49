package forward

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// sink records what a subscriber would receive: boundTrack binds a
// TrackLocalStaticRTP to it, so Down can be tested without a PeerConnection.
type sink struct {
	mu   sync.Mutex
	pkts []rtp.Packet
}

func (s *sink) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pkts = append(s.pkts, rtp.Packet{Header: *h, Payload: append([]byte(nil), payload...)})
	return len(payload), nil
}
func (s *sink) Write(b []byte) (int, error) { return 0, errors.New("unused") }

func (s *sink) take() []rtp.Packet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.pkts
	s.pkts = nil
	return out
}

type fakeContext struct{ w webrtc.TrackLocalWriter }

func (c fakeContext) CodecParameters() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96}}
}
func (fakeContext) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter { return nil }
func (fakeContext) SSRC() webrtc.SSRC                                      { return 4242 }
func (fakeContext) SSRCRetransmission() webrtc.SSRC                        { return 0 }
func (fakeContext) SSRCForwardErrorCorrection() webrtc.SSRC                { return 0 }
func (c fakeContext) WriteStream() webrtc.TrackLocalWriter                 { return c.w }
func (fakeContext) ID() string                                             { return "test" }
func (fakeContext) RTCPReader() interceptor.RTCPReader                     { return nil }

func boundTrack(t testing.TB) (*webrtc.TrackLocalStaticRTP, *sink) {
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", "s")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{}
	if _, err := tr.Bind(fakeContext{w: s}); err != nil {
		t.Fatal(err)
	}
	return tr, s
}

// feed stores a packet in up's cache and offers it to d as Up.Run would.
func feed(up *Up, d *Down, seq uint16, ts uint32, key bool, at int64) {
	payload := []byte{0x10, 0x51, byte(up.layer), byte(seq)}
	if key {
		payload[1] = 0x50
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, SSRC: 1000 + uint32(up.layer)}, Payload: payload}
	b, _ := p.Marshal()
	up.cache.Store(seq, b)
	d.write(up, &p, IsVP8Keyframe(p.Payload), at)
}

func TestDownSwitchesAtKeyframesAndRepairsFromTheRightLayer(t *testing.T) {
	var plis []uint32
	var mu sync.Mutex
	newLayer := func(l int) *Up {
		return NewUp(nil, UpConfig{Kind: webrtc.RTPCodecTypeVideo, Layer: l, SSRC: 1000 + uint32(l), KeyframeInterval: time.Nanosecond,
			SendPLI: func(ssrc uint32) error { mu.Lock(); plis = append(plis, ssrc); mu.Unlock(); return nil }})
	}
	low, high := newLayer(0), newLayer(2)
	tr, out := boundTrack(t)
	d := NewDown(tr, nil, DownConfig{ClockRate: 90000})
	d.AddLayer(low)
	d.AddLayer(high)
	d.SetTarget(2)

	ms := int64(time.Millisecond)
	// Interframes of the target are held back until its keyframe.
	feed(high, d, 500, 9000, false, 0)
	feed(low, d, 70, 100, true, 0)
	if got := out.take(); len(got) != 0 {
		t.Fatalf("forwarded %d packets before a keyframe of the target", len(got))
	}
	feed(high, d, 501, 12000, true, 20*ms)
	feed(high, d, 502, 15000, false, 40*ms)
	feed(low, d, 71, 1900, false, 40*ms) // not the current layer
	got := out.take()
	if len(got) != 2 || got[0].SequenceNumber != 501 || got[1].SequenceNumber != 502 || got[1].Payload[2] != 2 {
		t.Fatalf("high layer forwarded as %+v, want seq 501 and 502 unchanged", got)
	}

	mu.Lock()
	plis = nil
	mu.Unlock()
	d.SetTarget(0)
	mu.Lock()
	if len(plis) != 1 || plis[0] != 1000 {
		t.Fatalf("SetTarget(0) sent PLIs %v, want one to the low layer's SSRC 1000", plis)
	}
	mu.Unlock()
	feed(high, d, 503, 18000, false, 60*ms) // still high until low's keyframe
	feed(low, d, 72, 3700, false, 60*ms)    // not a keyframe: dropped
	feed(low, d, 73, 5500, true, 80*ms)     // the switch
	feed(high, d, 504, 21000, false, 80*ms) // no longer forwarded
	feed(low, d, 74, 7300, false, 100*ms)
	got = out.take()
	var seqs []uint16
	var layers []byte
	for _, p := range got {
		seqs = append(seqs, p.SequenceNumber)
		layers = append(layers, p.Payload[2])
	}
	if len(got) != 3 || seqs[0] != 503 || seqs[1] != 504 || seqs[2] != 505 || layers[0] != 2 || layers[1] != 0 || layers[2] != 0 {
		t.Fatalf("across the switch: seqs %v layers %v, want 503 (high), 504 and 505 (low)", seqs, layers)
	}
	if want := uint32(18000 + 20*90); got[1].Timestamp != want {
		t.Fatalf("first low timestamp %d, want %d (20 ms after the last high one)", got[1].Timestamp, want)
	}
	if target, current := d.Layers(); target != 0 || current != 0 {
		t.Fatalf("Layers() = %d, %d", target, current)
	}

	// NACKs for both sides of the switch come from the right caches, with
	// the subscriber's numbers and timestamps.
	buf := make([]byte, 1500)
	for _, c := range []struct {
		seq   uint16
		layer byte
		src   byte
		ts    uint32
	}{{502, 2, byte(502 & 0xff), 15000}, {503, 2, byte(503 & 0xff), 18000}, {504, 0, 73, 18000 + 20*90}, {505, 0, 74, 18000 + 20*90 + 1800}} {
		d.retransmit(c.seq, buf)
		r := out.take()
		if len(r) != 1 || r[0].SequenceNumber != c.seq || r[0].Payload[2] != c.layer || r[0].Payload[3] != c.src || r[0].Timestamp != c.ts {
			t.Fatalf("NACK %d repaired as %+v, want layer %d source seq %d ts %d", c.seq, r, c.layer, c.src, c.ts)
		}
	}
	d.retransmit(600, buf)
	if r := out.take(); len(r) != 0 || d.Stats().NACKMisses != 1 {
		t.Fatalf("NACK for an unsent number: %d packets, %d misses", len(r), d.Stats().NACKMisses)
	}

	// Audio only: nothing is forwarded until a target is set again.
	d.SetTarget(-1)
	feed(low, d, 75, 9100, true, 120*ms)
	if r := out.take(); len(r) != 0 {
		t.Fatalf("forwarded %d packets with no target", len(r))
	}
	d.SetTarget(0)
	feed(low, d, 76, 10900, true, 140*ms)
	if r := out.take(); len(r) != 1 || r[0].SequenceNumber != 506 {
		t.Fatalf("resumed with %+v, want seq 506", r)
	}
	d.Close()
	feed(low, d, 77, 12700, true, 160*ms)
	if r := out.take(); len(r) != 0 {
		t.Fatal("a closed Down forwarded")
	}
}

// The per-packet path of a Down (selection, rewriting, the write into
// Pion's track) allocates nothing of its own.
func BenchmarkDownWrite(b *testing.B) {
	up := NewUp(nil, UpConfig{Kind: webrtc.RTPCodecTypeVideo, Layer: 2})
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", "s")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Bind(fakeContext{w: discard{}}); err != nil {
		b.Fatal(err)
	}
	d := NewDown(tr, nil, DownConfig{ClockRate: 90000})
	d.AddLayer(up)
	d.SetTarget(2)
	p := rtp.Packet{Header: rtp.Header{Version: 2}, Payload: make([]byte, 1000)}
	p.Payload[0], p.Payload[1] = 0x10, 0x50
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.SequenceNumber, p.Timestamp = uint16(i), uint32(i)*3000
		d.write(up, &p, i == 0, int64(i))
	}
}

type discard struct{}

func (discard) WriteRTP(h *rtp.Header, payload []byte) (int, error) { return len(payload), nil }
func (discard) Write(b []byte) (int, error)                         { return len(b), nil }
