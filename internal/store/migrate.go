package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/lianxin-hub/lianxin/migrations"
)

// migrationLockKey is the PostgreSQL advisory lock that makes concurrent
// starts apply migrations one at a time ("lianxin" in ASCII, as an int64).
const migrationLockKey = 0x6c69616e78696e

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations for dialect, in order. For each
// version a file NNNN_name.DIALECT.sql wins over the portable NNNN_name.sql.
func Migrations(dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	portable := map[int]Migration{}
	specific := map[int]Migration{}
	for _, e := range entries {
		name := e.Name()
		base := strings.TrimSuffix(name, ".sql")
		fileDialect := ""
		if i := strings.LastIndex(base, "."); i >= 0 {
			fileDialect, base = base[i+1:], base[:i]
		}
		if fileDialect != "" && fileDialect != dialect {
			continue
		}
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migrations: %s: name must start with a version number", name)
		}
		body, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return nil, err
		}
		into := portable
		if fileDialect != "" {
			into = specific
		}
		if prev, dup := into[v]; dup {
			return nil, fmt.Errorf("migrations: version %d is in both %s and %s", v, prev.Name, name)
		}
		into[v] = Migration{Version: v, Name: name, SQL: string(body)}
	}
	byVersion := portable
	for v, m := range specific {
		byVersion[v] = m
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies pending migrations, each in its own transaction together
// with its row in schema_migrations, and returns the names applied. On
// PostgreSQL it holds an advisory lock so two instances starting at once do
// not race; on SQLite each migration's transaction takes the file's write
// lock before it checks and applies, so two processes cannot both apply one.
//
// When it applies migration 0012 it then fills the consultation rollups that
// migration creates from the raw tables (RebuildActivity: the day of an
// instant is dialect-specific SQL), after releasing its connection — on
// SQLite the only one.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	applied, err := s.migrate(ctx)
	if err != nil {
		return applied, err
	}
	for _, name := range applied {
		if strings.HasPrefix(name, fmt.Sprintf("%04d_", activityMigration)) {
			if _, err := s.RebuildActivity(ctx); err != nil {
				return applied, fmt.Errorf("migrate %s: fill the rollups: %w", name, err)
			}
		}
	}
	return applied, nil
}

func (s *Store) migrate(ctx context.Context) ([]string, error) {
	all, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	done := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range all {
		if done[m.Version] {
			continue
		}
		ok, err := s.apply(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if ok {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

// apply runs one migration in a transaction that first records it: the
// insert takes the write lock (SQLite's, across processes) and its primary
// key refuses a version another process applied meanwhile, in which case
// apply reports false and changes nothing.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m Migration) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	insert := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
	if s.dialect == Postgres {
		insert = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
	}
	if _, err := tx.ExecContext(ctx, insert, m.Version, m.Name, s.now()); err != nil {
		if isUnique(err) {
			return false, nil
		}
		return false, err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// AppliedVersions returns the recorded migration versions, ascending.
func (s *Store) AppliedVersions(ctx context.Context) ([]int, error) {
	var vs []int
	err := s.db.WithContext(ctx).Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&vs).Error
	return vs, err
}
