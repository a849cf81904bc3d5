// Package store is the reference EPR's SQL store. One schema and one set of
// queries serve SQLite (modernc.org/sqlite, pure Go) and PostgreSQL (pgx);
// queries are written with ? placeholders and rebound to $N for PostgreSQL.
//
// Contracts:
//   - Open returns a migrated Store; the caller owns it and must Close it.
//   - A Store is safe for concurrent use. A Tx is not: it belongs to the
//     function passed to InTx and must not outlive or escape it.
//   - An in-memory SQLite store ("sqlite::memory:") is private to its Store
//     (a unique shared-cache name per Open) and uses a single connection, so
//     its data lives exactly as long as the Store. Code holding a Tx must do
//     all its work through the Tx, never through the Store, or it deadlocks.
//   - Dates are stored as ISO text "YYYY-MM-DD", instants as RFC 3339 text in
//     UTC.
//   - Errors are wrapped; ErrNotFound and ErrDuplicate are matched with
//     errors.Is.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"modernc.org/sqlite"               // registers driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNotFound is returned when a looked-up row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate is returned when a write would break a uniqueness rule,
	// such as a second patient with the same NHS number.
	ErrDuplicate = errors.New("duplicate")
)

// Dialect names the SQL database behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune Open.
type Options struct {
	// Now stamps LastUpdated on writes; nil means time.Now.
	Now func() time.Time
	// ConnectTimeout bounds how long Open keeps retrying a PostgreSQL
	// connection (the context may end it sooner); 0 means 30 seconds.
	ConnectTimeout time.Duration
}

// Store is an open, migrated database. See the package doc for its contract.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
}

// Open connects to the database named by url and migrates it:
//
//	sqlite::memory:                       private in-memory database (the default)
//	sqlite:/path/to/file.db               SQLite file, created if missing
//	postgres://user:pass@host:port/db?... PostgreSQL (postgresql:// too)
//
// A PostgreSQL server that is not yet accepting connections is retried until
// opts.ConnectTimeout passes or ctx ends.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 30 * time.Second
	}
	var (
		s   *Store
		err error
	)
	switch {
	case url == "" || strings.HasPrefix(url, "sqlite:"):
		s, err = openSQLite(strings.TrimPrefix(url, "sqlite:"))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err = openPostgres(ctx, url, opts.ConnectTimeout)
	default:
		return nil, fmt.Errorf("open store: unsupported database URL %q (want sqlite::memory:, sqlite:/path/file.db or postgres://...)", redact(url))
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.now = opts.Now
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	return s, nil
}

func openSQLite(path string) (*Store, error) {
	path = strings.TrimPrefix(path, "//")
	var dsn string
	memory := path == "" || path == ":memory:"
	if memory {
		// A unique name keeps two Stores in one process apart; the single
		// connection keeps the database alive and avoids shared-cache
		// table locks, which a busy timeout does not cover.
		dsn = "file:refepr-" + randomHex(8) + "?mode=memory&cache=shared&_pragma=foreign_keys(1)"
	} else {
		dsn = "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if memory {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		db.SetMaxOpenConns(4)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &Store{db: db, dialect: SQLite}, nil
}

func openPostgres(ctx context.Context, url string, timeout time.Duration) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", redact(url), err)
	}
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	deadline := time.Now().Add(timeout)
	wait := 100 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = db.PingContext(pctx)
		cancel()
		if err == nil {
			return &Store{db: db, dialect: Postgres}, nil
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			db.Close()
			return nil, fmt.Errorf("connect to postgres %s: %w", redact(url), err)
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, fmt.Errorf("connect to postgres %s: %w (last error: %v)", redact(url), ctx.Err(), err)
		case <-time.After(wait):
		}
		if wait < 2*time.Second {
			wait *= 2
		}
	}
}

// redact hides a password in a database URL for messages and logs.
func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	userinfo := url[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return url[:scheme+3] + userinfo[:i] + ":xxxxx" + url[at:]
	}
	return url
}

// Close closes the database. An in-memory database is gone afterwards.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Dialect reports which database is behind the store.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a database transaction handed to the function given to InTx. It has
// the same patient operations as the Store.
type Tx struct {
	ops
}

// InTx runs fn in one database transaction, committed when fn returns nil
// and rolled back otherwise (fn's error is returned as is, so errors.Is
// still works on it).
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{ops{q: sqlTx, dialect: s.dialect, now: s.now}}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", translate(err))
	}
	return nil
}

// ops runs the store's queries against a database or a transaction.
type ops struct {
	q       queryer
	dialect Dialect
	now     func() time.Time
}

func (s *Store) ops() ops { return ops{q: s.db, dialect: s.dialect, now: s.now} }

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL. Queries in
// this package never contain a literal question mark.
func (o ops) rebind(query string) string {
	if o.dialect != Postgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (o ops) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := o.q.ExecContext(ctx, o.rebind(query), args...)
	return res, translate(err)
}

func (o ops) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := o.q.QueryContext(ctx, o.rebind(query), args...)
	return rows, translate(err)
}

func (o ops) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return o.q.QueryRowContext(ctx, o.rebind(query), args...)
}

// translate maps driver errors onto the package's sentinel errors.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return fmt.Errorf("%w: %w", ErrDuplicate, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %w", ErrDuplicate, err)
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// NewID returns a random UUID (version 4) in its usual text form; it is a
// valid FHIR resource id.
func NewID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func formatInstant(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseInstant(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored instant %q: %w", s, err)
	}
	return t, nil
}
