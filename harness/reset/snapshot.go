package reset

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eprharness/eprharness/harness/failure"
)

// SnapshotSuffix ends the name of a snapshot database: the snapshot of
// "epr" is "epr_eprharness_snapshot".
const SnapshotSuffix = "_eprharness_snapshot"

// maxIdentifier is PostgreSQL's longest identifier (NAMEDATALEN - 1).
const maxIdentifier = 63

// inUseRetries is how often a statement that needs the database to
// itself is tried when a session has not ended yet.
const inUseRetries = 5

// terminateWait is how long terminate waits for sessions to end.
const terminateWait = 5 * time.Second

// SnapshotOption configures a Snapshot.
type SnapshotOption func(*DatabaseSnapshot)

// WithStrategy sets CREATE DATABASE's STRATEGY (PostgreSQL 15 and later):
// "wal_log" (PostgreSQL's default) or "file_copy", which copies the files
// and checkpoints instead of writing every block to the WAL. Empty (the
// default) leaves it to the server.
func WithStrategy(s string) SnapshotOption {
	return func(d *DatabaseSnapshot) { d.strategy = strings.ToLower(s) }
}

// WithoutSpare makes every Reset copy the snapshot while the caller waits,
// instead of swapping in a copy made in the background: slower, but with
// no copying during scenarios and one copy of the database less on disk.
func WithoutSpare() SnapshotOption {
	return func(d *DatabaseSnapshot) { d.noSpare = true }
}

// DatabaseSnapshot is a PostgreSQL template database holding a copy of the
// EPR's database as it was after seeding (reset: snapshot).
//
// Take copies the EPR's database (databaseURL's, "epr") to
// epr_eprharness_snapshot, replacing an older snapshot. Reset puts a fresh
// copy of the snapshot in the database's place: the database is dropped
// and created again from the snapshot (CREATE DATABASE … TEMPLATE). Copying
// takes time proportional to the data (about a second for 36 MB on a busy
// two-core machine), so by default the copy is made ahead, in the
// background, as epr_eprharness_spare, right after Take and after each
// Reset; Reset then only renames (epr to epr_eprharness_old, the spare to
// epr: milliseconds) and drops the old database in the background. Reset
// waits for a copy still being made, and copies while the caller waits when
// there is no spare. WithoutSpare turns this off.
//
// Take and Reset connect to the server's maintenance database ("postgres";
// "template1" when the EPR's database is "postgres") as databaseURL's
// user, which must be allowed to create databases, to terminate the EPR's
// sessions (a superuser, a member of pg_signal_backend, or the EPR's own
// user) and to own the EPR's database (its owner, a member of the owning
// role, or a superuser). The new database has the old one's owner;
// database-level settings (ALTER DATABASE … SET) and GRANTs on the
// database itself are not carried over, as PostgreSQL copies only the
// contents. The disk holds up to four copies: the database, the snapshot,
// the spare and, briefly, the old database.
//
// Both Take and Reset refuse new connections to the EPR's database and
// terminate its sessions, so the EPR must reconnect: its connection pool
// has to replace broken connections (most pools check a connection before
// lending it, or retry once; with one that does not, the first request
// after each reset fails). While Reset runs, the database does not exist
// for a moment, so a connection attempt then fails too.
//
// The caller owns a DatabaseSnapshot: it keeps one connection to the
// maintenance database, and Close waits for the background copy and
// closes that connection (call it when the run ends). It is safe for concurrent use: calls run
// one at a time. The snapshot and the spare stay on the server after the
// run (a later Take replaces them; Drop removes them); Exists tells a run
// whether a snapshot was taken before.
type DatabaseSnapshot struct {
	url      string
	strategy string
	noSpare  bool

	mu   sync.Mutex // serialises the calls
	prep *prep      // the last background copy, nil when none
	// sess is the maintenance connection, nil until first used. Only the
	// call holding mu uses it, or the background copy (every call waits
	// for that first).
	sess *session
}

// prep is a background copy of the snapshot to the spare.
type prep struct {
	done   chan struct{}
	err    error
	cancel context.CancelFunc
}

