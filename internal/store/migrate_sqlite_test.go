package store_test

import (
	"sync"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

// TestSQLiteMigrateFromTwoPools: two stores on one SQLite file (as `lianxin
// migrate` beside a starting `serve` would be) migrate at once; both
// succeed and every version is applied once.
func TestSQLiteMigrateFromTwoPools(t *testing.T) {
	dir := t.TempDir()
	open := func() *store.Store {
		s, err := store.Open(t.Context(), store.Options{DataDir: dir, Keys: storetest.Keys(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	for round := 0; round < 20; round++ {
		a, b := open(), open()
		if round > 0 {
			// Start each round from an empty file again.
			a.Close()
			b.Close()
			dir = t.TempDir()
			a, b = open(), open()
		}
		// Both pools hold an open connection before the race starts.
		for _, s := range []*store.Store{a, b} {
			if err := s.Ping(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		applied := make([][]string, 2)
		errs := make([]error, 2)
		for i, s := range []*store.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				applied[i], errs[i] = s.Migrate(t.Context())
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: store %d: %v", round, i, err)
			}
		}
		all, err := store.Migrations(store.SQLite)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(applied[0]) + len(applied[1]); got != len(all) {
			t.Fatalf("round %d: %d + %d migrations applied, want %d in all", round, len(applied[0]), len(applied[1]), len(all))
		}
		vs, err := a.AppliedVersions(t.Context())
		if err != nil || len(vs) != len(all) {
			t.Fatalf("round %d: recorded %v, %v", round, vs, err)
		}
	}
}
