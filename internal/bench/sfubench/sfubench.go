// Package sfubench measures the video SFU from outside, the way clients use
// it: `lianxin sfu` runs as a child process pinned to one core, and Pion
// clients on the other cores join rooms through the real signaling
// WebSocket with signed room tokens. It measures the SFU's CPU per forwarded
// packet against a floor measured in the same run (SRTP and UDP sends
// alone), the time from join to a new subscriber's first whole keyframe,
// and how many viewers one presenter can have before any loses more than 1%
// of packets. `lianxin bench sfu` prints the report.
//
// It imports the signaling package only for the protocol's types and the
// token signer, and internal/secret to derive the room-token key as `lianxin
// sfu` does. Nothing may import it but cmd/lianxin.
package sfubench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/lianxin-hub/lianxin/internal/secret"
	"github.com/lianxin-hub/lianxin/signaling"
)

// Targets of the SFU benchmark (issue 5).
const (
	TargetMicrosPerPacket = 5.0 // SFU CPU µs per forwarded packet, at most
	TargetFloorRatio      = 2.0 // SFU µs/packet ÷ floor µs/packet, at most
	TargetJoinP99         = 500 * time.Millisecond
	MaxViewerLoss         = 0.01 // a fan-out step passes while every viewer loses at most this share
)

// Options configure Run. Zero durations and counts take the defaults of
// `lianxin bench sfu`.
type Options struct {
	// Exe is the lianxin binary to run as `sfu` and `bench sfu-floor`;
	// default os.Executable().
	Exe string
	// Subscribers are the fan-outs at which forwarding cost is measured.
	Subscribers []int
	// Layers is 1, or 3 for a simulcast publisher (q/h/f).
	Layers int
	// Warmup runs before each measured window; Window is its length.
	Warmup, Window time.Duration
	// Joins is how many single subscribers join for join-to-first-frame,
	// JoinGap the pause between them; Joins < 0 skips it.
	Joins   int
	JoinGap time.Duration
	// FanoutSteps are the viewer counts tried in turn from one presenter,
	// stopping at the first with a viewer over MaxViewerLoss; FanoutWindow
	// is each step's measured window. Empty skips the fan-out.
	FanoutSteps  []int
	FanoutWindow time.Duration
	// JoinParallel bounds concurrent joins while filling a room.
	JoinParallel int
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

func (o *Options) defaults() error {
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		o.Exe = exe
	}
	if o.Layers == 0 {
		o.Layers = 1
	}
	if o.Layers != 1 && o.Layers != 3 {
		return errors.New("sfubench: layers must be 1 or 3")
	}
	if o.Warmup == 0 {
		o.Warmup = 3 * time.Second
	}
	if o.Window == 0 {
		o.Window = 10 * time.Second
	}
	if o.FanoutWindow == 0 {
		o.FanoutWindow = 5 * time.Second
	}
	if o.JoinGap == 0 {
		o.JoinGap = time.Second
	}
	if o.JoinParallel <= 0 {
		o.JoinParallel = 8
	}
	for _, n := range append(slices.Clone(o.Subscribers), o.FanoutSteps...) {
		if n < 1 {
			return errors.New("sfubench: subscriber and viewer counts must be positive")
		}
	}
	return nil
}

// Env describes the machine and the pinning.
type Env struct {
	CPUs                  int
	Platform              string
	Pinning               Pinning
	LoadBefore, LoadAfter float64 // 1-minute load averages
}

// Forwarding is the forwarding cost at one fan-out, and its floor.
type Forwarding struct {
	Subscribers int
	Window      time.Duration // measured wall time
	SFUCPU      time.Duration // the SFU child's user+system CPU in the window
	Forwarded   uint64        // RTP packets all subscribers read in the window
	ClientDrops uint64        // packets that reached a subscriber's socket but found its buffer full
	Published   uint64        // RTP packets the publisher sent in the window
	Owed        uint64        // of them, what each subscriber is owed: audio and the top video layer
	WorstLoss   float64       // the highest share of packets one subscriber lost

	FloorWindow time.Duration
	FloorCPU    time.Duration // the floor child's CPU in its window
	FloorSent   uint64        // packets the floor's receivers read in the window
	FloorDrops  uint64        // packets dropped at the receivers' full sockets
}

