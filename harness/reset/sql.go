package reset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/eprharness/eprharness/harness/failure"
)

// SQL returns a Resetter that runs script against the PostgreSQL database
// at databaseURL (reset: sql) in one transaction: all of it or, on an
// error, none of it. The script may hold several statements
// (TRUNCATE …; INSERT …;) but no transaction control (BEGIN, COMMIT) and
// nothing PostgreSQL refuses inside a transaction (VACUUM, CREATE
// DATABASE). Each Reset opens a connection of its own and closes it.
func SQL(databaseURL, script string) Resetter {
	return &sqlReset{url: databaseURL, script: script}
}

// SQLFile reads the script of a SQL reset from a file (reset-sql).
func SQLFile(databaseURL, path string) (Resetter, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read reset-sql: %w", err)
	}
	if strings.TrimSpace(string(data)) == "" {
		return nil, fmt.Errorf("read reset-sql: %s is empty", path)
	}
	return SQL(databaseURL, string(data)), nil
}

type sqlReset struct {
	url, script string
}

func (s *sqlReset) Reset(ctx context.Context) error {
	if err := s.reset(ctx); err != nil {
		return failure.Backend(fmt.Errorf("reset over sql: %w", err))
	}
	return nil
}

func (s *sqlReset) reset(ctx context.Context) (err error) {
	if strings.TrimSpace(s.script) == "" {
		return errors.New("the script is empty")
	}
	conn, err := connect(ctx, s.url, "")
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// Exec without arguments sends the script as one simple query, so it
	// may hold several statements.
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, s.script)
		return err
	})
}

// connect opens a connection to the database at databaseURL, or to the
// database named db on the same server when db is not empty.
func connect(ctx context.Context, databaseURL, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database-url: %w", err)
	}
	if db != "" {
		cfg.Database = db
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database %s on %s:%d: %w", cfg.Database, cfg.Host, cfg.Port, err)
	}
	return conn, nil
}
