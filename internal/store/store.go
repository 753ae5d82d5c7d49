// Package store is the GORM adapter: it keeps the hub's domain objects in
// PostgreSQL (production) or an embedded pure-Go SQLite file (the
// zero-configuration default). Every write that matters commits together with
// its audit entry; transactions travel in the context. It imports domain
// packages; nothing in the domain imports it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/google/uuid"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/secret"
)

// Dialect names the two supported databases.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Store is the hub's persistence. Safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect string
	keys    *secret.Keys
	files   string // directory for uploaded files (consent forms)
	now     func() time.Time
	log     *slog.Logger
	kick    chan struct{} // wakes the outbox publisher after a commit
}

// Options configure Open.
type Options struct {
	// DatabaseURL is a postgres:// URL, or empty for SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite file and uploaded files.
	DataDir string
	// Keys are the field-encryption and audit keys.
	Keys *secret.Keys
	// Logger receives slow-query and error logs (never query arguments).
	Logger *slog.Logger
	// Now overrides the clock (tests).
	Now func() time.Time
}

// Open connects to the configured database. It does not migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Keys == nil {
		return nil, errors.New("store: keys are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{keys: o.Keys, log: o.Logger, files: filepath.Join(o.DataDir, "files"), kick: make(chan struct{}, 1)}
	s.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
	cfg := &gorm.Config{
		NowFunc:                s.now,
		Logger:                 logger.Discard, // failures are logged once, by the HTTP layer, without arguments
		SkipDefaultTransaction: true,
	}
	var err error
	switch {
	case strings.HasPrefix(o.DatabaseURL, "postgres://"), strings.HasPrefix(o.DatabaseURL, "postgresql://"):
		s.dialect = Postgres
		s.db, err = gorm.Open(postgres.Open(o.DatabaseURL), cfg)
	case o.DatabaseURL == "":
		s.dialect = SQLite
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, err
		}
		dsn := "file:" + filepath.Join(o.DataDir, "lianxin.db") +
			"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
		s.db, err = gorm.Open(sqlite.Open(dsn), cfg)
	default:
		return nil, fmt.Errorf("store: unsupported database URL scheme (want postgres:// or empty for SQLite)")
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.dialect, err)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	if s.dialect == SQLite {
		// SQLite allows one writer; one connection makes writers queue in Go
		// instead of failing with SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: connect %s: %w", s.dialect, err)
	}
	return s, nil
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Dialect returns Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// SQL returns the underlying pool, for migrations and tools.
func (s *Store) SQL() *sql.DB {
	sqlDB, _ := s.db.DB()
	return sqlDB
}

// Now is the store's clock (UTC, microsecond precision).
func (s *Store) Now() time.Time { return s.now() }

type txKey struct{}

// WithTx runs fn in a transaction carried by ctx. Inside fn, every store call
// made with the given ctx joins the transaction; a nested WithTx joins the
// outer one. fn's error rolls everything back.
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// conn returns the transaction in ctx, or the pool.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.db.WithContext(ctx)
}

// newID returns a time-ordered UUIDv7.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// isUnique reports whether err is a unique-constraint violation on either dialect.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "UNIQUE constraint failed")
}

// notFound maps gorm's not-found to the domain error.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.NotFoundf("%s not found", what)
	}
	return err
}

// likePattern escapes s for a LIKE … ESCAPE '\' match anywhere in a value.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
