package signaling

import (
	"bytes"
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/lianxin-hub/lianxin/signaling/presence"
)

// Synthetic media. Every frame carries its index and a byte pattern derived
// from it, so a receiver can check each payload byte for byte without the
// sender having to share state with it.

const frameInterval = 20 * time.Millisecond

// videoFrame is a 600-byte "VP8 keyframe": a real frame tag, start code and
// 320x240 size (RFC 6386 section 9.1), then the index and a pattern. It fits
// one RTP packet, so one packet is one frame.
func videoFrame(i uint32) []byte {
	b := make([]byte, 600)
	copy(b, []byte{0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00})
	binary.BigEndian.PutUint32(b[10:], i)
	for j := 14; j < len(b); j++ {
		b[j] = byte(i*31 + uint32(j))
	}
	return b
}

// audioFrame is an 80-byte "Opus packet": a TOC byte, the index, a pattern.
func audioFrame(i uint32) []byte {
	b := make([]byte, 80)
	b[0] = 0xfc
	binary.BigEndian.PutUint32(b[1:], i)
	for j := 5; j < len(b); j++ {
		b[j] = byte(i*7 + uint32(j))
	}
	return b
}

func sampleTrack(t *testing.T, mime, id, stream string) *webrtc.TrackLocalStaticSample {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: mime}, id, stream)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// pump writes one frame per track every 20 ms until the test ends. The
// ticker paces the media like a camera; it synchronises nothing.
func pump(t *testing.T, tracks ...*webrtc.TrackLocalStaticSample) {
	ctx := t.Context()
	go func() {
		tick := time.NewTicker(frameInterval)
		defer tick.Stop()
		for i := uint32(0); ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for _, tr := range tracks {
				frame := audioFrame(i)
				if tr.Kind() == webrtc.RTPCodecTypeVideo {
					frame = videoFrame(i)
				}
				_ = tr.WriteSample(media.Sample{Data: frame, Duration: frameInterval})
			}
		}
	}()
}

type received struct {
	seq   uint16
	idx   uint32
	frame []byte
	ok    bool // frame is byte-for-byte what the publisher sent as frame idx
}

// receive reads a subscriber's track until it ends, depacketising VP8 and
// checking every frame against what the publisher generated.
func receive(tr *webrtc.TrackRemote) <-chan received {
	out := make(chan received, 8192)
	go func() {
		defer close(out)
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			frame := pkt.Payload
			want := audioFrame
			at := 1
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				var vp8 codecs.VP8Packet
				if frame, err = vp8.Unmarshal(pkt.Payload); err != nil {
					continue
				}
				want, at = videoFrame, 10
			}
			if len(frame) < at+4 {
				continue
			}
			idx := binary.BigEndian.Uint32(frame[at:])
			r := received{seq: pkt.SequenceNumber, idx: idx, frame: bytes.Clone(frame), ok: bytes.Equal(frame, want(idx))}
			select {
			case out <- r:
			default: // the test stopped reading
			}
		}
	}()
	return out
}

func next(t *testing.T, who string, ch <-chan received) received {
	t.Helper()
	select {
	case r, ok := <-ch:
		if !ok {
			t.Fatalf("%s: track ended", who)
		}
		if !r.ok {
			t.Fatalf("%s: frame %d (seq %d) differs from what the publisher sent", who, r.idx, r.seq)
		}
		return r
	case <-time.After(waitLimit):
		t.Fatalf("%s: no media within %v", who, waitLimit)
		return received{}
	}
}

// tracksByID collects n tracks from c's subscriber PC.
func tracksByID(c *client, n int) map[string]*webrtc.TrackRemote {
	c.t.Helper()
	got := map[string]*webrtc.TrackRemote{}
	for range n {
		tr := c.nextTrack()
		got[tr.ID()] = tr
	}
	return got
}

