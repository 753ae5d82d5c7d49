package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/analytics"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/secret"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// call runs one of this file's commands in process.
func call(t *testing.T, fn func(ctx context.Context, args []string, stdout, stderr io.Writer) error, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := fn(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestAnalyticsCommandsHelp(t *testing.T) {
	dataDir := t.TempDir()
	t.Setenv("LIANXIN_DATA_DIR", dataDir)
	for _, tc := range []struct {
		name string
		fn   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
		args []string
		want []string
	}{
		{"analytics rebuild", runAnalytics, []string{"rebuild", "--help"}, []string{"-database-url", "-data-dir", "raw referrals"}},
		{"seed --scale", runSeedScale, []string{"--scale", "tiny", "--help"}, []string{"-scale", "-seed", "-end", "national", "-database-url"}},
		{"bench analytics", runBenchAnalytics, []string{"--help"}, []string{"-reps", "-naive-reps", "-naive-timeout", "p95"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := call(t, tc.fn, tc.args...)
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("%s = %v; want flag.ErrHelp", tc.name, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("help does not mention %s:\n%s", w, stderr)
				}
			}
		})
	}
	out, _, err := call(t, runAnalytics, "--help")
	if !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out, "usage: lianxin analytics rebuild") {
		t.Errorf("analytics --help = %q, %v", out, err)
	}
	if _, _, err := call(t, runAnalytics, "frobnicate"); err == nil {
		t.Error("analytics frobnicate succeeded")
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Fatalf("--help wrote %d files into the data dir", len(entries))
	}
	if !seedWantsScale([]string{"--database-url", "x", "--scale=tiny"}) || seedWantsScale([]string{"--admin", "root"}) {
		t.Error("seedWantsScale does not tell the two seeds apart")
	}
}

func TestAnalyticsRebuildCommand(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dir, url string) {
		seedDemoDatabase(t, dir, url)
		out, _, err := call(t, runAnalytics, append([]string{"rebuild"}, dbFlags(dir, url)...)...)
		if err != nil || !strings.HasPrefix(out, "rebuilt 0 rollup rows") {
			t.Fatalf("analytics rebuild on a database without referrals = %q, %v", out, err)
		}
	})
}

