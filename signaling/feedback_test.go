package signaling

import (
	"context"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/signaling/forward"
)

// RTCP feedback through the SFU: loss repair and keyframe requests.

// (e) The subscriber loses every 7th video packet (dropped before its NACK
// generator sees it); the SFU answers the NACKs from its packet cache and the
// subscriber ends up with every sequence number, intact.
func TestSFURepairsLossFromPacketCache(t *testing.T) {
	srv, url := startServer(t)
	const roomID = "round-1"
	host := dial(t, url, "host", clientConfig{})
	host.join(roomToken(t, roomID, "attending", RoleHost))
	loss := &lossFactory{every: 7, dropped: map[uint16]bool{}}
	sub := dial(t, url, "lossy", clientConfig{interceptors: []interceptor.Factory{loss}, noReplayProtect: true})
	sub.join(roomToken(t, roomID, "rural-gp", RoleParticipant))

	video := sampleTrack(t, webrtc.MimeTypeVP8, "cam", "host")
	host.publish(pubTrack{Publish{TrackID: "cam", Kind: KindVideo, Source: SourceCamera}, video})
	pump(t, video)
	frames := receive(sub.nextTrack())

	start := next(t, "lossy", frames).seq
	const window = 150
	missing := map[uint16]bool{}
	for k := uint16(1); k <= window; k++ {
		missing[start+k] = true
	}
	deadline := time.Now().Add(waitLimit)
	for len(missing) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sequence numbers never arrived: loss was not repaired", len(missing), window)
		}
		delete(missing, next(t, "lossy", frames).seq) // next also checks the bytes
	}
	var repaired int
	loss.mu.Lock()
	for s := range loss.dropped {
		if uint16(s-start) >= 1 && uint16(s-start) <= window {
			repaired++
		}
	}
	loss.mu.Unlock()
	if repaired < window/7-2 {
		t.Fatalf("only %d packets were dropped in the window; the test proved nothing", repaired)
	}
	if st := downStats(t, srv, roomID, "rural-gp", "cam"); st.Retransmitted < uint64(repaired) {
		t.Fatalf("SFU retransmitted %d packets, want at least the %d dropped", st.Retransmitted, repaired)
	}
}

// lossFactory builds an interceptor that drops the first copy of every
// every-th video packet, so its repair is the only copy that gets through.
type lossFactory struct {
	every   uint16
	mu      sync.Mutex
	dropped map[uint16]bool
}

func (f *lossFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &lossy{f: f}, nil
}

type lossy struct {
	interceptor.NoOp
	f *lossFactory
}

func (l *lossy) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	if !strings.HasPrefix(info.MimeType, "video/") {
		return r
	}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, attrs, err := r.Read(b, a)
			if err != nil || n < 4 {
				return n, attrs, err
			}
			seq := binary.BigEndian.Uint16(b[2:4])
			l.f.mu.Lock()
			drop := seq%l.f.every == 0 && !l.f.dropped[seq]
			if drop {
				l.f.dropped[seq] = true
			}
			l.f.mu.Unlock()
			if !drop {
				return n, attrs, nil
			}
		}
	})
}

func downStats(t *testing.T, srv *Server, roomID, userID, trackID string) (st struct{ Retransmitted uint64 }) {
	t.Helper()
	srv.mu.Lock()
	r := srv.rooms[roomID]
	srv.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.members {
		if p.info.UserID == userID {
			p.subMu.Lock()
			d := p.downs[trackID]
			p.subMu.Unlock()
			if d != nil {
				st.Retransmitted = d.down.Stats().Retransmitted
				return st
			}
		}
	}
	t.Fatalf("no down track %s for %s", trackID, userID)
	return st
}

// (f) A subscriber asks for a keyframe every 10 ms; the publisher gets the
// requests through the SFU, at most one per 500 ms.
func TestSFUForwardsKeyframeRequestsThrottled(t *testing.T) {
	_, url := startServer(t)
	const roomID = "consult-pli"
	host := dial(t, url, "host", clientConfig{})
	host.join(roomToken(t, roomID, "psychiatrist", RoleHost))
	sub := dial(t, url, "sub", clientConfig{})
	sub.join(roomToken(t, roomID, "gp", RoleParticipant))

	video := sampleTrack(t, webrtc.MimeTypeVP8, "cam", "host")
	senders := host.publish(pubTrack{Publish{TrackID: "cam", Kind: KindVideo, Source: SourceCamera}, video})
	pump(t, video)
	plis := make(chan time.Time, 1024)
	go func() {
		for {
			pkts, _, err := senders[0].ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					plis <- time.Now()
				}
			}
		}
	}()

	tr := sub.nextTrack()
	next(t, "sub", receive(tr)) // media flows, so the SFU's own join-time PLI is behind us
	start := time.Now()
	ctx, stop := context.WithCancel(t.Context())
	sent := make(chan int, 1)
	go func() {
		n := 0
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				sent <- n
				return
			case <-tick.C:
				sub.mu.Lock()
				pc := sub.sub
				sub.mu.Unlock()
				if pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(tr.SSRC())}}) == nil {
					n++
				}
			}
		}
	}()

	var got []time.Time
	deadline := time.After(waitLimit)
	for len(got) < 3 {
		select {
		case at := <-plis:
			if at.After(start) {
				got = append(got, at)
			}
		case <-deadline:
			t.Fatalf("publisher saw %d PLIs from the subscriber within %v, want 3", len(got), waitLimit)
		}
	}
	stop()
	nSent := <-sent
	elapsed := got[len(got)-1].Sub(start)
	if limit := int(elapsed/forward.DefaultKeyframeInterval) + 2; len(got) > limit {
		t.Fatalf("%d PLIs reached the publisher in %v, throttle allows %d", len(got), elapsed, limit)
	}
	for i := 1; i < len(got); i++ {
		if gap := got[i].Sub(got[i-1]); gap < forward.DefaultKeyframeInterval/2 {
			t.Fatalf("PLIs %d and %d reached the publisher %v apart; throttle is %v", i-1, i, gap, forward.DefaultKeyframeInterval)
		}
	}
	if nSent < 10*len(got) {
		t.Fatalf("subscriber sent only %d PLIs for %d forwarded; not a burst", nSent, len(got))
	}
}
