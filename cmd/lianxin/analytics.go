package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/config"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// analyticsTool parses a tool's flags (the hub's settings and extra) with
// its own usage text, and opens the store.
func analyticsTool(ctx context.Context, name, usage string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*store.Store, error) {
	var c config.Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	c.Register(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return openStore(ctx, &c, log)
}

const analyticsUsage = `usage: lianxin analytics rebuild [flags]

Recomputes every analytics rollup (referral counts, delay histograms and
flows, by day, month and year) from the raw referrals and their events,
replacing what the live updates wrote. Referral transitions wait for the
rebuild and then add to the rebuilt rows; nothing is lost. Migrates first.

Flags:
`

// runAnalytics is `lianxin analytics rebuild`.
func runAnalytics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-help" || args[0] == "-h") {
		fmt.Fprint(stdout, analyticsUsage+"  run 'lianxin analytics rebuild --help' for them.\n")
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "rebuild" {
		return errors.New("usage: lianxin analytics rebuild [flags]")
	}
	st, err := analyticsTool(ctx, "analytics rebuild", analyticsUsage, args[1:], stderr, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	t0 := time.Now()
	n, err := st.RebuildRollups(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rebuilt %d rollup rows from the raw tables in %s\n", n, time.Since(t0).Round(time.Millisecond))
	return nil
}

const seedScaleUsage = `usage: lianxin seed --scale national|small|tiny --database-url postgres://… [flags]

Generates a realistic data set on a fresh PostgreSQL database for the
analytics benchmark: institutions in 30 provinces (real GB/T 2260 codes),
one vertical alliance per province, clinicians, patients with valid national
IDs encrypted with this installation's key (--secret-key, or the key file in
--data-dir), referrals over ten years with seasonality and an up:down mix,
every status and timing, eConsults, video consultations, ward rounds,
lectures and annual goals; then builds the analytics rollups. A progress bar
goes to stderr. national: 3,000 institutions, 50,000 clinicians, 5 million
patients, 10 million referrals (use a database of its own, e.g.
createdb lianxin_national); small is about a hundredth; tiny is for tests.
Seeded accounts share one unusable password: an administrator resets it
(admin-340000 administers the Anhui alliance; sysadmin every alliance).

Flags:
`

// seedWantsScale reports whether `lianxin seed` args ask for a generated
// data set (route them to runSeedScale) rather than the first administrator.
func seedWantsScale(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		return a == "--scale" || a == "-scale" || strings.HasPrefix(a, "--scale=") || strings.HasPrefix(a, "-scale=")
	})
}

// runSeedScale is `lianxin seed --scale …`.
func runSeedScale(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var scale, end string
	var seed uint64
	st, err := analyticsTool(ctx, "seed", seedScaleUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&scale, "scale", "", "national, small or tiny (required)")
		fs.Uint64Var(&seed, "seed", 1, "the generator's seed: the same seed and --end give the same data set")
		fs.StringVar(&end, "end", "", "the data set's last day, YYYY-MM-DD (default: yesterday, China Standard Time)")
	})
	if err != nil {
		return err
	}
	defer st.Close()
	sc, ok := store.SeedScales[scale]
	if !ok {
		return fmt.Errorf("seed: --scale must be national, small or tiny")
	}
	last := time.Now().In(analytics.Zone).AddDate(0, 0, -1)
	if end != "" {
		if last, err = time.ParseInLocation(time.DateOnly, end, analytics.Zone); err != nil {
			return fmt.Errorf("seed: --end must be a date YYYY-MM-DD")
		}
	}
	endAt := time.Date(last.Year(), last.Month(), last.Day(), 23, 59, 59, 0, analytics.Zone)
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "seed: generating the %s data set (seed %d, ending %s) on PostgreSQL\n", sc.Name, seed, endAt.Format(time.DateOnly))
	rep, err := st.SeedAnalytics(ctx, store.SeedOptions{Scale: sc, Seed: seed, End: endAt, Progress: stderr})
	if err != nil {
		return err
	}
	printSeedReport(stdout, rep)
	return nil
}

func printSeedReport(w io.Writer, rep store.SeedReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\trows\t")
	tables := make([]string, 0, len(rep.Rows))
	for t := range rep.Rows {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		fmt.Fprintf(tw, "%s\t%d\t\n", t, rep.Rows[t])
	}
	fmt.Fprintf(tw, "analytics rollups\t%d\t\n", rep.RollupRows)
	tw.Flush()
	for _, s := range rep.StageTimes {
		fmt.Fprintf(w, "  %-16s %s\n", s.Stage, s.Took.Round(time.Second))
	}
	fmt.Fprintf(w, "seeded in %s (foreign-key triggers off during the load: %v); log in as %s or sysadmin after resetting the password\n",
		rep.Took.Round(time.Second), rep.Superuser, rep.AdminUser)
}

