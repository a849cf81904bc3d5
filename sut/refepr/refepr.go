// Package refepr is the reference EPR (electronic patient record): a small,
// real, server-rendered web application the harness drives in its own tests
// and demos. It serves an accessible HTML user interface (package web), a
// FHIR R4 API for seeding and reading data (package fhir) and operational
// endpoints, over an SQL store (package store) on SQLite or PostgreSQL.
//
// Routes:
//
//	GET  /                      303 to /patients (signed in) or /login
//	GET  /login, POST /login    sign in; POST /logout signs out
//	GET  /patients              patient search (signed in; paged, 10 a page)
//	GET  /about                 version, active defects and the clinical clock
//	POST /session/keep-alive    204: extends a live sign-in (the timeout warning's "Stay signed in")
//	GET  /patients/{id}         patient record (signed in); its clinical areas,
//	                            notes, appointments and admission under
//	                            /patients/{id}/... (see package web)
//	GET  /register, /wards      registration; the ward bed board
//	GET  /audit                 audit log search (administrators)
//	GET  /api/audit             audit log as JSON (administrators; session or
//	                            HTTP Basic): ?user=&patient=&action=&from=&to=
//	GET  /static/...            stylesheets and refepr.js
//	GET  /fhir/metadata         FHIR R4 CapabilityStatement
//	POST /fhir                  FHIR transaction or batch Bundle
//	     /fhir/{type}[/{id}]    FHIR R4 API: Patient, AllergyIntolerance,
//	                            MedicationRequest, Observation (create, read,
//	                            search), Appointment (also update), Slot and
//	                            Schedule (read, search); see package fhir.
//	                            Every write is audited; callers without
//	                            credentials are the system user "fhir-api"
//	GET  /healthz               {"status":"ok"} when the store answers, else 503
//	GET  /version               {"name":"refepr","version":"..."}
//	POST /_test/reset           204 after Reset; only with Config.TestAPI
//
// HL7 v2 over MLLP (package messaging), when configured: an inbound
// endpoint on Config.MLLPAddr (ADT^A01, A03, A08, A28, A31 from a PAS,
// acknowledged AA/AE/AR, or CA/CE/CR in enhanced mode) and an outbound feed
// to Config.MLLPOutbound (ADT^A01/A02/A03 on admission, transfer and
// discharge, MDM^T02 discharge summary, SIU^S12/S13/S15 on appointments).
// Reset empties the feed's queue.
//
// Contracts: New returns a Server the caller owns and must Close; Close
// closes the store and so, for an in-memory database, discards its data. A
// Server is safe for concurrent use, including Reset alongside requests
// (a request racing a Reset may see the data either side of it).
package refepr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/fhir"
	"github.com/eprharness/eprharness/sut/refepr/messaging"
	"github.com/eprharness/eprharness/sut/refepr/store"
	"github.com/eprharness/eprharness/sut/refepr/web"
)

// Config configures a Server.
type Config struct {
	// DatabaseURL is "sqlite::memory:" (the default), "sqlite:/path/to/file.db"
	// or "postgres://user:pass@host:port/db?sslmode=disable".
	DatabaseURL string
	// Now is the clinical clock, used for ages and timestamps; nil means
	// time.Now. Sign-in sessions always expire by real time.
	Now func() time.Time
	// ClockOffset shifts the clinical clock (Now, fixed or real) by a
	// duration, e.g. -72h for "three days ago"; zero leaves it alone.
	ClockOffset time.Duration
	// SessionTimeout is how long a sign-in lasts without use (the idle
	// timeout); zero means DefaultSessionTimeout. Pages warn two minutes
	// before it ends.
	SessionTimeout time.Duration
	// TestAPI enables POST /_test/reset.
	TestAPI bool
	// Version is reported by GET /version; "" means "dev".
	Version string
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
	// Defects are the release-candidate regressions turned on (package
	// defects); the zero value has none.
	Defects defects.Set
	// MLLPAddr is where the HL7 v2 MLLP endpoint listens (":2575",
	// "127.0.0.1:0"); "" means no endpoint (package messaging).
	MLLPAddr string
	// MLLPOutbound is the host:port the outbound HL7 v2 feed (ADT, MDM,
	// SIU, and enhanced-mode application acknowledgements) is sent to; ""
	// means no feed.
	MLLPOutbound string
	// DefectTrace, when not nil, receives a JSON line for each test
	// scenario (named by the defects.ScenarioHeader request header) the
	// first time it reaches a point where a defect applies, whether or not
	// that defect is on (see package defects). The caller owns the writer.
	DefectTrace io.Writer
}

// DefaultSessionTimeout is how long a sign-in lasts without use when
// Config.SessionTimeout is zero.
const DefaultSessionTimeout = 15 * time.Minute

// Server is the reference EPR as an http.Handler.
type Server struct {
	cfg      Config
	store    *store.Store
	sessions *auth.Sessions
	handler  http.Handler
	log      *slog.Logger
	// events carries what the screens and APIs change to the outbound
	// interfaces (package events).
	events *events.Bus
	// inbound is the HL7 v2 MLLP endpoint, feed the outbound HL7 v2 feed
	// (package messaging); each nil when not configured.
	inbound *messaging.Inbound
	feed    *messaging.Feed
}

// ParseClock reads a fixed clock: "" gives nil (the real clock), a date
// "2026-06-01" gives midnight UTC that day, and an RFC 3339 instant gives
// that instant.
func ParseClock(s string) (func() time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("parse clock %q: want a date (2026-06-01) or an RFC 3339 time (2026-06-01T09:30:00Z)", s)
		}
	}
	return func() time.Time { return t }, nil
}

