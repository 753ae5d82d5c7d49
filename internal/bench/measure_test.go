package bench_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lianxin-hub/lianxin/internal/bench"
	"github.com/lianxin-hub/lianxin/internal/demo"
	"github.com/lianxin-hub/lianxin/internal/httpapi"
	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
	"github.com/lianxin-hub/lianxin/signaling/presence"
)

// TestMeasure runs the harness itself, with one client and a few loops,
// against a hub on SQLite and (when LIANXIN_TEST_DATABASE_URL is set)
// PostgreSQL, and checks what it measured and verified. On PostgreSQL it
// also runs the reference for a second when pgbench is installed.
func TestMeasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		if _, err := demo.Seed(ctx, st); err != nil {
			t.Fatal(err)
		}
		api := httpapi.New(httpapi.Options{Store: st, Presence: presence.NewMemory(), Logger: slog.New(slog.DiscardHandler)})
		srv := httptest.NewServer(api.Handler())
		bg, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { st.RunSealer(bg, 50*time.Millisecond) })
		wg.Go(func() { st.RunPublisher(bg, time.Second, api.Deliver) })
		t.Cleanup(func() {
			srv.Close()
			cancel()
			wg.Wait()
		})

		var progress bytes.Buffer
		o := bench.Options{Clients: 1, Plan: bench.Plan{Loops: 3}, Warmup: 100 * time.Millisecond, Log: &progress}
		m, err := bench.Measure(ctx, srv.URL, o)
		if err != nil {
			t.Fatalf("measure: %v\n%s", err, progress.String())
		}
		if m.Run.Loops != 3 || len(m.Run.Referrals) != 3 {
			t.Fatalf("measured %d loops (%d referrals), want 3", m.Run.Loops, len(m.Run.Referrals))
		}
		if m.Warmup == nil || m.Warmup.Loops < 1 {
			t.Fatalf("warm-up = %+v, want at least one loop", m.Warmup)
		}
		if m.Run.Reused != 0 {
			t.Errorf("%d measured loops re-referred a patient; the set-up should register one per loop", m.Run.Reused)
		}
		calls, all := m.Run.PerCall()
		for c, s := range calls {
			if s.N != 3 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
				t.Errorf("call %d: summary %+v, want 3 ordered latencies", c, s)
			}
		}
		if all.N != 3*bench.TransitionsPerLoop {
			t.Errorf("%d calls in all, want %d", all.N, 3*bench.TransitionsPerLoop)
		}

		ids := m.Referrals()
		check, err := bench.Verify(ctx, st.SQL(), ids, 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := bench.TransitionsPerLoop * len(ids)
		if check.Referrals != len(ids) || check.Completed != len(ids) || check.Events != want || check.Outbox != want ||
			check.Published != want || check.AuditTransitions != want || check.Audit <= want {
			t.Errorf("check = %+v; want %d completed referrals and %d events, outbox rows and transition audits", check, len(ids), want)
		}
		// Verify notices what is missing: a referral the database never saw.
		if _, err := bench.Verify(ctx, st.SQL(), append(ids[:len(ids):len(ids)], "no-such-referral"), 0); err == nil ||
			!strings.Contains(err.Error(), "no-such-referral") {
			t.Errorf("Verify with an unknown referral = %v, want an error naming it", err)
		}

		rep := &bench.Report{Options: o, Measurement: m, Check: check, Env: bench.Env{CPUs: 2, Platform: "test", Postgres: "-"}}
		if st.Dialect() == store.Postgres {
			if _, err := bench.FindPgbench(""); err != nil {
				t.Logf("reference not run: %v", err)
			} else {
				ref, err := bench.Reference{DatabaseURL: os.Getenv(storetest.EnvDatabaseURL), Clients: 1, Duration: time.Second,
					Rows: 100}.Run(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if ref.TPS <= 0 || ref.Transactions <= 0 || ref.Latency <= 0 {
					t.Errorf("reference = %+v, want positive figures", ref)
				}
				rep.Reference = &ref
			}
		}
		var out bytes.Buffer
		rep.Print(&out)
		for _, w := range []string{"loops/s", "transitions", "POST /referrals", "…/actions/complete", "p99 < 50ms", "Checks passed"} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("report lacks %q:\n%s", w, out.String())
			}
		}
		if rep.Reference != nil && !strings.Contains(out.String(), "ratio        hub transitions/s ÷ reference tps") {
			t.Errorf("report lacks the ratio:\n%s", out.String())
		}
	})
}
