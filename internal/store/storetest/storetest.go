// Package storetest opens migrated stores for tests: SQLite in a temporary
// directory always, and PostgreSQL when LIANXIN_TEST_DATABASE_URL is set,
// each test in a schema of its own so tests never see each other's rows.
// When the variable is set and the server is unreachable the test fails; it
// never skips.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver for schema setup

	"github.com/lianxin-hub/lianxin/internal/secret"
	"github.com/lianxin-hub/lianxin/internal/store"
)

// EnvDatabaseURL names the variable that points tests at PostgreSQL.
const EnvDatabaseURL = "LIANXIN_TEST_DATABASE_URL"

// Keys returns fixed test keys.
func Keys(t testing.TB) *secret.Keys {
	k, err := secret.Derive([]byte("lianxin-test-master-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Each runs fn once per database: "sqlite", and "postgres" when configured.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, Open(t, store.SQLite)) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(EnvDatabaseURL) == "" {
			t.Skip(EnvDatabaseURL + " is not set; PostgreSQL store tests run in CI")
		}
		fn(t, Open(t, store.Postgres))
	})
}

// Open returns a freshly migrated store of the given dialect.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	url := URL(t, dialect)
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: url, DataDir: t.TempDir(), Keys: Keys(t)})
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// URL returns a database URL for a fresh, empty database of the dialect: ""
// for SQLite (the store then uses its data dir), or a PostgreSQL URL whose
// search_path is a new schema dropped when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == store.SQLite {
		return ""
	}
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Fatalf("%s is not set", EnvDatabaseURL)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres at %s unreachable or unusable: %v", EnvDatabaseURL, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	return withSearchPath(t, base, schema)
}

func withSearchPath(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
