package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/bench/sfubench"
)

const benchSFUUsage = `usage: lianxin bench sfu [flags]

Measures the video SFU as clients see it, on this machine's loopback UDP.
No database is needed.

How: this binary runs 'lianxin sfu' as a child process on a free port with
a master key made for the run, pinned with 'taskset -c 0' (when taskset
exists and there are at least 2 CPUs); the benchmark pins its own threads
to the other CPUs and runs every client there. Clients are Pion
PeerConnections that join through the real signaling WebSocket with room
tokens signed like the hub's, answer the server's offers and count RTP
sequence numbers (no interceptors, no decoding, no NACKs or receiver
reports sent back). The publisher sends synthetic VP8 shaped like 720p:
2.5 Mbit/s at 30 fps in payloads of at most 1,100 bytes, a keyframe
five times a frame's size every 2 s and on PLI, plus Opus at 50 packets/s.

1. Forwarding cost, for each --subscribers N: one publisher, N viewers;
   after --warmup, over --window: the SFU child's user+system CPU time
   (/proc/<pid>/stat) ÷ RTP packets all viewers received = µs per
   forwarded packet; packets out/s; worst viewer loss. Then the floor, in
   the same run and on the same core: 'lianxin bench sfu-floor' sends the
   same stream, SRTP-encrypted (AES-256-GCM, what Pion peers negotiate)
   per destination, to N UDP sockets here, with no SFU logic; its CPU ÷
   packets received. Targets: ≤ 5 µs per packet and ≤ 2× the floor.
2. Join to first frame (--joins, one every --join-gap): from sending join
   to the last packet of the first whole VP8 keyframe (start of partition 0
   of a keyframe, every packet up to the marker bit). Frames are not
   decoded (no VP8 decoder in Go): that is the instant a browser's decoder
   could show the picture. Target p99 < 500 ms.
3. Teaching fan-out (--fanout steps): viewers added to one presenter until
   one loses more than 1% of its packets in --fanout-window; prints the
   largest step that passed, with the CPU count.

Caveats: clients and SFU share the machine, so on 2 cores the clients'
one core (decrypting every packet of every viewer) can be what drops
packets at large N, not the SFU. The report tells them apart: packets
dropped at the clients' full sockets (/proc/net/udp) count as sent by the
SFU, it shows the SFU's CPU use in cores, and the fan-out also reports the
largest step at which the SFU itself still sent 99% of what it owed. Other
processes' load shows in the figures; the report prints the load average.
With --layers 3 the publisher sends three simulcast encodings (RIDs q, h,
f); an SFU without simulcast forwards one of them.

It exits non-zero only on errors, not on a missed target.

Flags:
`

// runBenchSFU is `lianxin bench sfu`.
func runBenchSFU(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench sfu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchSFUUsage)
		fs.PrintDefaults()
	}
	var o sfubench.Options
	subs := fs.String("subscribers", "50,200", "comma-separated subscriber counts for the forwarding cost (empty: skip)")
	fs.IntVar(&o.Layers, "layers", 1, "video layers the publisher sends: 1, or 3 for simulcast (q/h/f)")
	fs.DurationVar(&o.Warmup, "warmup", 3*time.Second, "unmeasured time before each window, once every viewer receives")
	fs.DurationVar(&o.Window, "window", 10*time.Second, "measured window of the forwarding cost and of its floor")
	fs.IntVar(&o.Joins, "joins", 30, "single joins timed for join-to-first-frame (0: skip)")
	fs.DurationVar(&o.JoinGap, "join-gap", time.Second, "pause between two timed joins (more than the SFU's 500 ms keyframe-request throttle)")
	fanout := fs.String("fanout", "25,50,100,150,200,250,300,400", "viewer counts tried in turn for the fan-out (empty: skip)")
	fs.DurationVar(&o.FanoutWindow, "fanout-window", 5*time.Second, "measured window of each fan-out step")
	fs.IntVar(&o.JoinParallel, "join-parallel", 8, "concurrent joins while filling a room")
	asJSON := fs.Bool("json", false, "print the figures as JSON instead of the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench sfu: unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.Subscribers, err = intList(*subs); err != nil {
		return fmt.Errorf("bench sfu: --subscribers: %w", err)
	}
	if o.FanoutSteps, err = intList(*fanout); err != nil {
		return fmt.Errorf("bench sfu: --fanout: %w", err)
	}
	if o.Layers != 1 && o.Layers != 3 {
		return errors.New("bench sfu: --layers must be 1 or 3")
	}
	if o.Joins == 0 {
		o.Joins = -1
	}
	if o.Warmup <= 0 || o.Window <= 0 || o.FanoutWindow <= 0 || o.JoinGap <= 0 {
		return errors.New("bench sfu: --warmup, --window, --fanout-window and --join-gap must be positive")
	}
	o.Log = prefixed{stderr}
	rep, err := sfubench.Run(ctx, o)
	if err != nil {
		return fmt.Errorf("bench sfu: %w", err)
	}
	if *asJSON {
		return rep.JSON(stdout)
	}
	rep.Print(stdout)
	return nil
}

// intList parses "50,200" into positive integers; "" is none.
func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}