// (b) A host publishes Opus and VP8; a participant and a viewer both receive
// every frame of a common stretch, byte for byte identical to what was sent
// and to each other. Presence marks everyone busy while in the room, and the
// room disappears when the last one leaves.
func TestSFUForwardsIdenticalPayloadsToEverySubscriber(t *testing.T) {
	mem := presence.NewMemory()
	srv, url := startServer(t, func(o *Options) { o.Presence = mem })
	const roomID = "consult-1"

	host := dial(t, url, "host", clientConfig{})
	host.join(roomToken(t, roomID, "dr-wang", RoleHost))
	subs := []*client{dial(t, url, "participant", clientConfig{}), dial(t, url, "viewer", clientConfig{})}
	j := subs[0].join(roomToken(t, roomID, "patient-li", RoleParticipant))
	if len(j.Participants) != 1 || j.Participants[0].UserID != "dr-wang" || j.Self.Role != RoleParticipant {
		t.Fatalf("joined = %+v, want the host as the one other participant", j)
	}
	subs[1].join(roomToken(t, roomID, "student-zhao", RoleViewer))

	audio := sampleTrack(t, webrtc.MimeTypeOpus, "mic-1", "host")
	video := sampleTrack(t, webrtc.MimeTypeVP8, "cam-1", "host")
	host.publish(pubTrack{Publish{TrackID: "mic-1", Kind: KindAudio, Source: SourceMic}, audio},
		pubTrack{Publish{TrackID: "cam-1", Kind: KindVideo, Source: SourceCamera}, video})
	pump(t, audio, video)

	// streams[sub][kind] is that subscriber's stream of checked frames.
	streams := make([]map[string]<-chan received, len(subs))
	first := map[string]uint32{}
	for i, sub := range subs {
		for range 2 {
			tp := sub.waitType("track_published").msg.(TrackPublished)
			if tp.Track.UserID != "dr-wang" || tp.Track.SessionID == "" {
				t.Fatalf("%s: track_published %+v", sub.name, tp.Track)
			}
		}
		trs := tracksByID(sub, 2)
		if trs["mic-1"] == nil || trs["cam-1"] == nil {
			t.Fatalf("%s received tracks %v, want mic-1 and cam-1", sub.name, slices.Collect(maps.Keys(trs)))
		}
		streams[i] = map[string]<-chan received{}
		for id, tr := range trs {
			streams[i][id] = receive(tr)
			first[id] = max(first[id], next(t, sub.name+"/"+id, streams[i][id]).idx)
		}
	}

	// Both subscribers receive every frame of the next 30 after the later
	// one started, and the bytes are the same for both.
	for _, id := range []string{"mic-1", "cam-1"} {
		from, to := first[id]+1, first[id]+30
		frames := make([]map[uint32][]byte, len(subs))
		for i, sub := range subs {
			frames[i] = map[uint32][]byte{}
			for r := next(t, sub.name+"/"+id, streams[i][id]); r.idx < to; r = next(t, sub.name+"/"+id, streams[i][id]) {
				if r.idx >= from {
					frames[i][r.idx] = r.frame
				}
			}
		}
		for idx := from; idx < to; idx++ {
			a, b := frames[0][idx], frames[1][idx]
			if a == nil || b == nil || !bytes.Equal(a, b) {
				t.Fatalf("%s frame %d: participant got %d bytes, viewer %d bytes, not the same payload", id, idx, len(a), len(b))
			}
		}
	}

	if err := srv.busy.sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"dr-wang", "patient-li", "student-zhao"} {
		e, ok, err := mem.Get(t.Context(), u)
		if err != nil || !ok || e.Status != presence.StatusBusy || e.Node != "test-node" {
			t.Fatalf("presence of %s = %+v, %v, %v; want busy on test-node", u, e, ok, err)
		}
	}
	rooms := srv.Rooms()
	if len(rooms) != 1 || len(rooms[0].Participants) != 3 || len(rooms[0].Tracks) != 2 {
		t.Fatalf("Rooms() = %+v, want one room with 3 participants and 2 tracks", rooms)
	}

	// The host leaves: the others see its tracks go, then the host.
	host.send(Leave{})
	if code := host.waitClosed(); code != websocket.StatusNormalClosure {
		t.Fatalf("host close status = %v, want normal closure", code)
	}
	for _, sub := range subs {
		for range 2 {
			sub.waitType("track_unpublished")
		}
		if pl := sub.waitType("participant_left").msg.(ParticipantLeft); pl.UserID != "dr-wang" {
			t.Fatalf("%s: participant_left %+v", sub.name, pl)
		}
		sub.send(Leave{})
		sub.waitClosed()
	}
	if rooms := srv.Rooms(); len(rooms) != 0 {
		t.Fatalf("Rooms() after everyone left = %+v, want none", rooms)
	}
	if err := srv.busy.sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if online, _ := mem.Online(t.Context()); len(online) != 0 {
		t.Fatalf("presence after leaving = %+v, want nobody online", online)
	}
}