const benchAnalyticsUsage = `usage: lianxin bench analytics --database-url postgres://… [flags]

Runs every dashboard view on a data set made by 'lianxin seed --scale',
--reps times with varied filters (all alliances, one alliance, one member
and side; the last year, quarter, a calendar year, the whole decade, odd
day ranges; directions and urgencies), as the seeded sysadmin. In the same
run it computes the same figures naively from the raw tables (--naive-reps
times, with the first filters, after every view's measured runs) and checks
that they agree. Prints p50 and p95 per view, the naive timings and the
speed-up, against the target of p95 < 100 ms. Reads only, apart from the
analytics.read audit entries.

Flags:
`

// runBenchAnalytics is `lianxin bench analytics`.
func runBenchAnalytics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var reps, naiveReps int
	var seed uint64
	var naiveTimeout time.Duration
	var only string
	st, err := analyticsTool(ctx, "bench analytics", benchAnalyticsUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&reps, "reps", 60, "measured runs of each view (after one unmeasured warm-up)")
		fs.IntVar(&naiveReps, "naive-reps", 2, "runs of each view computed from the raw tables (0 skips them)")
		fs.DurationVar(&naiveTimeout, "naive-timeout", 3*time.Minute, "give up a raw computation after this long")
		fs.Uint64Var(&seed, "seed", 1, "seed of the filter mix")
		fs.StringVar(&only, "views", "", "comma-separated names (or name prefixes) of the views to run; empty runs all")
	})
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Dialect() != store.Postgres {
		return errors.New("bench analytics: point --database-url at the PostgreSQL of 'lianxin seed --scale'")
	}
	if reps < 1 || naiveReps < 0 {
		return errors.New("bench analytics: --reps must be at least 1 and --naive-reps at least 0")
	}
	views, err := pickViews(only)
	if err != nil {
		return err
	}
	return benchAnalytics(ctx, st, views, reps, naiveReps, naiveTimeout, seed, stdout, stderr)
}

// pickViews is the views --views names (by name or prefix), all when empty.
func pickViews(only string) ([]benchView, error) {
	if strings.TrimSpace(only) == "" {
		return benchViews, nil
	}
	var out []benchView
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		n := len(out)
		for _, v := range benchViews {
			if strings.HasPrefix(v.name, name) && !slices.ContainsFunc(out, func(x benchView) bool { return x.name == v.name }) {
				out = append(out, v)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("bench analytics: --views: no view is called %q", name)
		}
	}
	return out, nil
}

// benchView is one dashboard view as the benchmark runs it; raw reports
// whether it has a naive computation to compare with.
type benchView struct {
	name string
	raw  bool
	run  func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error)
	note string // why there is no naive run
}

var benchViews = []benchView{
	{"volume by month", true, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		q.Interval = analytics.Monthly
		return st.AnalyticsVolume(ctx, q)
	}, ""},
	{"volume by week", true, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		q.Interval = analytics.Weekly
		return st.AnalyticsVolume(ctx, q)
	}, ""},
	{"kpis (rates, SLA)", true, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		return st.AnalyticsKPIs(ctx, q)
	}, ""},
	{"times (median, p90)", true, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		return st.AnalyticsTimes(ctx, q)
	}, ""},
	{"flows (Sankey)", true, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		return st.AnalyticsFlows(ctx, q)
	}, ""},
	{"members table", true, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		return st.AnalyticsMembers(ctx, q)
	}, ""},
	{"consultations", true, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		return st.AnalyticsConsults(ctx, q)
	}, ""},
	{"goal scoreboard", false, func(ctx context.Context, st *store.Store, q store.AnalyticsQuery) (any, error) {
		y, _ := time.Parse(time.DateOnly, q.To)
		return st.Scoreboard(ctx, q.AllianceID, y.Year())
	}, "n/a: no raw variant (its figures are the members' rollups)"},
}

