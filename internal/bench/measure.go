package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"
)

// Options of a closed-loop measurement.
type Options struct {
	Clients int
	Plan    Plan
	// Warmup runs unmeasured loops first for this long: they warm the hub's
	// and the database's caches and tell how many patients the measured run
	// needs. Zero skips it.
	Warmup time.Duration
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Measurement is a warm-up (nil without one) and the measured run.
type Measurement struct {
	Warmup   *Result
	Run      *Result
	Patients int // registered before the measured run
}

// Referrals returns every referral the measurement made, warm-up included.
func (m *Measurement) Referrals() []string {
	var out []string
	if m.Warmup != nil {
		out = append(out, m.Warmup.Referrals...)
	}
	return append(out, m.Run.Referrals...)
}

// maxPatients bounds the patient pool; beyond it loops refer patients again.
const maxPatients = 200_000

// Measure logs in to the hub at baseURL, registers patients with referral
// consents, warms up, registers as many more patients as the measured run
// should need (one fresh patient per loop), and runs the closed loop. Only
// the last step is measured.
func Measure(ctx context.Context, baseURL string, o Options) (*Measurement, error) {
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	d := NewDriver(baseURL, o.Clients)
	defer d.Close()
	if err := d.Login(ctx); err != nil {
		return nil, err
	}
	m := &Measurement{}
	if o.Warmup > 0 {
		t := time.Now()
		if err := d.AddPatients(ctx, 8*d.clients); err != nil {
			return nil, err
		}
		logf("warm-up: %d patients registered in %s; looping for %s", 8*d.clients, round(time.Since(t)), o.Warmup)
		w, err := d.Run(ctx, Plan{Duration: o.Warmup})
		if err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		m.Warmup = w
		logf("warm-up: %d loops in %s", w.Loops, round(w.Elapsed))
	}
	need := o.Plan.Loops
	if need <= 0 {
		need = 100 * d.clients
		if w := m.Warmup; w != nil && w.Loops > 0 {
			rate := float64(w.Loops) / w.Elapsed.Seconds()
			need = int(math.Ceil(rate*o.Plan.Duration.Seconds()*1.3)) + 2*d.clients
		}
	}
	need = min(need, maxPatients)
	registered, used := d.Patients()
	if fresh := need - max(registered-used, 0); fresh > 0 {
		t := time.Now()
		if err := d.AddPatients(ctx, fresh); err != nil {
			return nil, err
		}
		logf("set-up: %d more patients with referral consents registered in %s", fresh, round(time.Since(t)))
	}
	m.Patients, _ = d.Patients()
	if o.Plan.Loops > 0 {
		logf("measuring: %d loops with %d clients", o.Plan.Loops, d.clients)
	} else {
		logf("measuring: %s with %d clients", o.Plan.Duration, d.clients)
	}
	r, err := d.Run(ctx, o.Plan)
	if err != nil {
		return nil, err
	}
	m.Run = r
	logf("measured: %d loops in %s", r.Loops, round(r.Elapsed))
	return m, nil
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