// TestSeedTinyScaleAndBench generates the tiny data set on a fresh
// PostgreSQL schema, checks it, and runs the benchmark on it; on SQLite the
// seed refuses.
func TestSeedTinyScaleAndBench(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dir, url string) {
		args := append([]string{"--scale", "tiny", "--seed", "7", "--end", "2026-06-30"}, dbFlags(dir, url)...)
		out, stderr, err := call(t, runSeedScale, args...)
		if url == "" {
			if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
				t.Fatalf("seed --scale on SQLite = %v; want a refusal naming PostgreSQL", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("seed --scale tiny: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "referrals") || !strings.Contains(stderr, "#") {
			t.Errorf("no progress bar on stderr:\n%s", stderr)
		}
		if !strings.Contains(out, "analytics rollups") {
			t.Errorf("no report:\n%s", out)
		}
		t.Logf("seed report:\n%s", out)
		s := openDB(t, dir, url)
		counts := map[string]int{}
		for _, tb := range []string{"institutions", "alliances", "patients", "referrals", "referral_events", "consults",
			"video_consults", "round_occurrences", "lectures", "analytics_goals", "analytics_referrals"} {
			var n int
			if err := s.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+tb).Scan(&n); err != nil {
				t.Fatal(err)
			}
			counts[tb] = n
		}
		if counts["alliances"] != 2 || counts["patients"] != 600 || counts["referrals"] < 2000 ||
			counts["referral_events"] < 3*counts["referrals"] || counts["consults"] < 50 || counts["video_consults"] < 20 ||
			counts["round_occurrences"] < 50 || counts["lectures"] < 40 || counts["analytics_goals"] == 0 || counts["analytics_referrals"] == 0 {
			t.Errorf("seeded %v", counts)
		}
		// National IDs: valid, encrypted with the installation's key, found by their keyed hash.
		rows, err := s.SQL().QueryContext(t.Context(), "SELECT national_id_enc, national_id_hash, national_id_masked FROM patients LIMIT 50")
		if err != nil {
			t.Fatal(err)
		}
		keys := storeKeys(t)
		for rows.Next() {
			var enc, hash, masked string
			if err := rows.Scan(&enc, &hash, &masked); err != nil {
				t.Fatal(err)
			}
			nid, err := keys.Open(enc)
			if err != nil || patient.ValidateNationalID(nid) != nil || keys.Lookup(nid) != hash || patient.MaskNationalID(nid) != masked {
				t.Fatalf("seeded national ID %q (%v) does not round-trip", nid, err)
			}
		}
		rows.Close()
		// The rollups the seed built agree with the raw data.
		var sys, inst string
		if err := s.SQL().QueryRowContext(t.Context(), "SELECT id, institution_id FROM users WHERE username = 'sysadmin'").Scan(&sys, &inst); err != nil {
			t.Fatal(err)
		}
		ctx := auth.WithActor(t.Context(), auth.Actor{UserID: sys, Username: "sysadmin", InstitutionID: inst,
			Roles: []auth.Role{auth.RoleSysadmin}})
		q := store.AnalyticsQuery{Filter: analytics.Filter{From: "2024-07-01", To: "2026-06-30"}}
		k1, err1 := s.AnalyticsKPIs(ctx, q)
		q.Raw = true
		k2, err2 := s.AnalyticsKPIs(ctx, q)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(k1, k2) {
			t.Fatalf("seeded KPIs from rollups and raw differ (%v, %v):\n%+v\n%+v", err1, err2, k1, k2)
		}
		if up, down := k1.Counts["submitted"].Up.N, k1.Counts["submitted"].Down.N; up < down || down == 0 {
			t.Errorf("submitted up %d, down %d: not a plausible up:down mix", up, down)
		}
		// A second seed of the same database refuses.
		if _, _, err := call(t, runSeedScale, args...); err == nil || !strings.Contains(err.Error(), "fresh database") {
			t.Errorf("a second seed = %v; want a refusal", err)
		}

		out, stderr, err = call(t, runBenchAnalytics, append([]string{"--reps", "4", "--naive-reps", "1"}, dbFlags(dir, url)...)...)
		if err != nil {
			t.Fatalf("bench analytics: %v\n%s", err, stderr)
		}
		for _, v := range benchViews {
			if !strings.Contains(out, v.name) {
				t.Errorf("the report lacks %q:\n%s", v.name, out)
			}
		}
		if strings.Contains(out, " NO") && strings.Contains(out, "same figures") {
			for _, line := range strings.Split(out, "\n") {
				if strings.HasSuffix(strings.TrimSpace(line), "NO") {
					t.Errorf("rollup and naive figures differ: %s", line)
				}
			}
		}
		// --views runs only the views named (by prefix), and refuses a name it does not know.
		some, stderr, err := call(t, runBenchAnalytics, append([]string{"--reps", "2", "--naive-reps", "1", "--views", "flows,members"}, dbFlags(dir, url)...)...)
		if err != nil {
			t.Fatalf("bench analytics --views: %v\n%s", err, stderr)
		}
		for _, v := range benchViews {
			if want := v.name == "flows (Sankey)" || v.name == "members table"; strings.Contains(some, v.name+" ") != want {
				t.Errorf("--views flows,members: %q in the report = %v:\n%s", v.name, !want, some)
			}
		}
		if _, _, err := call(t, runBenchAnalytics, append([]string{"--views", "sankey"}, dbFlags(dir, url)...)...); err == nil ||
			!strings.Contains(err.Error(), `"sankey"`) {
			t.Errorf("--views sankey = %v; want a refusal naming it", err)
		}
		t.Logf("seed and bench reports:\n%s", out)
		if !strings.Contains(out, "worst p95") {
			t.Errorf("no summary:\n%s", out)
		}
	})
}

// storeKeys are the keys the commands under test derive from testKey.
func storeKeys(t *testing.T) *secret.Keys {
	t.Helper()
	master, err := hex.DecodeString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := secret.Derive(master)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