func benchAnalytics(ctx context.Context, st *store.Store, views []benchView, reps, naiveReps int, naiveTimeout time.Duration, seed uint64,
	stdout, stderr io.Writer) error {
	a, env, err := benchActor(ctx, st)
	if err != nil {
		return err
	}
	ctx = auth.WithActor(ctx, a)
	filters, err := benchFilters(ctx, st, reps+1, seed)
	if err != nil {
		return err
	}
	type result struct {
		fast, naive   []time.Duration
		naiveTimedOut bool
		agree         string
		slowest       string // the slowest measured run and its filter
	}
	results := make([]result, len(views))
	// Every view's measured runs first, then the naive computations: each
	// of those reads gigabytes, and run between views it would leave the
	// next view's rollup pages evicted, which a live dashboard never sees.
	firsts := make([]any, len(views))
	for vi, v := range views {
		fmt.Fprintf(stderr, "bench: %-20s %d runs\n", v.name, reps)
		for i, f := range filters {
			q := v.adapt(f)
			t0 := time.Now()
			out, err := v.run(ctx, st, q)
			if err != nil {
				return fmt.Errorf("%s %+v: %w", v.name, q.Filter, err)
			}
			if i == 0 {
				firsts[vi] = out
				continue // warm-up
			}
			d := time.Since(t0)
			if len(results[vi].fast) == 0 || d > slices.Max(results[vi].fast) {
				results[vi].slowest = fmt.Sprintf("%s for %s", ms(d), describeQuery(q))
			}
			results[vi].fast = append(results[vi].fast, d)
		}
		fmt.Fprintf(stderr, "bench: %-20s slowest %s\n", v.name, results[vi].slowest)
	}
	for vi, v := range views {
		results[vi].agree = "n/a"
		if v.raw && naiveReps > 0 {
			fmt.Fprintf(stderr, "bench: %-20s %d naive\n", v.name, naiveReps)
			results[vi].agree = "yes"
			for i := 0; i < naiveReps; i++ {
				q := v.adapt(filters[i])
				q.Raw = true
				nctx, cancel := context.WithTimeout(ctx, naiveTimeout)
				t0 := time.Now()
				out, err := v.run(nctx, st, q)
				d := time.Since(t0)
				cancel()
				if err != nil && nctx.Err() != nil {
					results[vi].naiveTimedOut = true
					results[vi].agree = "timed out"
					break
				}
				if err != nil {
					return fmt.Errorf("%s (naive): %w", v.name, err)
				}
				results[vi].naive = append(results[vi].naive, d)
				want := firsts[vi]
				if i > 0 {
					q.Raw = false
					if want, err = v.run(ctx, st, q); err != nil {
						return err
					}
				}
				if !reflect.DeepEqual(want, out) {
					results[vi].agree = "NO"
				}
			}
		}
	}
	fmt.Fprintf(stdout, "lianxin bench analytics — %s\n\n", env)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "view\truns\tp50 ms\tp95 ms\tp95 < 100 ms\tnaive runs\tnaive p50 ms\tnaive p95 ms\tspeed-up (p50)\tsame figures")
	worst := time.Duration(0)
	for vi, v := range views {
		r := results[vi]
		p50, p95 := pct(r.fast, 0.5), pct(r.fast, 0.95)
		worst = max(worst, p95)
		ok := "yes"
		if p95 >= 100*time.Millisecond {
			ok = "NO"
		}
		naive := "\t\t\t"
		switch {
		case !v.raw:
			naive = "—\t—\t—\t—"
			r.agree = v.note
		case r.naiveTimedOut && len(r.naive) == 0:
			naive = fmt.Sprintf("0\t> %s\t\t> %.0f×", naiveTimeout, float64(naiveTimeout)/float64(p50))
		case len(r.naive) > 0:
			n50 := pct(r.naive, 0.5)
			naive = fmt.Sprintf("%d\t%s\t%s\t%.0f×", len(r.naive), ms(n50), ms(pct(r.naive, 0.95)), float64(n50)/float64(p50))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", v.name, len(r.fast), ms(p50), ms(p95), ok, naive, r.agree)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nworst p95 %s ms (target < 100 ms)\n", ms(worst))
	return nil
}

// describeQuery names a query's filter for the bench's log.
func describeQuery(q store.AnalyticsQuery) string {
	scope := "all alliances"
	switch {
	case q.InstitutionID != "":
		scope = "member " + q.InstitutionID[:8] + " side " + string(q.Side)
	case q.AllianceID != "":
		scope = "alliance " + q.AllianceID[:8]
	}
	return fmt.Sprintf("%s, %s..%s %s %s", scope, q.From, q.To, q.Direction, q.Urgency)
}