// PacketsOut is what the SFU sent to the subscribers in the window: what
// they read plus what their sockets dropped.
func (f Forwarding) PacketsOut() uint64 { return f.Forwarded + f.ClientDrops }

// MicrosPerPacket is the SFU's CPU µs per forwarded packet.
func (f Forwarding) MicrosPerPacket() float64 { return micros(f.SFUCPU, f.PacketsOut()) }

// FloorMicrosPerPacket is the floor's CPU µs per packet sent.
func (f Forwarding) FloorMicrosPerPacket() float64 {
	return micros(f.FloorCPU, f.FloorSent+f.FloorDrops)
}

// Ratio is MicrosPerPacket over FloorMicrosPerPacket (0 without a floor).
func (f Forwarding) Ratio() float64 {
	if fl := f.FloorMicrosPerPacket(); fl > 0 {
		return f.MicrosPerPacket() / fl
	}
	return 0
}

// PacketsPerSecond is the rate of packets out of the SFU.
func (f Forwarding) PacketsPerSecond() float64 { return rate(f.PacketsOut(), f.Window) }

// SFUCores is the SFU's CPU use in the window, in cores.
func (f Forwarding) SFUCores() float64 { return f.SFUCPU.Seconds() / f.Window.Seconds() }

func micros(cpu time.Duration, n uint64) float64 {
	if n == 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(n)
}