// ParseClockOffset reads a clock offset in Go's duration syntax ("-72h",
// "90m", "1h30m"); "" gives zero.
func ParseClockOffset(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("parse clock offset %q: want a duration such as -72h or 90m", s)
	}
	return d, nil
}

// New opens and migrates the store (retrying a PostgreSQL connection for up
// to 30 seconds while ctx allows) and seeds the users.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = "sqlite::memory:"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if off := cfg.ClockOffset; off != 0 {
		base := cfg.Now
		cfg.Now = func() time.Time { return base().Add(off) }
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DefectTrace != nil {
		cfg.Defects = cfg.Defects.WithTrace(defects.NewTrace(cfg.DefectTrace))
	}
	seeds, err := auth.SeedUsers()
	if err != nil {
		return nil, fmt.Errorf("new refepr: %w", err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("new refepr: %w", err)
	}
	if err := st.UpsertUsers(ctx, seeds); err != nil {
		st.Close()
		return nil, fmt.Errorf("new refepr: seed users: %w", err)
	}
	s := &Server{cfg: cfg, store: st, sessions: auth.NewSessions(cfg.SessionTimeout), log: cfg.Logger, events: &events.Bus{}}
	ui, err := web.New(web.Options{Store: st, Sessions: s.sessions, Now: cfg.Now, Logger: cfg.Logger, Defects: cfg.Defects, Version: cfg.Version, SessionTimeout: cfg.SessionTimeout, Events: s.events})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("new refepr: %w", err)
	}
	api := fhir.New(fhir.Options{Store: st, Version: cfg.Version, Now: cfg.Now, Logger: cfg.Logger, Defects: cfg.Defects, Events: s.events})

	mux := http.NewServeMux()
	ui.Register(mux)
	mux.Handle("/fhir/", api)
	mux.Handle("/fhir", api)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /version", s.version)
	if cfg.TestAPI {
		mux.HandleFunc("POST /_test/reset", s.reset)
	}
	s.handler = s.recoverer(s.logRequests(secureHeaders(scenarioTagged(mux))))
	if cfg.MLLPOutbound != "" {
		s.feed = messaging.NewFeed(messaging.FeedConfig{Addr: cfg.MLLPOutbound, Store: st, Now: cfg.Now, Logger: cfg.Logger})
		s.events.Subscribe(s.feed.Notify)
	}
	if cfg.MLLPAddr != "" {
		in, err := messaging.Listen(ctx, cfg.MLLPAddr, messaging.Config{Store: st, Events: s.events, Now: cfg.Now,
			Logger: cfg.Logger, Defects: cfg.Defects, Feed: s.feed})
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("new refepr: %w", err)
		}
		s.inbound = in
		cfg.Logger.InfoContext(ctx, "hl7 mllp listening", "addr", in.Addr())
	}
	cfg.Logger.InfoContext(ctx, "refepr ready", "database", string(st.Dialect()), "version", cfg.Version, "test_api", cfg.TestAPI,
		"mllp", s.MLLPAddr(), "mllp_outbound", cfg.MLLPOutbound)
	return s, nil
}

// MLLPAddr is the address the HL7 v2 endpoint is bound to ("" when
// Config.MLLPAddr was empty).
func (s *Server) MLLPAddr() string {
	if s.inbound == nil {
		return ""
	}
	return s.inbound.Addr()
}

// ServeHTTP serves every route of the EPR.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Reset deletes all patient data and every user but the seeded ones, and
// re-seeds those. Sessions of seeded users survive a reset, so a test
// harness can sign each role in once and reuse the signed-in browser state
// (Playwright's storage state) across scenarios; the sessions of any other
// user end.
func (s *Server) Reset(ctx context.Context) error {
	seeds, err := auth.SeedUsers()
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if err := s.store.Reset(ctx, seeds); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if s.feed != nil {
		s.feed.Drop() // what is queued is about data that is gone
	}
	seeded := make(map[string]auth.User, len(seeds))
	for _, u := range seeds {
		seeded[u.Username] = auth.FromStore(u)
	}
	s.sessions.Retain(func(username string) (auth.User, bool) {
		u, ok := seeded[username]
		return u, ok
	})
	s.log.InfoContext(ctx, "reset")
	return nil
}

// FeedDrainTimeout is how long Close waits for the outbound HL7 feed to
// deliver what is queued.
const FeedDrainTimeout = 3 * time.Second

// Close stops the HL7 endpoint, drains the outbound feed for at most
// FeedDrainTimeout, and closes the store.
func (s *Server) Close() error {
	var errs []error
	if s.inbound != nil {
		if err := s.inbound.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if s.feed != nil {
		ctx, cancel := context.WithTimeout(context.Background(), FeedDrainTimeout)
		err := s.feed.Close(ctx)
		cancel()
		if err != nil {
			s.log.Warn("hl7 feed closed with messages undelivered", "error", err)
		}
	}
	if err := s.store.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close refepr: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "health check failed", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request) {
	active := []string{}
	for _, n := range s.cfg.Defects.List() {
		active = append(active, string(n))
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "refepr", "version": s.cfg.Version, "defects": active})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(r.Context()); err != nil {
		s.log.ErrorContext(r.Context(), "reset failed", "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// scenarioTagged puts the test scenario a request belongs to (the
// defects.ScenarioHeader header, sent by a test harness) in its context.
func scenarioTagged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(defects.ScenarioHeader); id != "" {
			r = r.WithContext(defects.WithScenario(r.Context(), id))
		}
		next.ServeHTTP(w, r)
	})
}

// secureHeaders sets headers every response should carry.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelError
		case r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/"):
			level = slog.LevelDebug // health probes and assets would drown the log
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", time.Since(start).Milliseconds())
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