// benchQuery is a drawn filter, with an alliance for the views that need one.
type benchQuery struct {
	store.AnalyticsQuery
	fallback string
}

// adapt fits a filter to a view: the members table, the flows and the
// scoreboard need an alliance; a member's figures are kept by month, so the weekly trend is
// of the member's alliance.
func (v benchView) adapt(q benchQuery) store.AnalyticsQuery {
	if (v.name == "members table" || v.name == "goal scoreboard" || v.name == "flows (Sankey)") && q.AllianceID == "" {
		q.AllianceID = q.fallback
	}
	if v.name == "volume by week" {
		q.InstitutionID, q.Side = "", analytics.Both
	}
	return q.AnalyticsQuery
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// pct is the nearest-rank percentile of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// benchActor is the seeded sysadmin, and a line describing the data set.
func benchActor(ctx context.Context, st *store.Store) (auth.Actor, string, error) {
	var a auth.Actor
	var id, inst string
	row := st.SQL().QueryRowContext(ctx, "SELECT id, institution_id FROM users WHERE username = 'sysadmin'")
	if err := row.Scan(&id, &inst); err != nil {
		return a, "", fmt.Errorf("bench analytics: no seeded sysadmin (run 'lianxin seed --scale' first): %w", err)
	}
	a = auth.Actor{UserID: id, Username: "sysadmin", InstitutionID: inst, Roles: []auth.Role{auth.RoleSysadmin, auth.RoleAllianceAdmin},
		IP: "127.0.0.1", RequestID: "bench-analytics"}
	var refs, events, rollups int64
	var version string
	if err := st.SQL().QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM referrals), "+
		"(SELECT reltuples::bigint FROM pg_class WHERE oid = 'referral_events'::regclass), "+
		"(SELECT reltuples::bigint FROM pg_class WHERE oid = 'analytics_referrals'::regclass), current_setting('server_version')").
		Scan(&refs, &events, &rollups, &version); err != nil {
		return a, "", err
	}
	return a, fmt.Sprintf("%d referrals, ~%d events, ~%d rollup rows; PostgreSQL %s", refs, events, rollups, version), nil
}

// benchFilters draws n filters over the seeded data set.
func benchFilters(ctx context.Context, st *store.Store, n int, seed uint64) ([]benchQuery, error) {
	as, err := st.ListAlliances(ctx)
	if err != nil || len(as) == 0 {
		return nil, fmt.Errorf("bench analytics: no alliances (run 'lianxin seed --scale' first): %v", err)
	}
	members := map[string][]string{}
	for _, a := range as {
		ms, err := st.ListMembers(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			members[a.ID] = append(members[a.ID], m.InstitutionID)
		}
	}
	var last time.Time
	if err := st.SQL().QueryRowContext(ctx, "SELECT MAX(created_at) FROM referrals").Scan(&last); err != nil {
		return nil, fmt.Errorf("bench analytics: no referrals: %w", err)
	}
	end := last.In(analytics.Zone)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]benchQuery, n)
	for i := range out {
		var q benchQuery
		al := as[r.IntN(len(as))].ID
		switch x := r.Float64(); {
		case x < 0.2: // all alliances
		case x < 0.8:
			q.AllianceID = al
		default:
			q.AllianceID = al
			ms := members[al]
			q.InstitutionID = ms[r.IntN(len(ms))]
			q.Side = []analytics.Side{analytics.Both, analytics.Sent, analytics.Received}[r.IntN(3)]
		}
		switch x := r.Float64(); {
		case x < 0.3:
			q.From, q.To = day(end.AddDate(-1, 0, 1)), day(end)
		case x < 0.5:
			q.From, q.To = day(end.AddDate(0, -3, 1)), day(end)
		case x < 0.7:
			q.From, q.To = day(end.AddDate(-10, 0, 0)), day(end)
		case x < 0.85:
			y := end.Year() - 1 - r.IntN(8)
			q.From, q.To = fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-12-31", y)
		default:
			a := end.AddDate(0, 0, -r.IntN(3000))
			q.From, q.To = day(a.AddDate(0, 0, -30-r.IntN(700))), day(a)
		}
		if r.Float64() < 0.2 {
			q.Direction = referral.Directions[r.IntN(3)]
		}
		if r.Float64() < 0.15 {
			q.Urgency = referral.Urgencies[r.IntN(3)]
		}
		q.fallback = al
		out[i] = q
	}
	return out, nil
}