func rate(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Joins is join-to-first-frame.
type Joins struct {
	Times  []time.Duration // successful joins, in order
	Failed int             // joins with no keyframe within 10 s
	P50    time.Duration
	P99    time.Duration
	Max    time.Duration
}

// FanoutStep is one viewer count tried.
type FanoutStep struct {
	Viewers   int
	WorstLoss float64
	MeanLoss  float64
	Forwarded uint64        // read by the viewers
	Drops     uint64        // dropped at the viewers' full sockets
	Published uint64        // packets the presenter sent in the window
	Owed      uint64        // of them, what each viewer is owed: audio and the top video layer
	Lag       time.Duration // how far behind schedule the presenter was at the window's end
	Window    time.Duration
	SFUCPU    time.Duration
	Err       string // why the step could not be measured (joins failed)
}

// MaxPresenterLag is how far behind its schedule the presenter may be at
// the end of a fan-out step's window: a client core too busy to send the
// stream on time would otherwise pass for an SFU without loss.
const MaxPresenterLag = 250 * time.Millisecond

// Passed reports whether every viewer lost at most MaxViewerLoss while the
// presenter kept to its schedule.
func (s FanoutStep) Passed() bool {
	return s.Err == "" && s.WorstLoss <= MaxViewerLoss && s.Lag <= MaxPresenterLag
}

// SFUShare is the share of what it should have sent (packets published ×
// viewers) the SFU did send: what the viewers read plus what their full
// sockets dropped. Unlike WorstLoss it does not blame the SFU for a client
// core that cannot keep up.
func (s FanoutStep) SFUShare() float64 {
	if s.Owed == 0 {
		return 0
	}
	return float64(s.Forwarded+s.Drops) / float64(s.Owed*uint64(s.Viewers))
}

// SFUPassed reports whether the SFU sent at least 1 - MaxViewerLoss of what
// it should have, with the presenter on time.
func (s FanoutStep) SFUPassed() bool {
	return s.Err == "" && s.SFUShare() >= 1-MaxViewerLoss && s.Lag <= MaxPresenterLag
}

// Fanout is the teaching fan-out: the steps tried and the largest passed.
type Fanout struct {
	Steps     []FanoutStep
	MaxPassed int // every viewer within MaxViewerLoss; 0 when not even the first step passed
	MaxSFU    int // the SFU sent what it should (SFUPassed)
}

// Report is one run of `lianxin bench sfu`.
type Report struct {
	Env        Env
	Layers     int
	StreamPPS  float64 // the publisher's nominal packets per second
	Warmup     time.Duration
	Forwarding []Forwarding
	Joins      *Joins
	Fanout     *Fanout
}

// bench is one run's shared state.
type bench struct {
	o      Options
	logf   func(string, ...any)
	signer *signaling.Signer
	api    *webrtc.API
	url    string
	sfu    *child
	pin    Pinning
	rooms  atomic.Int64
}

// Run starts the SFU and measures. It returns an error when the SFU or a
// client fails outright, not when a target is missed.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	b := &bench{o: o, logf: func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}}
	b.pin = pin()
	rep := &Report{Env: Env{CPUs: runtime.NumCPU(), Platform: runtime.GOOS + "/" + runtime.GOARCH + ", " + runtime.Version(),
		Pinning: b.pin, LoadBefore: loadAverage()}, Layers: o.Layers, Warmup: o.Warmup,
		StreamPPS: NewStream(Layers(o.Layers)).PacketsPerSecond()}

	master := make([]byte, 32)
	_, _ = rand.Read(master)
	keys, err := secret.Derive(master)
	if err != nil {
		return nil, err
	}
	b.signer = signaling.NewSigner(keys.RoomTokenKey())
	if b.api, err = newClientAPI(); err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp("", "lianxin-bench-sfu-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dataDir)
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	b.sfu, err = startChild(o.Exe, []string{"sfu", "--addr", addr, "--data-dir", dataDir, "--redis-url=", "--log-level", "warn",
		"--node-id", "bench"}, []string{"LIANXIN_SECRET_KEY=" + hex.EncodeToString(master)}, b.pin)
	if err != nil {
		return nil, fmt.Errorf("start the SFU: %w", err)
	}
	defer b.sfu.stop()
	if err := waitHealthy(ctx, b.sfu, addr); err != nil {
		return nil, err
	}
	b.url = "ws://" + addr + signaling.PathWebSocket
	b.logf("SFU: %s sfu on %s, pid %d, %s; clients on %s", o.Exe, addr, b.sfu.cmd.Process.Pid, b.pin.Child, b.pin.Clients)

	for _, n := range o.Subscribers {
		f, err := b.forwarding(ctx, n)
		if err != nil {
			return nil, err
		}
		rep.Forwarding = append(rep.Forwarding, f)
	}
	if o.Joins > 0 {
		if rep.Joins, err = b.joins(ctx); err != nil {
			return nil, err
		}
	}
	if len(o.FanoutSteps) > 0 {
		if rep.Fanout, err = b.fanout(ctx); err != nil {
			return nil, err
		}
	}
	rep.Env.LoadAfter = loadAverage()
	return rep, nil
}

func (b *bench) token(room, user string, role signaling.Role) string {
	tok, err := b.signer.Sign(signaling.Claims{RoomID: room, UserID: user, Name: user, Role: role})
	if err != nil {
		panic(err) // a valid key and valid claims: cannot fail
	}
	return tok
}

// presenter joins a fresh room and starts publishing; stop ends it.
func (b *bench) presenter(ctx context.Context, what string) (room string, p *publisher, stop func(), err error) {
	room = fmt.Sprintf("bench-%s-%d", what, b.rooms.Add(1))
	c, err := dialClient(ctx, b.url, b.api, nil)
	if err != nil {
		return "", nil, nil, err
	}
	if err := c.join(ctx, b.token(room, "presenter", signaling.RoleHost)); err != nil {
		c.close()
		return "", nil, nil, err
	}
	pctx, cancel := context.WithCancel(ctx)
	p, err = c.publish(pctx, Layers(b.o.Layers))
	if err != nil {
		cancel()
		c.close()
		return "", nil, nil, err
	}
	return room, p, func() { cancel(); c.close() }, nil
}

// viewer is a subscriber that counts what it receives.
type viewer struct {
	c            *client
	audio, video Counter
	gotA, gotV   atomic.Bool
}

func (v *viewer) onTrack(tr *webrtc.TrackRemote) {
	ctr, got := &v.audio, &v.gotA
	if tr.Kind() == webrtc.RTPCodecTypeVideo {
		ctr, got = &v.video, &v.gotV
	}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := tr.Read(buf)
			if err != nil {
				return
			}
			if seq, ok := seqOf(buf[:n]); ok {
				ctr.Add(seq)
				got.Store(true)
			}
		}
	}()
}

