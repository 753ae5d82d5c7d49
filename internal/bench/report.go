package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// The targets of issue 3: the hub's transitions per second are at least
// TargetRatio of the reference's transactions per second, and every call's
// 99th percentile latency is under TargetP99.
const (
	TargetRatio = 0.4
	TargetP99   = 50 * time.Millisecond
)

// Env describes where the benchmark ran.
type Env struct {
	CPUs       int
	Platform   string // GOOS/GOARCH and Go version
	Postgres   string // server version
	Database   string // URL, password hidden
	Schema     string // the hub's scratch schema
	HubLogFile string // where the hub's log went, or ""
}

// Report is everything one `lianxin bench referrals` run measured.
type Report struct {
	Env         Env
	Options     Options
	Measurement *Measurement
	Check       Check
	Reference   *ReferenceResult // nil when skipped
}

// Ratio is the hub's transitions per second over the reference's
// transactions per second; ok is false without a reference.
func (r *Report) Ratio() (ratio float64, ok bool) {
	if r.Reference == nil || r.Reference.TPS == 0 {
		return 0, false
	}
	return r.TransitionsPerSecond() / r.Reference.TPS, true
}

// LoopsPerSecond is the measured run's rate of closed loops.
func (r *Report) LoopsPerSecond() float64 {
	run := r.Measurement.Run
	return float64(run.Loops) / run.Elapsed.Seconds()
}

// TransitionsPerSecond counts TransitionsPerLoop per loop.
func (r *Report) TransitionsPerSecond() float64 { return r.LoopsPerSecond() * TransitionsPerLoop }

// WorstP99 is the highest 99th percentile of any call, and that call.
func (r *Report) WorstP99() (time.Duration, Call) {
	calls, _ := r.Measurement.Run.PerCall()
	var worst time.Duration
	var which Call
	for c := range numCalls {
		if calls[c].P99 > worst {
			worst, which = calls[c].P99, c
		}
	}
	return worst, which
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	m, run := r.Measurement, r.Measurement.Run
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("Lianxin benchmark: referral closed loop over HTTP against PostgreSQL, and pgbench's ceiling for the same work")
	p("  machine      %d CPUs, %s; PostgreSQL %s", r.Env.CPUs, r.Env.Platform, r.Env.Postgres)
	p("  database     %s, hub schema %s (dropped at the end)", r.Env.Database, r.Env.Schema)
	p("  hub          in process on 127.0.0.1:0, demo alliance, audit sealer and outbox publisher running as in production")
	plan := run.Elapsed.Round(10 * time.Millisecond).String()
	if r.Options.Plan.Loops > 0 {
		plan = fmt.Sprintf("%d loops (%s)", r.Options.Plan.Loops, plan)
	}
	warm := "no warm-up"
	if m.Warmup != nil {
		warm = fmt.Sprintf("after a %s warm-up of %d loops", r.Options.Warmup, m.Warmup.Loops)
	}
	p("  run          %d clients for %s, %s; %d patients with referral consents registered beforehand, %d loops re-referred one",
		run.Clients, plan, warm, m.Patients, run.Reused)
	p("")
	p("Hub: create (chc-doctor: up, fast track, to the core hospital) → accept → schedule → arrive → complete (specialist)")
	p("  loops        %d in %.2fs = %.1f loops/s", run.Loops, run.Elapsed.Seconds(), r.LoopsPerSecond())
	p("  transitions  %.1f/s  (a transition = one state change committed with its timeline event, audit entry and", r.TransitionsPerSecond())
	p("               outbox event; %d per loop: the create and the four actions; one HTTP call each)", TransitionsPerLoop)
	p("")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  latency per call (ms)\tcalls\tp50\tp99\tmax\tmean\t")
	calls, all := run.PerCall()
	row := func(name string, s Summary) {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\t\n", name, s.N, ms(s.P50), ms(s.P99), ms(s.Max), ms(s.Mean))
	}
	for c := range numCalls {
		row("POST "+callPath(c), calls[c])
	}
	row("all calls", all)
	tw.Flush()
	p("")
	if ref := r.Reference; ref != nil {
		p("Reference: pgbench running reference.sql, the bare SQL of one transition in one transaction:")
		p("           BEGIN; SELECT … FROM ref WHERE id = :id FOR UPDATE; UPDATE ref …; INSERT INTO audit …; INSERT INTO outbox …; COMMIT;")
		p("  command      %s", ref.Command)
		p("  tps          %.1f (without initial connection time), %d transactions, %d failed", ref.TPS, ref.Transactions, ref.Failed)
		p("  latency      %s ms average", ms(ref.Latency))
	} else {
		p("Reference: skipped (--reference-duration 0)")
	}
	p("")
	p("Result")
	if ratio, ok := r.Ratio(); ok {
		p("  ratio        hub transitions/s ÷ reference tps = %.1f ÷ %.1f = %.3f", r.TransitionsPerSecond(), r.Reference.TPS, ratio)
		p("  target       ratio ≥ %.2f                     %-10s %s", TargetRatio, fmt.Sprintf("%.3f", ratio), verdict(ratio >= TargetRatio))
	} else {
		p("  target       ratio ≥ %.2f                     %-10s %s", TargetRatio, "n/a", "not measured")
	}
	worst, which := r.WorstP99()
	p("  target       p99 < %s of every call       %-10s %s  (worst: %s)", TargetP99, ms(worst)+" ms", verdict(worst < TargetP99), which)
	p("")
	c := r.Check
	p("Checks passed: %d referrals, all completed (%d measured, %d warm-up); %d timeline events, %d audit entries of",
		c.Referrals, run.Loops, c.Referrals-run.Loops, c.Events, c.AuditTransitions)
	p("  transitions and %d outbox events (%d per loop); every event published (%s after the run); %d audit entries in all,",
		c.Outbox, TransitionsPerLoop, c.DrainWait.Round(time.Millisecond), c.Audit)
	p("  %d sealed into the chain by then", c.Sealed)
	if r.Env.HubLogFile != "" {
		p("Hub log: %s", r.Env.HubLogFile)
	}
}

func callPath(c Call) string {
	if c == CallCreate {
		return "/referrals"
	}
	return "…/actions/" + c.String()
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// ms formats d in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