// Snapshot returns the snapshot of the PostgreSQL database at databaseURL.
// It connects to nothing until Take, Reset, Exists or Drop.
func Snapshot(databaseURL string, opts ...SnapshotOption) *DatabaseSnapshot {
	d := &DatabaseSnapshot{url: databaseURL}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Database names.
const (
	spareSuffix = "_eprharness_spare"
	oldSuffix   = "_eprharness_old"
)

// session is one maintenance connection and the names it works on.
type session struct {
	conn    *pgx.Conn
	db      string // the EPR's database
	snap    string // its snapshot
	spare   string // the next copy of the snapshot
	old     string // the database Reset replaced, until dropped
	version int    // server_version_num
	user    string // current_user
}

func (d *DatabaseSnapshot) open(ctx context.Context) (*session, error) {
	switch d.strategy {
	case "", "wal_log", "file_copy":
	default:
		return nil, fmt.Errorf("unknown CREATE DATABASE strategy %q (want wal_log or file_copy)", d.strategy)
	}
	cfg, err := pgx.ParseConfig(d.url)
	if err != nil {
		return nil, fmt.Errorf("parse database-url: %w", err)
	}
	db := cfg.Database
	if db == "" {
		db = cfg.User // PostgreSQL's default database
	}
	snap := db + SnapshotSuffix
	if len(snap) > maxIdentifier {
		return nil, fmt.Errorf("the database name %q is too long to name its snapshot %q (PostgreSQL names have at most %d bytes)", db, snap, maxIdentifier)
	}
	maint := "postgres"
	if db == maint {
		maint = "template1"
	}
	conn, err := connect(ctx, d.url, maint)
	if err != nil {
		return nil, err
	}
	s := &session{conn: conn, db: db, snap: snap, spare: db + spareSuffix, old: db + oldSuffix}
	var v string
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num'), current_user").Scan(&v, &s.user); err != nil {
		s.close(ctx)
		return nil, fmt.Errorf("server version: %w", err)
	}
	s.version, _ = strconv.Atoi(v)
	return s, nil
}

func (s *session) close(ctx context.Context) { _ = s.conn.Close(context.WithoutCancel(ctx)) }

// session returns the maintenance connection, opening it again when it
// broke (a server restart, a cancelled statement).
func (d *DatabaseSnapshot) session(ctx context.Context) (*session, error) {
	if d.sess != nil && (d.sess.conn.IsClosed() || d.sess.conn.Ping(ctx) != nil) {
		d.sess.close(ctx)
		d.sess = nil
	}
	if d.sess == nil {
		s, err := d.open(ctx)
		if err != nil {
			return nil, err
		}
		d.sess = s
	}
	return d.sess, nil
}