type viewerSnap struct{ a, v CounterSnapshot }

func (v *viewer) snapshot() viewerSnap { return viewerSnap{v.audio.Snapshot(), v.video.Snapshot()} }

// addViewers joins n viewers to room, o.JoinParallel at a time.
func (b *bench) addViewers(ctx context.Context, room string, first, n int) ([]*viewer, error) {
	vs := make([]*viewer, n)
	errs := make([]error, n)
	sem := make(chan struct{}, b.o.JoinParallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			v := &viewer{}
			jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := dialClient(jctx, b.url, b.api, v.onTrack)
			if err != nil {
				errs[i] = err
				return
			}
			v.c = c
			vs[i] = v
			errs[i] = c.join(jctx, b.token(room, "viewer-"+strconv.Itoa(first+i), signaling.RoleViewer))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeViewers(vs)
		return nil, err
	}
	return vs, nil
}

// waitFlowing waits until every viewer receives audio and video.
func (b *bench) waitFlowing(ctx context.Context, vs []*viewer) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		waiting := 0
		for _, v := range vs {
			if err := v.c.err(); err != nil {
				return err
			}
			if !v.gotA.Load() || !v.gotV.Load() {
				waiting++
			}
		}
		if waiting == 0 {
			return nil
		}
		if err := b.sfu.exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d viewers receive no media after 60s; the SFU's last log lines:\n%s", waiting, len(vs), b.sfu.log.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // polling counters the readers update
		}
	}
}

func closeViewers(vs []*viewer) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, v := range vs {
		if v == nil || v.c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() { defer func() { <-sem }(); v.c.close() })
	}
	wg.Wait()
}

// window is a measured stretch: the SFU's CPU, the viewers' counters, the
// drops at their sockets and the presenter's count at its start and end.
type window struct {
	start, end     time.Time
	cpu0, cpu1     time.Duration
	snaps0, snaps1 []viewerSnap
	sock0, sock1   uint64
	pub0, pub1     uint64
	owed0, owed1   uint64
}

func (b *bench) measure(ctx context.Context, vs []*viewer, p *publisher, d time.Duration) (*window, error) {
	w := &window{}
	var err error
	take := func(t *time.Time, cpu *time.Duration, snaps *[]viewerSnap, sock, pub, owed *uint64) {
		if *cpu, err = b.sfu.cpu(); err != nil {
			return
		}
		*t, *sock, *pub, *owed = time.Now(), socketDrops(), p.sent.Load(), p.owed.Load()
		for _, v := range vs {
			*snaps = append(*snaps, v.snapshot())
		}
	}
	take(&w.start, &w.cpu0, &w.snaps0, &w.sock0, &w.pub0, &w.owed0)
	if err != nil {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(d):
	}
	take(&w.end, &w.cpu1, &w.snaps1, &w.sock1, &w.pub1, &w.owed1)
	if err != nil {
		return nil, err
	}
	return w, b.sfu.exited()
}

