package signaling

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"github.com/lianxin-hub/lianxin/signaling/record"
)

func TestRecordClaimRoundTrip(t *testing.T) {
	s := NewSigner(testKey)
	for _, rec := range []bool{false, true} {
		tok, err := s.Sign(Claims{RoomID: "r", UserID: "u", Role: RoleHost, Record: rec})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Verify(tok, time.Now())
		if err != nil || c.Record != rec {
			t.Fatalf("Record %v came back as %+v, %v", rec, c, err)
		}
	}
}

// rtpSender writes hand-made RTP on a local track: empty keepalive packets
// first (the recorder's writers skip them), then numbered media frames.
type rtpSender struct {
	track *webrtc.TrackLocalStaticRTP
	video bool
	seq   uint16
	ts    uint32
}

func (s *rtpSender) write(payload []byte) error {
	s.seq++
	if s.video {
		s.ts += 90000 / 50
	} else {
		s.ts += 48000 / 50
	}
	return s.track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: s.seq, Timestamp: s.ts}, Payload: payload})
}

// frame is media frame i as sent on the wire: VP8 gets its one-byte payload
// descriptor (start of partition), Opus goes as it is.
func (s *rtpSender) frame(i uint32) []byte {
	if s.video {
		return append([]byte{0x10}, videoFrame(i)...)
	}
	return audioFrame(i)
}

// sendFrames paces empty keepalive packets on every sender until ready is
// closed, then frames 0..n-1; it reports the first write error or nil.
func sendFrames(t *testing.T, ready <-chan struct{}, n uint32, senders ...*rtpSender) <-chan error {
	errc := make(chan error, 1)
	ctx := t.Context()
	go func() {
		tick := time.NewTicker(frameInterval)
		defer tick.Stop()
		started := false
		for i := uint32(0); i < n; {
			select {
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			case <-tick.C:
			}
			if !started {
				select {
				case <-ready:
					started = true
				default:
				}
			}
			for _, s := range senders {
				payload := []byte{}
				if started {
					payload = s.frame(i)
				}
				if err := s.write(payload); err != nil {
					errc <- err
					return
				}
			}
			if started {
				i++
			}
		}
		errc <- nil
	}()
	return errc
}

// witness reads a subscriber's track: first is closed at its first packet,
// last when the media frame n-1 arrives.
func witness(tr *webrtc.TrackRemote, n uint32) (first, last chan struct{}) {
	first, last = make(chan struct{}), make(chan struct{})
	go func() {
		for got := false; ; {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if !got {
				got = true
				close(first)
			}
			payload, at := pkt.Payload, 1
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				var vp8 codecs.VP8Packet
				if payload, err = vp8.Unmarshal(pkt.Payload); err != nil {
					continue
				}
				at = 10
			}
			if len(payload) >= at+4 && binary.BigEndian.Uint32(payload[at:]) == n-1 {
				close(last)
				return
			}
		}
	}()
	return first, last
}

func waitClosedChan(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		t.Fatalf("no %s within %v", what, waitLimit)
	}
}

