package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/lianxin-hub/lianxin/internal/bench"
	"github.com/lianxin-hub/lianxin/internal/bench/sfubench"
)

const benchUsage = `usage: lianxin bench referrals [flags]

Runs the referral closed loop (create → accept → schedule → arrive → complete)
over HTTP against an in-process hub on PostgreSQL with concurrent clients, then
pgbench with the bare SQL of one transition on the same server, and prints
loops/s, transitions/s, p50/p99 latency per call and their ratio against the
targets of issue 3. It exits non-zero only on errors, not on a missed target.

Flags:
`

// defaultBenchDatabaseURL is where `make bench` finds PostgreSQL on a fresh machine.
const defaultBenchDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// benchOptions are the flags of `lianxin bench referrals`.
type benchOptions struct {
	DatabaseURL       string
	Clients           int
	Duration          time.Duration
	Loops             int
	Warmup            time.Duration
	ReferenceDuration time.Duration
	ReferenceRows     int
	Pgbench           string
	HubLog            string
	CPUProfile        string
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-help" || args[0] == "-h") {
		fmt.Fprint(stdout, benchUsage+"  run 'lianxin bench referrals --help' for them.\n\n"+
			"Also: 'lianxin bench sfu' (the video SFU's forwarding cost, join to first frame and fan-out)\n"+
			"and 'lianxin bench analytics'; run them with --help.\n")
		return flag.ErrHelp
	}
	if len(args) > 0 && args[0] == "sfu" {
		return runBenchSFU(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "sfu-floor" { // the floor's child process, started by bench sfu
		return sfubench.RunFloor(ctx, args[1:], stderr)
	}
	if len(args) == 0 || args[0] != "referrals" {
		return errors.New("usage: lianxin bench referrals|sfu|analytics [flags]")
	}
	var o benchOptions
	fs := flag.NewFlagSet("bench referrals", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.DatabaseURL, "database-url", firstEnv(defaultBenchDatabaseURL, "LIANXIN_BENCH_DATABASE_URL", "LIANXIN_TEST_DATABASE_URL"),
		"PostgreSQL to measure; the run works in schemas of its own and drops them (LIANXIN_BENCH_DATABASE_URL, else LIANXIN_TEST_DATABASE_URL)")
	fs.IntVar(&o.Clients, "clients", 16, "concurrent HTTP clients, and pgbench clients")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "how long the measured closed loop runs")
	fs.IntVar(&o.Loops, "loops", 0, "run exactly this many loops instead of --duration")
	fs.DurationVar(&o.Warmup, "warmup", 3*time.Second, "unmeasured loops before the run (0 = none)")
	fs.DurationVar(&o.ReferenceDuration, "reference-duration", 15*time.Second, "how long pgbench runs the reference (0 skips it)")
	fs.IntVar(&o.ReferenceRows, "reference-rows", 100_000, "referrals in the reference table")
	fs.StringVar(&o.Pgbench, "pgbench", "", "the pgbench program (default: pgbench on PATH, else /usr/bin/pgbench)")
	fs.StringVar(&o.HubLog, "hub-log", "", "write the hub's full JSON log here (default: only its warnings and errors, to stderr)")
	fs.StringVar(&o.CPUProfile, "cpu-profile", "", "write a CPU profile of the process (hub and clients) during the closed loop here")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench referrals: unexpected argument %q", fs.Arg(0))
	}
	if o.Clients < 1 || o.Loops < 0 || (o.Loops == 0 && o.Duration <= 0) {
		return errors.New("bench referrals: --clients must be at least 1, and --duration or --loops positive")
	}
	return benchReferrals(ctx, o, stdout, stderr)
}