// totals returns the packets all viewers received in the window, and the
// worst and mean per-viewer loss (audio and video together).
func (w *window) totals() (received uint64, worst, mean float64) {
	for i := range w.snaps0 {
		a := Between(w.snaps0[i].a, w.snaps1[i].a)
		v := Between(w.snaps0[i].v, w.snaps1[i].v)
		both := Window{Received: a.Received + v.Received, Expected: a.Expected + v.Expected}
		received += both.Received
		l := both.Lost()
		if both.Expected == 0 {
			l = 1 // nothing arrived at all
		}
		worst = max(worst, l)
		mean += l
	}
	if len(w.snaps0) > 0 {
		mean /= float64(len(w.snaps0))
	}
	return received, worst, mean
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// forwarding measures one publisher to n subscribers, then the floor.
func (b *bench) forwarding(ctx context.Context, n int) (Forwarding, error) {
	f := Forwarding{Subscribers: n}
	b.logf("forwarding: one publisher (%d video layer(s) + audio) to %d subscribers", b.o.Layers, n)
	room, p, stop, err := b.presenter(ctx, "forward")
	if err != nil {
		return f, err
	}
	vs, err := b.addViewers(ctx, room, 0, n)
	if err == nil {
		err = b.waitFlowing(ctx, vs)
	}
	if err == nil {
		err = sleep(ctx, b.o.Warmup)
	}
	var w *window
	if err == nil {
		b.logf("forwarding: %d subscribers receiving; measuring %s", n, b.o.Window)
		w, err = b.measure(ctx, vs, p, b.o.Window)
	}
	closeViewers(vs)
	stop()
	if err != nil {
		return f, fmt.Errorf("forwarding to %d: %w", n, err)
	}
	f.Window, f.SFUCPU, f.Published, f.Owed = w.end.Sub(w.start), w.cpu1-w.cpu0, w.pub1-w.pub0, w.owed1-w.owed0
	f.Forwarded, f.WorstLoss, _ = w.totals()
	f.ClientDrops = w.sock1 - w.sock0
	b.logf("forwarding: %d packets out (%d of them dropped at full client sockets) in %s, SFU CPU %s: %.2f µs/packet", f.PacketsOut(), f.ClientDrops, f.Window.Round(time.Millisecond),
		f.SFUCPU, f.MicrosPerPacket())

	b.logf("floor: SRTP + UDP send of the same stream to %d sockets, on the SFU's core", n)
	recv, err := listenFloor(n)
	if err != nil {
		return f, err
	}
	defer recv.close()
	fl, err := startChild(b.o.Exe, []string{"bench", "sfu-floor", "--dests", recv.addrs(), "--layers", strconv.Itoa(b.o.Layers)}, nil, b.pin)
	if err != nil {
		return f, fmt.Errorf("start the floor: %w", err)
	}
	defer fl.stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, reached := recv.total(); reached == n {
			break
		}
		if err := fl.exited(); err != nil {
			return f, err
		}
		if time.Now().After(deadline) {
			return f, errors.New("floor: not every socket receives after 30s")
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil { // polling the receivers' counters
			return f, err
		}
	}
	if err := sleep(ctx, b.o.Warmup); err != nil {
		return f, err
	}
	cpu0, err := fl.cpu()
	if err != nil {
		return f, err
	}
	n0, _ := recv.total()
	d0 := socketDrops()
	t0 := time.Now()
	if err := sleep(ctx, b.o.Window); err != nil {
		return f, err
	}
	cpu1, err := fl.cpu()
	if err != nil {
		return f, err
	}
	n1, _ := recv.total()
	f.FloorWindow, f.FloorCPU, f.FloorSent, f.FloorDrops = time.Since(t0), cpu1-cpu0, n1-n0, socketDrops()-d0
	b.logf("floor: %d packets (%d dropped at full sockets) in %s, CPU %s: %.2f µs/packet", f.FloorSent+f.FloorDrops, f.FloorDrops, f.FloorWindow.Round(time.Millisecond), f.FloorCPU,
		f.FloorMicrosPerPacket())
	return f, nil
}

// joins measures join-to-first-frame, one subscriber at a time.
func (b *bench) joins(ctx context.Context) (*Joins, error) {
	room, _, stop, err := b.presenter(ctx, "join")
	if err != nil {
		return nil, err
	}
	defer stop()
	// The presenter's media must be flowing before the first join is timed.
	warm, err := b.addViewers(ctx, room, 0, 1)
	if err != nil {
		return nil, err
	}
	err = b.waitFlowing(ctx, warm)
	closeViewers(warm)
	if err != nil {
		return nil, err
	}
	b.logf("join to first frame: %d joins, %s apart", b.o.Joins, b.o.JoinGap)
	j := &Joins{}
	for i := range b.o.Joins {
		// The gap also follows the warm-up viewer, whose keyframe request
		// would otherwise throttle the first timed join's.
		if err := sleep(ctx, b.o.JoinGap); err != nil {
			return nil, err
		}
		d, err := b.oneJoin(ctx, room, i)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			b.logf("join %d: %v", i+1, err)
			j.Failed++
			continue
		}
		j.Times = append(j.Times, d)
	}
	sorted := slices.Clone(j.Times)
	slices.Sort(sorted)
	if len(sorted) > 0 {
		j.P50, j.P99, j.Max = percentile(sorted, 0.50), percentile(sorted, 0.99), sorted[len(sorted)-1]
	}
	return j, nil
}