// wait waits for the background copy; its error is returned, and nil when
// there is none.
func (d *DatabaseSnapshot) wait(ctx context.Context) error {
	if d.prep == nil {
		return nil
	}
	select {
	case <-d.prep.done:
		return d.prep.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// prepare starts copying the snapshot to the spare in the background,
// dropping the old database first.
func (d *DatabaseSnapshot) prepare() {
	if d.noSpare {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &prep{done: make(chan struct{}), cancel: cancel}
	d.prep = p
	go func() {
		defer close(p.done)
		defer cancel()
		p.err = func() error {
			s, err := d.session(ctx)
			if err != nil {
				return err
			}
			if err := s.drop(ctx, s.old, s.spare); err != nil {
				return err
			}
			owner, ok, err := s.owner(ctx, s.snap)
			if err != nil || !ok {
				return fmt.Errorf("no snapshot database %s (%v)", s.snap, err)
			}
			return s.exec(ctx, "CREATE DATABASE "+ident(s.spare)+" TEMPLATE "+ident(s.snap)+s.ownerClause(owner)+d.strategyClause(s))
		}()
	}()
}

// Take copies the EPR's database to the snapshot, replacing an older one.
// Call it once the EPR has started and its data is seeded.
func (d *DatabaseSnapshot) Take(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.wait(ctx); ctx.Err() != nil {
		return failure.Backend(fmt.Errorf("take snapshot: %w", err))
	}
	if err := d.take(ctx); err != nil {
		return failure.Backend(fmt.Errorf("take snapshot: %w", err))
	}
	d.prepare()
	return nil
}

func (d *DatabaseSnapshot) take(ctx context.Context) (err error) {
	s, err := d.session(ctx)
	if err != nil {
		return err
	}
	owner, ok, err := s.owner(ctx, s.db)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no database %s", s.db)
	}
	if err := s.drop(ctx, s.spare, s.snap); err != nil {
		return err
	}
	// No session may be on a template while it is copied: refuse new
	// connections (a pool that reconnects at once would win the race
	// against CREATE DATABASE) and end the EPR's.
	if err := s.exec(ctx, "ALTER DATABASE "+ident(s.db)+" ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	defer func() {
		if aerr := s.exec(context.WithoutCancel(ctx), "ALTER DATABASE "+ident(s.db)+" ALLOW_CONNECTIONS true"); err == nil {
			err = aerr
		}
	}()
	create := "CREATE DATABASE " + ident(s.snap) + " TEMPLATE " + ident(s.db) + s.ownerClause(owner) + d.strategyClause(s)
	if err := s.retryInUse(ctx, s.db, create); err != nil {
		return err
	}
	// Nobody may connect to the snapshot: a session on it would make the
	// next copy fail.
	return s.exec(ctx, "ALTER DATABASE "+ident(s.snap)+" ALLOW_CONNECTIONS false")
}

// Reset puts a fresh copy of the snapshot in the EPR's database's place.
func (d *DatabaseSnapshot) Reset(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	prepErr := d.wait(ctx)
	if ctx.Err() != nil {
		return failure.Backend(fmt.Errorf("reset snapshot: %w", ctx.Err()))
	}
	if err := d.reset(ctx, prepErr); err != nil {
		return failure.Backend(fmt.Errorf("reset snapshot: %w", err))
	}
	d.prepare()
	return nil
}

func (d *DatabaseSnapshot) reset(ctx context.Context, prepErr error) error {
	s, err := d.session(ctx)
	if err != nil {
		return err
	}
	owner, ok, err := s.owner(ctx, s.snap)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no snapshot database %s: take one (Take) once %s is seeded", s.snap, s.db)
	}
	spare := false
	if !d.noSpare && prepErr == nil {
		if _, spare, err = s.owner(ctx, s.spare); err != nil {
			return err
		}
	}
	if !spare {
		// Copy while the caller waits.
		drop := "DROP DATABASE IF EXISTS " + ident(s.db)
		if s.version >= 130000 {
			drop += " WITH (FORCE)" // terminates the EPR's sessions; new ones wait for the drop
		} else if err := s.terminate(ctx, s.db); err != nil {
			return err
		}
		if err := s.exec(ctx, drop); err != nil {
			return err
		}
		return s.exec(ctx, "CREATE DATABASE "+ident(s.db)+" TEMPLATE "+ident(s.snap)+s.ownerClause(owner)+d.strategyClause(s))
	}
	if _, exists, err := s.owner(ctx, s.db); err != nil {
		return err
	} else if exists {
		if err := s.drop(ctx, s.old); err != nil { // left by a failed background drop
			return err
		}
		if err := s.exec(ctx, "ALTER DATABASE "+ident(s.db)+" ALLOW_CONNECTIONS false"); err != nil {
			return err
		}
		if err := s.retryInUse(ctx, s.db, "ALTER DATABASE "+ident(s.db)+" RENAME TO "+ident(s.old)); err != nil {
			return err
		}
	}
	return s.exec(ctx, "ALTER DATABASE "+ident(s.spare)+" RENAME TO "+ident(s.db))
}

// Prepared waits until the background copy of the snapshot is ready, and
// returns its error (Reset then copies while the caller waits instead).
func (d *DatabaseSnapshot) Prepared(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.wait(ctx)
}

// Close waits for the background copy (when ctx ends first, it cancels
// the copy and waits for that) and closes the maintenance connection. The
// snapshot stays on the server. A call after Close opens a new connection.
func (d *DatabaseSnapshot) Close(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var err error
	if d.prep != nil {
		if werr := d.wait(ctx); ctx.Err() != nil {
			d.prep.cancel()
			<-d.prep.done
			err = werr
		}
	}
	if d.sess != nil {
		d.sess.close(ctx)
		d.sess = nil
	}
	return err
}

// Exists reports whether a snapshot has been taken (by this or an earlier
// run).
func (d *DatabaseSnapshot) Exists(ctx context.Context) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.wait(ctx); ctx.Err() != nil {
		return false, fmt.Errorf("find snapshot: %w", err)
	}
	s, err := d.session(ctx)
	if err != nil {
		return false, fmt.Errorf("find snapshot: %w", err)
	}
	_, ok, err := s.owner(ctx, s.snap)
	if err != nil {
		return false, fmt.Errorf("find snapshot: %w", err)
	}
	return ok, nil
}

