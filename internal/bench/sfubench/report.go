package sfubench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("Lianxin benchmark: the video SFU (`lianxin sfu` as a child process) with Pion clients over loopback UDP")
	p("  machine      %d CPUs, %s; load average %.2f before, %.2f after", r.Env.CPUs, r.Env.Platform, r.Env.LoadBefore, r.Env.LoadAfter)
	p("  pinning      SFU and floor: %s; clients: %s", r.Env.Pinning.Child, r.Env.Pinning.Clients)
	layers := "1 VP8 layer (720p, 2.5 Mbit/s, 30 fps)"
	if r.Layers == 3 {
		layers = "3 simulcast VP8 layers q/h/f (150 kbit/s 15 fps, 500 kbit/s, 2.5 Mbit/s 30 fps)"
	}
	p("  publisher    %s + Opus 50 packets/s; ≤ %d-byte payloads, keyframe every %s (and on PLI); %.0f packets/s",
		layers, MaxVideoPayload, KeyframeInterval, r.StreamPPS)
	p("  clients      no interceptors, no decoding: they count RTP sequence numbers (loss = gaps)")
	if len(r.Forwarding) > 0 {
		p("")
		p("Forwarding cost: SFU CPU (utime+stime of the child) ÷ packets it sent to the subscribers, in the same window;")
		p("floor: a child on the same core SRTP-encrypting (AES-256-GCM) and sending the same stream to as many UDP sockets")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  subscribers\twindow\tpublished/s\tpackets out/s\tSFU cores\tSFU µs/pkt\tfloor µs/pkt\tratio\tread\tclient drops\tworst loss\t")
		for _, f := range r.Forwarding {
			delivered := 0.0
			if f.Owed > 0 {
				delivered = float64(f.Forwarded) / float64(f.Owed*uint64(f.Subscribers))
			}
			fmt.Fprintf(tw, "  %d\t%s\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f×\t%.1f%%\t%d\t%.2f%%\t\n", f.Subscribers, f.Window.Round(time.Millisecond),
				rate(f.Published, f.Window), f.PacketsPerSecond(), f.SFUCores(), f.MicrosPerPacket(), f.FloorMicrosPerPacket(), f.Ratio(), 100*delivered,
				f.ClientDrops, 100*f.WorstLoss)
		}
		tw.Flush()
		p("  (packets out = read by the clients + dropped at their full sockets (/proc/net/udp), i.e. what the SFU sent;")
		p("   read = packets the clients read ÷ (packets owed × subscribers; owed: audio and the top video layer); worst loss = one client's sequence gaps)")
	}
	if j := r.Joins; j != nil {
		p("")
		p("Join to first frame: a new viewer sends join → the last packet of its first whole VP8 keyframe arrives")
		over := 0
		for _, d := range j.Times {
			if d >= TargetJoinP99 {
				over++
			}
		}
		p("  joins        %d measured, %d failed (no keyframe in 10 s); p50 %s, p99 %s, max %s; %d took ≥ %s", len(j.Times),
			j.Failed, msf(j.P50), msf(j.P99), msf(j.Max), over, msf(TargetJoinP99))
	}
	if fo := r.Fanout; fo != nil {
		p("")
		p("Teaching fan-out: viewers added to one presenter (audio + video). A step passes when no viewer loses more than")
		p("%.0f%% and the presenter (on the clients' core) is at most %s behind its schedule; steps go on while the",
			100*MaxViewerLoss, MaxPresenterLag)
		p("SFU sends ≥ %.0f%% of packets owed × viewers (audio and the top layer; read + dropped at full client sockets), to find its own limit",
			100*(1-MaxViewerLoss))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  viewers\tpresenter late\tpackets out/s\tSFU sent\tSFU cores\tclient drops\tworst loss\tmean loss\tpassed\t")
		for _, s := range fo.Steps {
			if s.Err != "" {
				fmt.Fprintf(tw, "  %d\t—\t—\t—\t—\t—\t—\t—\tno\t(%s)\n", s.Viewers, s.Err)
				continue
			}
			fmt.Fprintf(tw, "  %d\t%s\t%.0f\t%.1f%%\t%.2f\t%d\t%.2f%%\t%.2f%%\t%s\t\n", s.Viewers, msf(s.Lag),
				rate(s.Forwarded+s.Drops, s.Window), 100*s.SFUShare(), s.SFUCPU.Seconds()/s.Window.Seconds(), s.Drops, 100*s.WorstLoss,
				100*s.MeanLoss, yesNo(s.Passed()))
		}
		tw.Flush()
	}
	p("")
	p("Result")
	for _, f := range r.Forwarding {
		p("  target  SFU ≤ %.0f µs per forwarded packet (N=%d)   %-12s %s", TargetMicrosPerPacket, f.Subscribers,
			fmt.Sprintf("%.2f µs", f.MicrosPerPacket()), verdict(f.MicrosPerPacket() <= TargetMicrosPerPacket))
		p("  target  SFU ≤ %.0f× the floor (N=%d)                %-12s %s", TargetFloorRatio, f.Subscribers,
			fmt.Sprintf("%.2f×", f.Ratio()), verdict(f.Ratio() > 0 && f.Ratio() <= TargetFloorRatio))
	}
	if j := r.Joins; j != nil {
		ok := len(j.Times) > 0 && j.Failed == 0 && j.P99 < TargetJoinP99
		p("  target  join to first frame p99 < %s            %-12s %s", msf(TargetJoinP99), msf(j.P99), verdict(ok))
	}
	if fo := r.Fanout; fo != nil {
		p("  fan-out largest viewer count with every viewer ≤ %.0f%% loss (and the presenter on time): %d on %d CPUs (steps tried: %s)",
			100*MaxViewerLoss, fo.MaxPassed, r.Env.CPUs, steps(fo))
		p("  fan-out largest viewer count the SFU sent ≥ %.0f%% of the packets to (client drops not held against it): %d",
			100*(1-MaxViewerLoss), fo.MaxSFU)
	}
}