func (b *bench) oneJoin(ctx context.Context, room string, i int) (time.Duration, error) {
	frame := make(chan time.Time, 1)
	var joiner atomic.Pointer[client] // set once dialled, read by the track's reader
	onTrack := func(tr *webrtc.TrackRemote) {
		if tr.Kind() != webrtc.RTPCodecTypeVideo {
			return
		}
		go func() {
			var fa FrameAssembler
			var lastPLI time.Time
			for {
				pkt, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				if !fa.inFrame && time.Since(lastPLI) > pliRepeat {
					// Like a browser whose decoder has no keyframe: ask for
					// one (the SFU throttles and relays it to the publisher).
					lastPLI = time.Now()
					c := joiner.Load()
					c.mu.Lock()
					sub := c.sub
					c.mu.Unlock()
					_ = sub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(tr.SSRC())}})
				}
				if fa.Add(pkt.SequenceNumber, pkt.Marker, pkt.Payload) {
					select {
					case frame <- time.Now():
					default:
					}
				}
			}
		}()
	}
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := dialClient(jctx, b.url, b.api, onTrack)
	if err != nil {
		return 0, err
	}
	joiner.Store(c)
	defer c.close()
	start := time.Now()
	if err := c.join(jctx, b.token(room, "joiner-"+strconv.Itoa(i), signaling.RoleViewer)); err != nil {
		return 0, err
	}
	select {
	case at := <-frame:
		return at.Sub(start), nil
	case <-jctx.Done():
		if err := c.err(); err != nil {
			return 0, err
		}
		return 0, errors.New("no complete keyframe within 10s of join")
	}
}

// pliRepeat is how often a joining viewer without a keyframe asks again,
// as libwebrtc's receiver does.
const pliRepeat = 300 * time.Millisecond

// percentile by nearest rank of sorted ds.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// fanout adds viewers to one presenter step by step until one loses more
// than MaxViewerLoss.
func (b *bench) fanout(ctx context.Context) (*Fanout, error) {
	room, p, stop, err := b.presenter(ctx, "fanout")
	if err != nil {
		return nil, err
	}
	defer stop()
	var vs []*viewer
	defer func() { closeViewers(vs) }()
	fo := &Fanout{}
	for _, n := range b.o.FanoutSteps {
		if n <= len(vs) {
			continue
		}
		b.logf("fan-out: %d viewers", n)
		step := FanoutStep{Viewers: n}
		more, err := b.addViewers(ctx, room, len(vs), n-len(vs))
		if err == nil {
			vs = append(vs, more...)
			err = b.waitFlowing(ctx, vs)
		}
		if err == nil {
			err = sleep(ctx, min(b.o.Warmup, 2*time.Second))
		}
		var w *window
		if err == nil {
			w, err = b.measure(ctx, vs, p, b.o.FanoutWindow)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if exited := b.sfu.exited(); exited != nil {
				return nil, exited
			}
			step.Err = err.Error()
			fo.Steps = append(fo.Steps, step)
			b.logf("fan-out: %d viewers could not be measured: %v", n, err)
			break
		}
		step.Window, step.SFUCPU = w.end.Sub(w.start), w.cpu1-w.cpu0
		step.Forwarded, step.WorstLoss, step.MeanLoss = w.totals()
		step.Drops, step.Published, step.Owed, step.Lag = w.sock1-w.sock0, w.pub1-w.pub0, w.owed1-w.owed0, p.stream.Lag()
		fo.Steps = append(fo.Steps, step)
		b.logf("fan-out: %d viewers, worst loss %.2f%%, SFU sent %.1f%%, SFU %.2f cores, presenter %s late", n,
			100*step.WorstLoss, 100*step.SFUShare(), step.SFUCPU.Seconds()/step.Window.Seconds(), step.Lag.Round(time.Millisecond))
		if step.Passed() && fo.MaxPassed == fo.MaxSFU {
			fo.MaxPassed = n
		}
		if !step.SFUPassed() {
			break
		}
		fo.MaxSFU = n
	}
	return fo, nil
}
