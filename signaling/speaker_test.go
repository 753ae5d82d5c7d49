package signaling

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// talk feeds d of 20 ms packets with the given levels (session id → RFC
// 6464 level; absent sessions send nothing) and returns the events.
func talk(clk *fakeClock, d *speakerDetector, dur time.Duration, levels map[string]uint8) []ActiveSpeaker {
	var events []ActiveSpeaker
	for elapsed := time.Duration(0); elapsed < dur; elapsed += packetTime {
		clk.advance(packetTime)
		for _, id := range []string{"s-a", "s-b", "s-c"} { // fixed order: deterministic
			if lv, ok := levels[id]; ok {
				if ev, changed := d.observe(id, "u"+id[1:], lv); changed {
					events = append(events, ev)
				}
			}
		}
	}
	return events
}

func TestSpeakerDetector(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	d := newSpeakerDetector(clk.now)

	// Silence and room noise elect nobody.
	if ev := talk(clk, d, 2*time.Second, map[string]uint8{"s-a": 127, "s-b": 75}); len(ev) != 0 {
		t.Fatalf("noise elected %+v", ev)
	}
	// A speaks (-25 dBov): A becomes the speaker, once, within a second.
	ev := talk(clk, d, time.Second, map[string]uint8{"s-a": 25, "s-b": 75})
	if len(ev) != 1 || ev[0].SessionID != "s-a" || ev[0].UserID != "u-a" {
		t.Fatalf("events = %+v, want A once", ev)
	}
	// B is a little louder (3 dB): hysteresis keeps A.
	if ev := talk(clk, d, 2*time.Second, map[string]uint8{"s-a": 25, "s-b": 22}); len(ev) != 0 {
		t.Fatalf("a 3 dB challenger took over: %+v", ev)
	}
	// A falls silent, B speaks up: B takes over, once.
	ev = talk(clk, d, 2*time.Second, map[string]uint8{"s-a": 110, "s-b": 20})
	if len(ev) != 1 || ev[0].SessionID != "s-b" {
		t.Fatalf("events = %+v, want B once", ev)
	}
	// A stops sending (DTX, mute) and everyone is quiet: B stays.
	if ev := talk(clk, d, 2*time.Second, map[string]uint8{"s-b": 127}); len(ev) != 0 {
		t.Fatalf("silence changed the speaker: %+v", ev)
	}

	// Two people talking over each other alternate at most once per interval.
	var all []ActiveSpeaker
	for i := range 20 {
		lv := map[string]uint8{"s-a": 15, "s-c": 60}
		if i%2 == 1 {
			lv = map[string]uint8{"s-a": 60, "s-c": 15}
		}
		all = append(all, talk(clk, d, 100*time.Millisecond, lv)...)
	}
	if max := int(2 * time.Second / speakerInterval); len(all) > max {
		t.Fatalf("%d events in 2 s, at most %d allowed", len(all), max)
	}

	// The speaker leaves: nobody until someone speaks.
	d.forget(d.current)
	if d.current != "" {
		t.Fatalf("current = %q after forget", d.current)
	}
}

// (e) Two publishers send Opus with RFC 6464 audio levels; a third
// participant hears active_speaker name the louder one, and then the other
// when they change places.
func TestActiveSpeakerFollowsLouderPublisher(t *testing.T) {
	_, url := startServer(t)
	const roomID = "mdt-1"
	listener := dial(t, url, "listener", clientConfig{})
	listener.join(roomToken(t, roomID, "student", RoleViewer))

	var loudA atomic.Bool
	loudA.Store(true)
	speak := func(name string, loud func() bool) string {
		c := dial(t, url, name, clientConfig{audioLevel: true})
		j := c.join(roomToken(t, roomID, name, RoleParticipant))
		track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, name+"-mic", name)
		if err != nil {
			t.Fatal(err)
		}
		sender := c.publish(pubTrack{Publish{TrackID: name + "-mic", Kind: KindAudio, Source: SourceMic}, track})[0]
		go sendLevels(t, sender, track, loud)
		return j.SessionID
	}
	a := speak("dr-a", loudA.Load)
	b := speak("dr-b", func() bool { return !loudA.Load() })

	waitSpeaker := func(want string) {
		t.Helper()
		listener.waitFor("active_speaker "+want, func(m serverMsg) bool {
			s, ok := m.msg.(ActiveSpeaker)
			return ok && s.SessionID == want
		})
	}
	waitSpeaker(a)
	loudA.Store(false)
	waitSpeaker(b)
}

// sendLevels writes an Opus packet every 20 ms with an audio level of -20
// dBov while loud() and -90 dBov otherwise, until the test ends. The
// extension id is the one negotiated, known once the answer is applied.
func sendLevels(t *testing.T, sender *webrtc.RTPSender, track *webrtc.TrackLocalStaticRTP, loud func() bool) {
	tick := time.NewTicker(frameInterval)
	defer tick.Stop()
	var id uint8
	for i := uint32(0); ; i++ {
		select {
		case <-t.Context().Done():
			return
		case <-tick.C:
		}
		if id == 0 {
			for _, ext := range sender.GetParameters().HeaderExtensions {
				if ext.URI == audioLevelURI {
					id = uint8(ext.ID)
				}
			}
			if id == 0 {
				continue // not negotiated yet
			}
		}
		level := byte(90)
		if loud() {
			level = 20
		}
		pkt := &rtp.Packet{
			Header:  rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: i * 960},
			Payload: audioFrame(i),
		}
		if err := pkt.Header.SetExtension(id, []byte{0x80 | level}); err != nil {
			t.Error(err)
			return
		}
		_ = track.WriteRTP(pkt)
	}
}