// (c) A viewer's publish and offer are refused, and no track of theirs
// reaches anyone: the first and only track the watcher ever receives is the
// host's, published after the viewer's attempts.
func TestViewerCannotPublish(t *testing.T) {
	srv, url := startServer(t)
	const roomID = "lecture-1"
	watcher := dial(t, url, "watcher", clientConfig{})
	watcher.join(roomToken(t, roomID, "resident-1", RoleParticipant))
	viewer := dial(t, url, "viewer", clientConfig{})
	viewer.join(roomToken(t, roomID, "student-1", RoleViewer))

	id := viewer.send(Publish{TrackID: "v-cam", Kind: KindVideo, Source: SourceCamera})
	if e := viewer.waitError(id); e.Code != CodeForbidden || !strings.Contains(e.Message, "viewer") {
		t.Fatalf("publish by viewer: %+v, want forbidden", e)
	}
	// A viewer that skips publish and offers media directly.
	pc, err := viewer.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTrack(sampleTrack(t, webrtc.MimeTypeVP8, "v-cam", "viewer")); err != nil {
		t.Fatal(err)
	}
	offer, _ := pc.CreateOffer(nil)
	_ = pc.SetLocalDescription(offer)
	id = viewer.send(Offer{SDP: offer.SDP})
	if e := viewer.waitError(id); e.Code != CodeForbidden {
		t.Fatalf("offer by viewer: %+v, want forbidden", e)
	}
	if rooms := srv.Rooms(); len(rooms) != 1 || len(rooms[0].Tracks) != 0 {
		t.Fatalf("Rooms() = %+v, want no tracks", rooms)
	}

	host := dial(t, url, "host", clientConfig{})
	host.join(roomToken(t, roomID, "lecturer", RoleHost))
	video := sampleTrack(t, webrtc.MimeTypeVP8, "h-cam", "host")
	host.publish(pubTrack{Publish{TrackID: "h-cam", Kind: KindVideo, Source: SourceScreen}, video})
	pump(t, video)
	if tp := watcher.waitType("track_published").msg.(TrackPublished); tp.Track.TrackID != "h-cam" {
		t.Fatalf("watcher's first track_published is %+v, want the host's", tp.Track)
	}
	if tr := watcher.nextTrack(); tr.ID() != "h-cam" {
		t.Fatalf("watcher's first track is %q, want h-cam", tr.ID())
	}
	next(t, "viewer", receive(viewer.nextTrack())) // the viewer still receives
}

// audio_only on a video track takes it off the subscriber's connection; a
// video quality puts it back.
func TestSubscribeAudioOnlyDetachesVideo(t *testing.T) {
	_, url := startServer(t)
	const roomID = "consult-low-bw"
	host := dial(t, url, "host", clientConfig{})
	host.join(roomToken(t, roomID, "dr-chen", RoleHost))
	sub := dial(t, url, "sub", clientConfig{})
	sub.join(roomToken(t, roomID, "chc-nurse", RoleParticipant))
	audio := sampleTrack(t, webrtc.MimeTypeOpus, "mic", "host")
	video := sampleTrack(t, webrtc.MimeTypeVP8, "cam", "host")
	host.publish(pubTrack{Publish{TrackID: "mic", Kind: KindAudio, Source: SourceMic}, audio},
		pubTrack{Publish{TrackID: "cam", Kind: KindVideo, Source: SourceCamera}, video})
	pump(t, audio, video)
	tracksByID(sub, 2)
	offerWith := func(want ...string) {
		t.Helper()
		for {
			select {
			case o := <-sub.subOffers:
				got := slices.Sorted(maps.Values(o.Tracks))
				if slices.Equal(got, want) {
					return
				}
			case <-time.After(waitLimit):
				t.Fatalf("no subscriber offer carrying exactly %v", want)
			}
		}
	}
	offerWith("cam", "mic")

	sub.send(Subscribe{TrackID: "cam", Quality: QualityAudioOnly})
	offerWith("mic")
	sub.send(Subscribe{TrackID: "cam", Quality: QualityLow})
	offerWith("cam", "mic")
	if tr := sub.nextTrack(); tr.ID() != "cam" {
		t.Fatalf("re-attached track is %q, want cam", tr.ID())
	}
	if e := sub.waitError(sub.send(Subscribe{TrackID: "nope", Quality: QualityHigh})); e.Code != CodeNotFound {
		t.Fatalf("subscribe to unknown track: %+v", e)
	}
}
