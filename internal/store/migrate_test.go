package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lianxin-hub/lianxin/internal/store"
	"github.com/lianxin-hub/lianxin/internal/store/storetest"
)

func TestMigrationsAreOrderedAndDialectSpecific(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ms, err := store.Migrations(dialect)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) < 4 {
				t.Fatalf("%d migrations, want at least 4", len(ms))
			}
			for i, m := range ms {
				if m.Version != i+1 {
					t.Errorf("migration %d is %s (version %d); want contiguous versions from 1", i, m.Name, m.Version)
				}
				if strings.TrimSpace(m.SQL) == "" {
					t.Errorf("%s is empty", m.Name)
				}
				other := store.Postgres
				if dialect == store.Postgres {
					other = store.SQLite
				}
				if strings.HasSuffix(m.Name, "."+other+".sql") {
					t.Errorf("%s migrations include %s", dialect, m.Name)
				}
			}
			if want := "0004_audit_guard." + dialect + ".sql"; ms[3].Name != want {
				t.Errorf("version 4 is %s, want %s", ms[3].Name, want)
			}
		})
	}
}

func TestMigrateAppliesInOrderAndRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, migrated *store.Store) {
		s, _ := openFresh(t, migrated.Dialect())
		want, err := store.Migrations(s.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		applied, err := s.Migrate(t.Context())
		if err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		var names []string
		var versions []int
		for _, m := range want {
			names = append(names, m.Name)
			versions = append(versions, m.Version)
		}
		if !slices.Equal(applied, names) {
			t.Fatalf("applied %v, want %v", applied, names)
		}
		got, err := s.AppliedVersions(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, versions) {
			t.Fatalf("recorded versions %v, want %v", got, versions)
		}
		for _, m := range want {
			row := rawRow(t, s, "SELECT name, applied_at FROM schema_migrations WHERE version = ?", m.Version)
			if row["name"] != m.Name || row["applied_at"] == "" {
				t.Errorf("schema_migrations row for %d = %v, want name %s and a time", m.Version, row, m.Name)
			}
		}
		// The schema is really there, down to the last migration's guard trigger.
		var trigger int
		if s.Dialect() == store.Postgres {
			trigger = count(t, s, "pg_trigger", "tgname = 'audit_log_append_only' AND tgrelid = 'audit_log'::regclass")
		} else {
			trigger = count(t, s, "sqlite_master", "type = 'trigger' AND name = 'audit_log_seal_only'")
		}
		if trigger != 1 {
			t.Fatalf("the audit guard trigger exists %d times, want once", trigger)
		}

		again, err := s.Migrate(t.Context())
		if err != nil || len(again) != 0 {
			t.Fatalf("second Migrate = %v, %v; want nothing applied", again, err)
		}
		if n := count(t, s, "schema_migrations", ""); n != len(want) {
			t.Fatalf("schema_migrations has %d rows after a second Migrate, want %d", n, len(want))
		}
	})
}

// Two hub instances starting together must not both apply a migration: on
// PostgreSQL the advisory lock serialises them, on SQLite the store's single
// connection does.
func TestMigrateConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, migrated *store.Store) {
		first, url := openFresh(t, migrated.Dialect())
		second := first
		if first.Dialect() == store.Postgres {
			// A second pool on the same fresh schema: another process, as far as the server can tell.
			var err error
			second, err = store.Open(t.Context(), store.Options{DatabaseURL: url, DataDir: t.TempDir(), Keys: storetest.Keys(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
		}
		all, err := store.Migrations(first.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		applied := make([][]string, 2)
		errs := make([]error, 2)
		for i, s := range []*store.Store{first, second} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				applied[i], errs[i] = s.Migrate(context.WithoutCancel(t.Context()))
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Migrate %d: %v", i, err)
			}
		}
		together := append(slices.Clone(applied[0]), applied[1]...)
		if len(together) != len(all) {
			t.Fatalf("the two Migrate calls applied %v and %v; want %d migrations applied once in all", applied[0], applied[1], len(all))
		}
		if n := count(t, first, "schema_migrations", ""); n != len(all) {
			t.Fatalf("schema_migrations has %d rows, want %d", n, len(all))
		}
		if n := count(t, first, "(SELECT version FROM schema_migrations GROUP BY version) v", ""); n != len(all) {
			t.Fatalf("%d distinct versions recorded, want %d", n, len(all))
		}
	})
}