// benchReferrals runs the hub on a scratch schema, measures the closed loop,
// checks the database, stops the hub, runs the reference and prints the
// report. Every scratch schema and file is removed, also on failure.
func benchReferrals(ctx context.Context, o benchOptions, stdout, stderr io.Writer) error {
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", args...) }
	if o.ReferenceDuration > 0 { // fail before the long part, not after it
		p, err := bench.FindPgbench(o.Pgbench)
		if err != nil {
			return err
		}
		o.Pgbench = p
	}
	created, err := bench.EnsureDatabase(ctx, o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("%w (set --database-url or LIANXIN_BENCH_DATABASE_URL)", err)
	}
	if created {
		progress("created the database %s", redactURL(o.DatabaseURL))
	}
	schema, err := bench.CreateSchema(ctx, o.DatabaseURL, "bench_hub_")
	if err != nil {
		return fmt.Errorf("%w (set --database-url or LIANXIN_BENCH_DATABASE_URL)", err)
	}
	defer schema.Drop()
	dataDir, err := os.MkdirTemp("", "lianxin-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)

	hubLog := io.Writer(&warnings{w: stderr})
	if o.HubLog != "" {
		f, err := os.Create(o.HubLog)
		if err != nil {
			return err
		}
		defer f.Close()
		hubLog = f
	}
	m := NewMain(hubLog)
	m.Config.Register(flag.NewFlagSet("hub", flag.ContinueOnError)) // production defaults
	key := make([]byte, 32)
	rand.Read(key)
	m.Config.Addr, m.Config.DatabaseURL, m.Config.DataDir = "127.0.0.1:0", schema.URL, dataDir
	m.Config.SecretKey, m.Config.Demo, m.Config.RedisURL, m.Config.LogLevel = hex.EncodeToString(key), true, "", "info"
	_ = bench.Checkpoint(ctx, o.DatabaseURL)
	progress("starting the hub on schema %s (migrate, seed the demo alliance)", schema.Name)
	if err := m.Run(ctx); err != nil {
		m.Close()
		return fmt.Errorf("start the hub: %w", err)
	}
	hubOpen := true
	defer func() {
		if hubOpen {
			m.Close()
		}
	}()
	pgVersion, err := bench.ServerVersion(ctx, m.Store.SQL())
	if err != nil {
		return err
	}
	bo := bench.Options{Clients: o.Clients, Plan: bench.Plan{Duration: o.Duration, Loops: o.Loops}, Warmup: o.Warmup,
		Log: prefixed{stderr}}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	meas, err := bench.Measure(ctx, m.URL(), bo)
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return fmt.Errorf("closed loop: %w", err)
	}
	progress("checking the database and waiting for the outbox to drain")
	check, err := bench.Verify(ctx, m.Store.SQL(), meas.Referrals(), time.Minute)
	if err != nil {
		return err
	}
	hubOpen = false
	if err := m.Close(); err != nil {
		return fmt.Errorf("stop the hub: %w", err)
	}
	rep := &bench.Report{Options: bo, Measurement: meas, Check: check, Env: bench.Env{CPUs: runtime.NumCPU(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH + ", " + runtime.Version(), Postgres: pgVersion,
		Database: redactURL(o.DatabaseURL), Schema: schema.Name, HubLogFile: o.HubLog}}
	if o.ReferenceDuration > 0 {
		_ = bench.Checkpoint(ctx, o.DatabaseURL)
		progress("reference: pgbench for %s with %d clients", o.ReferenceDuration, o.Clients)
		ref, err := bench.Reference{DatabaseURL: o.DatabaseURL, Pgbench: o.Pgbench, Clients: o.Clients,
			Duration: o.ReferenceDuration, Rows: o.ReferenceRows}.Run(ctx)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		rep.Reference = &ref
	}
	rep.Print(stdout)
	return nil
}

// redactURL hides the password of a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// firstEnv returns the first of the named variables that is set, or def.
func firstEnv(def string, names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return def
}

// warnings passes on the hub's log lines of level WARN or ERROR and drops
// the rest (they are still formatted, as in production). slog's JSON
// handler writes one whole line per call.
type warnings struct{ w io.Writer }

func (l *warnings) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"level":"WARN"`)) || bytes.Contains(p, []byte(`"level":"ERROR"`)) {
		if _, err := l.w.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// prefixed marks the benchmark's progress lines.
type prefixed struct{ w io.Writer }

func (p prefixed) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append([]byte("bench: "), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
