package main

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"strings"
	"testing"
)

// TestMain lets this test binary stand in for the lianxin binary: `lianxin
// bench sfu` starts os.Executable() as `sfu` and `bench sfu-floor`, which
// under `go test` is this binary. With LIANXIN_TEST_RUN_MAIN=1 it runs main
// instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("LIANXIN_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBenchSfu runs `lianxin bench sfu` in a tiny configuration (2
// subscribers, 1 s windows, 3 joins, fan-out to 4) against a real `lianxin
// sfu` child, and checks that the figures are measured and agree with each
// other. It asserts nothing about speed: this is a shared, loaded machine.
func TestBenchSfu(t *testing.T) {
	t.Setenv("LIANXIN_TEST_RUN_MAIN", "1") // for the children only: TestMain has run here
	out, stderr, err := lianxin(t, "", "bench", "sfu", "--subscribers", "2", "--warmup", "500ms", "--window", "1s",
		"--joins", "3", "--join-gap", "600ms", "--fanout", "2,4", "--fanout-window", "1s", "--json")
	if err != nil {
		t.Fatalf("bench sfu: %v\n%s", err, stderr)
	}
	var r struct {
		CPUs       int `json:"cpus"`
		Layers     int `json:"layers"`
		Forwarding []struct {
			Subscribers          int     `json:"subscribers"`
			WindowSeconds        float64 `json:"windowSeconds"`
			PacketsPublished     uint64  `json:"packetsPublished"`
			PacketsOut           uint64  `json:"packetsOut"`
			PacketsOutPerSecond  float64 `json:"packetsOutPerSecond"`
			SFUCPUSeconds        float64 `json:"sfuCpuSeconds"`
			SFUMicrosPerPacket   float64 `json:"sfuMicrosPerPacket"`
			FloorMicrosPerPacket float64 `json:"floorMicrosPerPacket"`
			Ratio                float64 `json:"ratio"`
			WorstLoss            float64 `json:"worstLoss"`
		} `json:"forwarding"`
		JoinP50ms  float64 `json:"joinP50Ms"`
		JoinP99ms  float64 `json:"joinP99Ms"`
		JoinFailed int     `json:"joinFailed"`
		Fanout     []struct {
			Viewers   int     `json:"viewers"`
			WorstLoss float64 `json:"worstLoss"`
			LagMs     float64 `json:"presenterLagMs"`
			Passed    bool    `json:"passed"`
			SFUSent   float64 `json:"sfuSent"`
			Error     string  `json:"error"`
		} `json:"fanout"`
		FanoutMax int `json:"fanoutMaxViewers"`
		FanoutSFU int `json:"fanoutMaxViewersSFU"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, out)
	}
	if r.CPUs < 1 || r.Layers != 1 || len(r.Forwarding) != 1 {
		t.Fatalf("report = %+v", r)
	}
	f := r.Forwarding[0]
	// The publisher's packets reach both subscribers (window edges and a
	// loaded machine allow some slack either way).
	if f.Subscribers != 2 || f.PacketsPublished < 100 || f.PacketsOut < f.PacketsPublished ||
		f.PacketsOut > 2*f.PacketsPublished+200 {
		t.Errorf("forwarding: %d packets published, %d received by 2 subscribers", f.PacketsPublished, f.PacketsOut)
	}
	if f.SFUCPUSeconds <= 0 || f.SFUMicrosPerPacket <= 0 || f.FloorMicrosPerPacket <= 0 {
		t.Errorf("forwarding: CPU %.3fs, %.2f µs/packet, floor %.2f µs/packet; want all positive", f.SFUCPUSeconds,
			f.SFUMicrosPerPacket, f.FloorMicrosPerPacket)
	}
	if want := f.SFUCPUSeconds * 1e6 / float64(f.PacketsOut); math.Abs(f.SFUMicrosPerPacket-want) > 0.01*want {
		t.Errorf("µs/packet %.3f, but CPU ÷ packets = %.3f", f.SFUMicrosPerPacket, want)
	}
	if want := f.SFUMicrosPerPacket / f.FloorMicrosPerPacket; math.Abs(f.Ratio-want) > 0.01*want {
		t.Errorf("ratio %.3f, but SFU ÷ floor = %.3f", f.Ratio, want)
	}
	if want := float64(f.PacketsOut) / f.WindowSeconds; math.Abs(f.PacketsOutPerSecond-want) > 0.01*want || f.WindowSeconds < 1 {
		t.Errorf("packets out/s %.1f over %.3fs, want %.1f", f.PacketsOutPerSecond, f.WindowSeconds, want)
	}
	if f.WorstLoss < 0 || f.WorstLoss > 1 {
		t.Errorf("worst loss %v is not a share", f.WorstLoss)
	}
	if r.JoinFailed != 0 || r.JoinP50ms <= 0 || r.JoinP99ms < r.JoinP50ms {
		t.Errorf("joins: %d failed, p50 %.1f ms, p99 %.1f ms", r.JoinFailed, r.JoinP50ms, r.JoinP99ms)
	}
	// The fan-out's answers are the largest steps before the first that
	// failed: a step passes only without an error, within 1% loss and with
	// the presenter sending; the SFU's own limit counts what it sent.
	want, wantSFU := 0, 0
	for i, s := range r.Fanout {
		if s.Viewers != []int{2, 4}[i] {
			t.Fatalf("fan-out steps %+v, want 2 then 4", r.Fanout)
		}
		if s.Passed && (s.Error != "" || s.WorstLoss > 0.01 || s.LagMs > 250) {
			t.Errorf("fan-out step %+v passed", s)
		}
		if s.Error == "" && (s.SFUSent < 0.5 || s.SFUSent > 1.5) {
			t.Errorf("fan-out step %+v: the SFU sent an implausible share", s)
		}
		if s.Passed && want == wantSFU {
			want = s.Viewers
		}
		if s.Error != "" || s.SFUSent < 0.99 || s.LagMs > 250 {
			break
		}
		wantSFU = s.Viewers
	}
	if len(r.Fanout) == 0 || r.FanoutMax != want || r.FanoutSFU != wantSFU {
		t.Errorf("fan-out: max %d, SFU %d from steps %+v; want %d, %d", r.FanoutMax, r.FanoutSFU, r.Fanout, want, wantSFU)
	}
}

func TestBenchSfuFlags(t *testing.T) {
	_, stderr, err := lianxin(t, "", "bench", "sfu", "--help")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("bench sfu --help = %v", err)
	}
	for _, w := range []string{"-subscribers", "-layers", "-joins", "-fanout", "taskset", "floor", "keyframe"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("help does not mention %s", w)
		}
	}
	for _, args := range [][]string{{"--layers", "2"}, {"--subscribers", "0"}, {"--fanout", "x"}, {"--window", "0s"}} {
		if _, _, err := lianxin(t, "", append([]string{"bench", "sfu"}, args...)...); err == nil {
			t.Errorf("bench sfu %v succeeded", args)
		}
	}
}
