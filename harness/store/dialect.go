package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	_ "modernc.org/sqlite"             // registers driver "sqlite"
)

// dialect names the SQL database behind a store.
type dialect string

const (
	sqliteDialect   dialect = "sqlite"
	postgresDialect dialect = "postgres"
)

// pingTimeout bounds the first connection to PostgreSQL when ctx has no
// earlier deadline, so an unreachable server gives an error rather than a
// hang.
const pingTimeout = 15 * time.Second

// location is where a store URL points, parsed but not opened.
type location struct {
	dialect dialect
	// dsn is what database/sql opens; path is the SQLite file.
	dsn, path string
	// shown is the URL as error messages show it: password redacted.
	shown string
	// secret is the password, scrubbed from driver errors.
	secret string
}

// parseLocation reads a store URL: a SQLite file path (or sqlite:PATH), or
// a postgres:// or postgresql:// URL.
func parseLocation(raw string) (location, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		loc := location{dialect: postgresDialect, dsn: raw, shown: redact(raw)}
		if u, err := url.Parse(raw); err == nil {
			if p, ok := u.User.Password(); ok {
				loc.secret = p
			} else if p := u.Query().Get("password"); p != "" {
				loc.secret = p
			}
		} else {
			return loc, fmt.Errorf("bad PostgreSQL URL: %w", scrub(err, raw, ""))
		}
		return loc, nil
	case strings.HasPrefix(raw, "sqlite:"):
		return sqliteLocation(raw, strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//"))
	case strings.Contains(raw, "://"):
		return location{shown: redact(raw)}, errors.New("unsupported store URL (want a SQLite file path, sqlite:PATH, postgres:// or postgresql://)")
	default:
		return sqliteLocation(raw, raw)
	}
}

func sqliteLocation(raw, path string) (location, error) {
	loc := location{dialect: sqliteDialect, path: path, shown: raw}
	switch {
	case path == "":
		return loc, errors.New("no SQLite file path given")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return loc, errors.New("give the SQLite store as a file path (in-memory and file: URIs are not supported)")
	case strings.ContainsAny(path, "?#"):
		return loc, errors.New("a SQLite store path must not contain '?' or '#'")
	}
	// busy_timeout covers other processes writing the same file; within
	// a process the store serialises its own writes. BEGIN IMMEDIATE takes
	// the write lock up front, so a transaction never fails upgrading it.
	loc.dsn = "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	return loc, nil
}

// connect opens and pings the database at loc.
func connect(ctx context.Context, loc location) (*sql.DB, error) {
	switch loc.dialect {
	case sqliteDialect:
		if dir := filepath.Dir(loc.path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create folder: %w", err)
			}
		}
		db, err := sql.Open("sqlite", loc.dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(4)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	case postgresDialect:
		db, err := sql.Open("pgx", loc.dsn)
		if err != nil {
			return nil, scrub(err, loc.dsn, loc.secret)
		}
		db.SetMaxOpenConns(10)
		db.SetMaxIdleConns(5)
		db.SetConnMaxIdleTime(5 * time.Minute)
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		defer cancel()
		if err := db.PingContext(pctx); err != nil {
			db.Close()
			return nil, scrub(err, loc.dsn, loc.secret)
		}
		return db, nil
	}
	return nil, fmt.Errorf("unknown dialect %q", loc.dialect)
}

// rebind turns the ? placeholders of a query into PostgreSQL's $1, $2, …
// The store's queries hold no ? inside string literals.
func rebind(d dialect, query string) string {
	if d != postgresDialect || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var passwordParam = regexp.MustCompile(`(?i)(password=)[^&# ]*`)

// redact hides the password of a database URL (in its user info or a
// password query parameter) for messages and logs.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		s := u.String()
		return passwordParam.ReplaceAllString(s, "${1}xxxxx")
	}
	// Unparseable: hide everything between the scheme and the last '@'
	// after the user name, and any password parameter.
	s := raw
	if scheme := strings.Index(s, "://"); scheme >= 0 {
		if at := strings.LastIndex(s, "@"); at > scheme {
			userinfo := s[scheme+3 : at]
			if i := strings.Index(userinfo, ":"); i >= 0 {
				s = s[:scheme+3] + userinfo[:i] + ":xxxxx" + s[at:]
			}
		}
	}
	return passwordParam.ReplaceAllString(s, "${1}xxxxx")
}

// scrub returns err with the URL and password, should a driver have put
// them in its message, replaced by their redacted forms. errors.Is and
// errors.As still see err.
func scrub(err error, raw, secret string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := strings.ReplaceAll(msg, raw, redact(raw))
	if secret != "" {
		clean = strings.ReplaceAll(clean, secret, "xxxxx")
		clean = strings.ReplaceAll(clean, url.QueryEscape(secret), "xxxxx")
		clean = strings.ReplaceAll(clean, url.PathEscape(secret), "xxxxx")
	}
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
