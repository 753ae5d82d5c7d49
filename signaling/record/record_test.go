package record

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

func pkt(seq uint16) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: []byte{byte(seq)}}
}

func TestReorderRestoresOrderAcrossWrap(t *testing.T) {
	const n = 600
	seqs := make([]uint16, n)
	for i := range seqs {
		seqs[i] = uint16(65400 + i) // wraps after 136
	}
	// Shuffle within windows of 40: late and early packets, as NACK repairs
	// and path reordering produce; then a duplicate of each 10th.
	in := slices.Clone(seqs)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i += 40 {
		w := in[i:min(i+40, n)]
		r.Shuffle(len(w), func(a, b int) { w[a], w[b] = w[b], w[a] })
	}
	// The first packet must be the first in order: earlier ones count as late.
	j := slices.Index(in, seqs[0])
	in[0], in[j] = in[j], in[0]
	var out []uint16
	emit := func(p *rtp.Packet) { out = append(out, p.SequenceNumber) }
	var ro reorder
	var lost uint64
	for i, s := range in {
		lost += ro.push(pkt(s), emit)
		if i%10 == 0 {
			lost += ro.push(pkt(s), emit)
		}
	}
	ro.flush(emit)
	if lost != 0 || !slices.Equal(out, seqs) {
		t.Fatalf("lost %d, emitted %d packets in order: %v", lost, len(out), slices.Equal(out, seqs))
	}
}

func TestReorderGivesUpOnAGapBeyondTheWindow(t *testing.T) {
	var out []uint16
	emit := func(p *rtp.Packet) { out = append(out, p.SequenceNumber) }
	var ro reorder
	var lost uint64
	lost += ro.push(pkt(10), emit)
	// 11 and 12 never come: 13 onwards wait until the window is exceeded,
	// then the gap is given up and everything held comes out in order.
	for s := uint16(13); s < 13+reorderWindow+1; s++ {
		lost += ro.push(pkt(s), emit)
		if s == 13+reorderWindow-2 && len(out) != 1 {
			t.Fatalf("emitted %v before the window was full", out)
		}
	}
	if len(out) != 1+reorderWindow+1 || lost != 2 || out[1] != 13 || out[len(out)-1] != 13+reorderWindow {
		t.Fatalf("emitted %d (first after the gap %d, last %d), lost %d", len(out), out[1], out[len(out)-1], lost)
	}
	// flush hands over what still waits behind a gap.
	lost += ro.push(pkt(13+reorderWindow+2), emit)
	ro.flush(emit)
	if out[len(out)-1] != 13+reorderWindow+2 {
		t.Fatalf("flush left %d behind", 13+reorderWindow+2)
	}
}

// clock is an injected clock a test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func startWithTrack(t *testing.T, root, room string, c *clock, d time.Duration) *Recording {
	t.Helper()
	r, err := Start(root, room, c.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := r.AddTrack(TrackMeta{TrackID: "mic/1", Kind: "audio", Source: "mic",
		Codec: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}})
	if err != nil {
		t.Fatal(err)
	}
	tr.WriteRTP(&rtp.Packet{Header: rtp.Header{SequenceNumber: 1}, Payload: []byte{0xfc, 1, 2, 3}})
	c.t = c.t.Add(d)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestListAndPruneByRetention(t *testing.T) {
	root := t.TempDir()
	c := &clock{t: time.Date(2022, 3, 1, 9, 0, 0, 0, time.UTC)}
	old := startWithTrack(t, root, "lecture-1", c, time.Hour) // ended 2022-03-01 10:00
	c.t = time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	kept := startWithTrack(t, root, "lecture-1", c, time.Hour)
	c.t = time.Date(2022, 1, 1, 9, 0, 0, 0, time.UTC)
	other := startWithTrack(t, root, "round/../../etc", c, time.Minute) // an unsafe id stays inside root

	if !strings.HasPrefix(other.Dir(), root+string(filepath.Separator)+"x-") {
		t.Fatalf("unsafe room id stored at %s", other.Dir())
	}
	ms, err := List(root, "lecture-1")
	if err != nil || len(ms) != 2 || ms[0].RecordingID != kept.ID() || ms[1].RecordingID != old.ID() {
		t.Fatalf("List = %+v, %v; want the two lecture-1 recordings, newest first", ms, err)
	}
	if tf := ms[1].Tracks[0]; tf.File != "01-mic_1.ogg" || tf.Packets != 1 || tf.Bytes == 0 || tf.SHA256 == "" {
		t.Fatalf("track entry %+v", tf)
	}
	if ms, err := List(root, "nobody"); err != nil || len(ms) != 0 {
		t.Fatalf("List of an unknown room = %v, %v", ms, err)
	}

	// Three years after 2025-03-01 10:00: the 2022 recordings are due, the
	// one from mid-2024 is not; one that ended exactly at the cutoff stays.
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	pruned, err := Prune(root, now.AddDate(-3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(pruned) != 1 || pruned[0].RecordingID != other.ID() {
		t.Fatalf("pruned %+v, want only the January 2022 recording (the March one ends at the cutoff)", pruned)
	}
	pruned, err = Prune(root, now.AddDate(-3, 0, 0).Add(time.Second))
	if err != nil || len(pruned) != 1 || pruned[0].RecordingID != old.ID() || pruned[0].Room != "lecture-1" {
		t.Fatalf("pruned %+v, %v; want the March 2022 recording", pruned, err)
	}
	if _, err := os.Stat(old.Dir()); !os.IsNotExist(err) {
		t.Fatalf("pruned recording still on disk: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(other.Dir())); !os.IsNotExist(err) {
		t.Fatalf("empty room directory left behind: %v", err)
	}
	if ms, _ := List(root, "lecture-1"); len(ms) != 1 || ms[0].RecordingID != kept.ID() {
		t.Fatalf("after pruning List = %+v", ms)
	}
}

func TestAddTrackRefusesOtherCodecsAndAfterClose(t *testing.T) {
	r, err := Start(t.TempDir(), "room", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddTrack(TrackMeta{TrackID: "cam", Codec: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264}}); err == nil {
		t.Fatal("H264 accepted")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddTrack(TrackMeta{TrackID: "mic", Codec: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}}); err != ErrClosed {
		t.Fatalf("AddTrack after Close = %v", err)
	}
	if m := r.Manifest(); m.EndedAt == nil || len(m.Tracks) != 0 {
		t.Fatalf("manifest %+v", m)
	}
}