// A WHIP publisher with recording on sends n VP8 frames and n Opus packets
// (after empty keepalives, which exist so that the SFU has the tracks before
// the first frame). Once the room empties, the IVF file holds exactly those
// n frames byte for byte, the Ogg file parses to the n packets, and the
// manifest lists both with their sizes and hashes. Files are 0600,
// directories 0700.
func TestRecordingWritesEveryFrameAndAManifest(t *testing.T) {
	root := t.TempDir()
	done := make(chan record.Manifest, 1)
	srv, wsURL := startServer(t, func(o *Options) {
		o.RecordingDir = root
		o.OnRecording = func(m record.Manifest) { done <- m }
	})
	const roomID = "lecture-rec"
	const n = 50

	watcher := dial(t, wsURL, "watcher", clientConfig{})
	watcher.join(signClaims(t, Claims{RoomID: roomID, UserID: "resident", Role: RoleParticipant, Record: true}))
	var senders []*rtpSender
	var tracks []webrtc.TrackLocal
	for _, mime := range []string{webrtc.MimeTypeOpus, webrtc.MimeTypeVP8} {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: mime}, strings.ToLower(mime), "obs")
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, &rtpSender{track: tr, video: mime == webrtc.MimeTypeVP8, seq: 65500}) // seq wraps during the test
		tracks = append(tracks, tr)
	}
	_, res := whipPublish(t, httpBase(wsURL), roomID, signClaims(t, Claims{RoomID: roomID, UserID: "lecturer", Role: RoleHost, Record: true}), tracks...)
	ready := make(chan struct{})
	sent := sendFrames(t, ready, n, senders...)

	// The watcher is the witness: once it has heard both tracks published,
	// the recorder is attached to them (publish attaches it before it tells
	// the room), so every frame sent later is recorded. Only then do the
	// frames start: a subscriber's video begins at a keyframe, so the
	// keepalives never reach the watcher, but the frames do.
	for range 2 {
		watcher.waitType(TrackPublished{}.MessageType())
	}
	close(ready)
	for _, tr := range tracksByID(watcher, 2) {
		_, last := witness(tr, n)
		waitClosedChan(t, "last frame", last)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if resp, _ := httpDo(t, http.MethodDelete, res, "", "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE = %d", resp.StatusCode)
	}
	_ = srv.Close() // the watcher leaves too: the room empties, the manifest is final

	ms, err := record.List(root, roomID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("List = %+v, %v; want one recording", ms, err)
	}
	m := ms[0]
	if m.Room != roomID || m.EndedAt == nil || len(m.Tracks) != 2 {
		t.Fatalf("manifest %+v, want the room, an end and two tracks", m)
	}
	select {
	case heard := <-done:
		if heard.RecordingID != m.RecordingID || heard.EndedAt == nil || len(heard.Tracks) != 2 || heard.Tracks[0].SHA256 != m.Tracks[0].SHA256 {
			t.Fatalf("OnRecording heard %+v, want the final manifest %+v", heard, m)
		}
	default:
		t.Fatal("OnRecording was not called by the time Close returned")
	}
	recDir := filepath.Join(record.RoomDir(root, roomID), m.RecordingID)
	for _, d := range []string{record.RoomDir(root, roomID), recDir} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v, %v; want a 0700 directory", d, fi.Mode(), err)
		}
	}
	for _, tf := range m.Tracks {
		path := filepath.Join(recDir, tf.File)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(path)
		sum := sha256.Sum256(data)
		if fi.Mode().Perm() != 0o600 || tf.Bytes != int64(len(data)) || tf.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s: mode %v, manifest bytes %d sha %s; file has %d bytes, sha %x", tf.File, fi.Mode(), tf.Bytes, tf.SHA256, len(data), sum)
		}
		if tf.UserID != "lecturer" || !strings.HasSuffix(tf.TrackID, "-"+tf.Kind) || tf.EndedAt == nil || tf.Dropped != 0 {
			t.Fatalf("manifest track %+v", tf)
		}
		switch tf.Kind {
		case "video":
			if tf.Codec != webrtc.MimeTypeVP8 || filepath.Ext(tf.File) != ".ivf" {
				t.Fatalf("video track %+v", tf)
			}
			frames := ivfFrames(t, data)
			if len(frames) != n {
				t.Fatalf("IVF has %d frames, want %d", len(frames), n)
			}
			for i, f := range frames {
				if !bytes.Equal(f, videoFrame(uint32(i))) {
					t.Fatalf("IVF frame %d differs from what was sent", i)
				}
			}
		case "audio":
			if tf.Codec != webrtc.MimeTypeOpus || filepath.Ext(tf.File) != ".ogg" || tf.Packets != n {
				t.Fatalf("audio track %+v, want %d packets", tf, n)
			}
			pkts := oggPackets(t, data)
			if len(pkts) != n {
				t.Fatalf("Ogg has %d packets, want %d", len(pkts), n)
			}
			for i, p := range pkts {
				if !bytes.Equal(p, audioFrame(uint32(i))) {
					t.Fatalf("Ogg packet %d differs from what was sent", i)
				}
			}
		default:
			t.Fatalf("track kind %q", tf.Kind)
		}
	}
}

func ivfFrames(t *testing.T, data []byte) [][]byte {
	t.Helper()
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		f, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	if int(hdr.NumFrames) != len(out) {
		t.Fatalf("IVF header counts %d frames, file has %d", hdr.NumFrames, len(out))
	}
	return out
}

// oggPackets returns the Opus packets of a one-packet-per-page Ogg file
// (what oggwriter writes), after the OpusHead and OpusTags headers.
func oggPackets(t *testing.T, data []byte) [][]byte {
	t.Helper()
	r, hdr, err := oggreader.NewWith(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if hdr.SampleRate != 48000 {
		t.Fatalf("OpusHead sample rate %d", hdr.SampleRate)
	}
	var out [][]byte
	for {
		p, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(p, []byte("OpusTags")) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// Without Record in any token nothing is written, even with a RecordingDir.
func TestNoRecordingWithoutTheClaim(t *testing.T) {
	root := t.TempDir()
	srv, wsURL := startServer(t, func(o *Options) { o.RecordingDir = root })
	const roomID = "consult-private"
	watcher := dial(t, wsURL, "watcher", clientConfig{})
	watcher.join(roomToken(t, roomID, "patient", RoleParticipant))
	video := sampleTrack(t, webrtc.MimeTypeVP8, "video", "obs")
	whipPublish(t, httpBase(wsURL), roomID, roomToken(t, roomID, "doctor", RoleHost), video)
	pump(t, video)
	next(t, "watcher", receive(watcher.nextTrack()))
	_ = srv.Close()
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 0 {
		t.Fatalf("RecordingDir holds %v (%v), want nothing", entries, err)
	}
}
