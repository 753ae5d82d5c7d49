package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver for schema setup
)

// EnsureDatabase creates the database dbURL names when the server says it
// does not exist (a fresh server has only "postgres"), connecting to the
// "postgres" database to do so. It reports whether it created it. Errors:
// the server is unreachable, or refuses the login or the CREATE DATABASE.
func EnsureDatabase(ctx context.Context, dbURL string) (created bool, err error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return false, err
	}
	defer db.Close()
	err = db.PingContext(ctx)
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) || pe.Code != "3D000" { // 3D000: invalid_catalog_name
		if err != nil {
			err = fmt.Errorf("postgres at %s: %w", redact(dbURL), err)
		}
		return false, err
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return false, err
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		return false, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return false, fmt.Errorf("postgres at %s: create database %s: %w", redact(dbURL), name, err)
	}
	return true, nil
}

// Schema is a scratch PostgreSQL schema made for one run: URL reaches it
// (its search_path names it), Drop removes it with everything in it.
type Schema struct {
	Name string
	URL  string
	base string
}

// CreateSchema makes a new, empty schema named prefix plus random hex in the
// database at baseURL, the way internal/store/storetest isolates tests.
// Errors: the server is unreachable or refuses CREATE SCHEMA.
func CreateSchema(ctx context.Context, baseURL, prefix string) (*Schema, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	db, err := sql.Open("pgx", baseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return nil, fmt.Errorf("postgres at %s: create schema: %w", redact(baseURL), err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return &Schema{Name: name, URL: u.String(), base: baseURL}, nil
}

// Drop removes the schema and everything in it. It uses its own short
// deadline, so it also cleans up after an interrupted run.
func (s *Schema) Drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", s.base)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+s.Name+" CASCADE")
	return err
}

// libpqURL returns baseURL without the parameters only pgx understands, so
// libpq clients such as pgbench accept it.
func libpqURL(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for _, k := range []string{"search_path", "pool_max_conns", "pool_min_conns", "default_query_exec_mode",
		"statement_cache_capacity", "description_cache_capacity"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// redact hides a password in a database URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the configured database"
	}
	return u.Redacted()
}

// Checkpoint asks the server at url for a checkpoint, so that the writes of
// one phase are flushed before the next is measured. It needs superuser or
// pg_checkpoint (PostgreSQL 15); callers may ignore its error.
func Checkpoint(ctx context.Context, url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "CHECKPOINT")
	return err
}

// ServerVersion returns the PostgreSQL server's version.
func ServerVersion(ctx context.Context, db *sql.DB) (string, error) {
	var v string
	err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&v)
	return v, err
}