func steps(fo *Fanout) string {
	s := ""
	for i, st := range fo.Steps {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(st.Viewers)
	}
	return s
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// JSON writes the report's figures as one JSON object.
func (r *Report) JSON(w io.Writer) error {
	type fwd struct {
		Subscribers          int     `json:"subscribers"`
		WindowSeconds        float64 `json:"windowSeconds"`
		PacketsPublished     uint64  `json:"packetsPublished"`
		PacketsOut           uint64  `json:"packetsOut"`
		ClientDrops          uint64  `json:"clientDrops"`
		PacketsOutPerSecond  float64 `json:"packetsOutPerSecond"`
		SFUCPUSeconds        float64 `json:"sfuCpuSeconds"`
		SFUMicrosPerPacket   float64 `json:"sfuMicrosPerPacket"`
		FloorMicrosPerPacket float64 `json:"floorMicrosPerPacket"`
		Ratio                float64 `json:"ratio"`
		WorstLoss            float64 `json:"worstLoss"`
	}
	type step struct {
		Viewers   int     `json:"viewers"`
		WorstLoss float64 `json:"worstLoss"`
		MeanLoss  float64 `json:"meanLoss"`
		Drops     uint64  `json:"clientDrops"`
		LagMs     float64 `json:"presenterLagMs"`
		Passed    bool    `json:"passed"`
		SFUShare  float64 `json:"sfuSent"`
		Error     string  `json:"error,omitempty"`
	}
	out := struct {
		CPUs       int     `json:"cpus"`
		Load       float64 `json:"loadAverageBefore"`
		Layers     int     `json:"layers"`
		Forwarding []fwd   `json:"forwarding"`
		JoinP50ms  float64 `json:"joinP50Ms,omitempty"`
		JoinP99ms  float64 `json:"joinP99Ms,omitempty"`
		JoinFailed int     `json:"joinFailed"`
		Fanout     []step  `json:"fanout,omitempty"`
		FanoutMax  int     `json:"fanoutMaxViewers"`
		FanoutSFU  int     `json:"fanoutMaxViewersSFU"`
	}{CPUs: r.Env.CPUs, Load: r.Env.LoadBefore, Layers: r.Layers, Forwarding: []fwd{}}
	for _, f := range r.Forwarding {
		out.Forwarding = append(out.Forwarding, fwd{f.Subscribers, f.Window.Seconds(), f.Published, f.PacketsOut(), f.ClientDrops, f.PacketsPerSecond(),
			f.SFUCPU.Seconds(), f.MicrosPerPacket(), f.FloorMicrosPerPacket(), f.Ratio(), f.WorstLoss})
	}
	if j := r.Joins; j != nil {
		out.JoinP50ms, out.JoinP99ms, out.JoinFailed = float64(j.P50)/1e6, float64(j.P99)/1e6, j.Failed
	}
	if fo := r.Fanout; fo != nil {
		out.FanoutMax, out.FanoutSFU = fo.MaxPassed, fo.MaxSFU
		for _, s := range fo.Steps {
			out.Fanout = append(out.Fanout, step{s.Viewers, s.WorstLoss, s.MeanLoss, s.Drops, float64(s.Lag) / 1e6,
				s.Passed(), s.SFUShare(), s.Err})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