// Drop removes the snapshot database and its spare copy, if there are any.
func (d *DatabaseSnapshot) Drop(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.wait(ctx); ctx.Err() != nil {
		return fmt.Errorf("drop snapshot: %w", err)
	}
	d.prep = nil
	s, err := d.session(ctx)
	if err != nil {
		return fmt.Errorf("drop snapshot: %w", err)
	}
	if err := s.drop(ctx, s.spare, s.old, s.snap); err != nil {
		return fmt.Errorf("drop snapshot: %w", err)
	}
	return nil
}

// Name is the snapshot database's name ("" when databaseURL does not
// parse).
func (d *DatabaseSnapshot) Name() string {
	cfg, err := pgx.ParseConfig(d.url)
	if err != nil {
		return ""
	}
	db := cfg.Database
	if db == "" {
		db = cfg.User
	}
	return db + SnapshotSuffix
}

// drop drops the databases that exist, ending any sessions on them.
func (s *session) drop(ctx context.Context, dbs ...string) error {
	for _, db := range dbs {
		q := "DROP DATABASE IF EXISTS " + ident(db)
		if s.version >= 130000 {
			q += " WITH (FORCE)"
		} else if err := s.terminate(ctx, db); err != nil {
			return err
		}
		if err := s.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// retryInUse terminates the sessions on db and runs sql, again while
// PostgreSQL says db is in use (55006 object_in_use: a session had not
// ended yet).
func (s *session) retryInUse(ctx context.Context, db, sql string) error {
	for attempt := 1; ; attempt++ {
		if err := s.terminate(ctx, db); err != nil {
			return err
		}
		err := s.exec(ctx, sql)
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "55006" || attempt == inUseRetries {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// owner returns the owner of database db; ok is false when there is none.
func (s *session) owner(ctx context.Context, db string) (owner string, ok bool, err error) {
	err = s.conn.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", db).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up database %s: %w", db, err)
	}
	return owner, true, nil
}

// ownerClause gives the new database owner unless that is who connects
// (the default, and the only owner a user without membership may give).
func (s *session) ownerClause(owner string) string {
	if s.user == owner {
		return ""
	}
	return " OWNER " + ident(owner)
}

func (d *DatabaseSnapshot) strategyClause(s *session) string {
	if d.strategy == "" || s.version < 150000 {
		return ""
	}
	return " STRATEGY " + d.strategy // checked by open
}

// terminate ends every other session on database db and waits (up to
// terminateWait) until they are gone. It polls rather than using
// pg_terminate_backend's own wait, which sleeps 100 ms at a time.
func (s *session) terminate(ctx context.Context, db string) error {
	const q = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
	deadline := time.Now().Add(terminateWait)
	for {
		var n int
		if err := s.conn.QueryRow(ctx, q, db).Scan(&n); err != nil {
			return fmt.Errorf("terminate the sessions on %s: %w", db, err)
		}
		if n == 0 || time.Now().After(deadline) {
			return nil // a session still there makes the next statement retry
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func (s *session) exec(ctx context.Context, sql string) error {
	if _, err := s.conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
