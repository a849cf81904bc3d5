// Package messaging is the harness's side of the EPR's message interfaces:
// it listens for what the EPR sends out (its HL7 v2 feed over MLLP, FHIR
// Subscription notifications), sends HL7 v2 and FHIR messages to it as the
// hospital's other systems would, and keeps every exchange as evidence
// (results.Message).
//
// # Contract
//
// A Hub serves a whole run. The runner starts it (Start) before the
// backends and closes it (Close) after they are terminated; Close stops
// every listener it opened. Its methods are safe for concurrent use.
//
//   - With backends that can configure their EPR's outbound feed
//     (Config.PerBackend: the reference EPR's embedded and docker, and
//     compose with mllp-service), each backend gets its own MLLP listener
//     on an ephemeral port: ForBackend opens it and puts its port in the
//     ctx given to the backend factory (backend.WithCallbacks); the
//     backend configures its EPR's outbound feed to reach it (compose
//     hands the port to the Compose files). With mllp-listen set, one
//     listener at that address is shared by every backend instead.
//   - For other EPRs (url, compose without mllp-service) there is at most
//     one MLLP listener, at Config.MLLPListen, shared by all workers.
//   - One HTTP server receives FHIR notifications on any method at
//     /notify/{scenario-key}/…, records them and answers 200.
//
// A Scenario (NewScenario, one per scenario attempt) is a view of the hub
// for one scenario: the messages that arrived on its worker's listener
// after it started (and, on a shared listener, only those naming one of
// its patients), the notifications sent to its own key, and what it
// sends. It records every exchange; Finish adds the messages no step asked
// for (Step -1) and returns them all. A Scenario is used by one
// scenario's steps, one at a time, but Finish may race with nothing else:
// it is not safe for concurrent use except where noted.
package messaging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/backend"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/nhsnumber"
)

// Setting names, for messages that tell the user what to set.
const (
	SettingMLLPAddress  = "mllp-address"
	SettingFHIRURL      = "fhir-url"
	SettingMLLPListen   = "mllp-listen"
	SettingNotifyListen = "notify-listen"
	SettingCallbackHost = "callback-host"
)

// DefaultTimeout is how long a receive waits when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config is how a Hub listens and how its Scenarios reach the EPR.
type Config struct {
	// PerBackend gives each backend its own MLLP listener (backends that
	// take backend.Callbacks: the reference EPR's, and compose with
	// mllp-service). ListenHost is the address those listeners bind:
	// "127.0.0.1" for an EPR in this process, "0.0.0.0" for one in a
	// container.
	PerBackend bool
	ListenHost string
	// MLLPListen is the shared MLLP listener's address (mllp-listen);
	// empty: none (per-backend listeners only, if PerBackend).
	MLLPListen string
	// NotifyListen is where FHIR notifications are received
	// (notify-listen); empty: ListenHost:0, or 127.0.0.1:0.
	NotifyListen string
	// CallbackHost is the host the EPR reaches the harness by
	// (callback-host); empty: the backend's (backend.Messaging), else
	// 127.0.0.1.
	CallbackHost string
	// MLLPAddress is the EPR's inbound MLLP address (mllp-address);
	// empty: the backend's (backend.Messaging).
	MLLPAddress string
	// FHIRURL is the EPR's FHIR base (fhir-url); empty: base URL + /fhir.
	FHIRURL string
	// Timeout bounds each receive and each send (message-timeout).
	Timeout time.Duration
	// TestRanges are the NHS number ranges allowed besides 999…
	// (nhs-test-ranges).
	TestRanges []nhsnumber.Range
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Hub is a run's message listeners. See the package doc.
type Hub struct {
	cfg    Config
	ctx    context.Context
	shared *mllp.Listener // the shared listener (MLLPListen), or nil
	notify *notifier

	mu        sync.Mutex
	closed    bool
	listeners []*mllp.Listener // every listener opened, for Close
	byBackend map[backend.Backend]*mllp.Listener
}

// Start opens the hub's shared listeners: the MLLP listener at
// cfg.MLLPListen, when set, and the notification server. ctx bounds them
// (Close ends them sooner).
func Start(ctx context.Context, cfg Config) (*Hub, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ListenHost == "" {
		cfg.ListenHost = "127.0.0.1"
	}
	h := &Hub{cfg: cfg, ctx: ctx, byBackend: map[backend.Backend]*mllp.Listener{}}
	if cfg.MLLPListen != "" {
		l, err := mllp.Listen(ctx, cfg.MLLPListen)
		if err != nil {
			return nil, fmt.Errorf("start messaging: %w (setting %s)", err, SettingMLLPListen)
		}
		h.shared = l
		h.listeners = append(h.listeners, l)
	}
	addr := cfg.NotifyListen
	if addr == "" {
		addr = net.JoinHostPort(cfg.ListenHost, "0")
	}
	n, err := startNotifier(ctx, addr, cfg.Now)
	if err != nil {
		_ = h.Close()
		return nil, fmt.Errorf("start messaging: listen for notifications on %s: %w (setting %s)", addr, err, SettingNotifyListen)
	}
	h.notify = n
	return h, nil
}

// SharedMLLP is the shared MLLP listener's address ("" when none).
func (h *Hub) SharedMLLP() string {
	if h.shared == nil {
		return ""
	}
	return h.shared.Addr()
}

// ForBackend prepares for starting one backend: with per-backend
// listeners (or a shared listener) it returns ctx carrying the
// backend.Callbacks that name the listener's port, and bind, which the
// caller calls with the backend the factory returned (nil if none) so
// that the backend's scenarios see that listener. Without any listener it
// returns ctx unchanged and a bind that does nothing.
func (h *Hub) ForBackend(ctx context.Context) (context.Context, func(backend.Backend), error) {
	var l *mllp.Listener
	switch {
	case h.shared != nil:
		l = h.shared
	case h.cfg.PerBackend:
		var err error
		l, err = mllp.Listen(h.ctx, net.JoinHostPort(h.cfg.ListenHost, "0"))
		if err != nil {
			return ctx, func(backend.Backend) {}, fmt.Errorf("listen for the EPR's HL7 v2 feed: %w", err)
		}
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			_ = l.Close()
			return ctx, func(backend.Backend) {}, errors.New("listen for the EPR's HL7 v2 feed: messaging closed")
		}
		h.listeners = append(h.listeners, l)
		h.mu.Unlock()
	default:
		return ctx, func(backend.Backend) {}, nil
	}
	port, err := portOf(l.Addr())
	if err != nil {
		return ctx, func(backend.Backend) {}, err
	}
	ctx = backend.WithCallbacks(ctx, backend.Callbacks{MLLPPort: port})
	return ctx, func(be backend.Backend) {
		if be == nil || l == h.shared || !comparable(be) {
			return
		}
		h.mu.Lock()
		h.byBackend[be] = l
		h.mu.Unlock()
	}, nil
}

// comparable reports whether be can be a map key: a backend is a pointer
// as a rule, but a struct value holding a func (a reset) is not, and
// looking it up would panic. Such a backend has no listener of its own.
func comparable(be backend.Backend) bool {
	t := reflect.TypeOf(be)
	return t != nil && t.Comparable()
}

// listenerFor is the MLLP listener of be's outbound feed, and whether it
// is shared by every backend; nil when there is none.
func (h *Hub) listenerFor(be backend.Backend) (*mllp.Listener, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if comparable(be) {
		if l, ok := h.byBackend[be]; ok {
			return l, false
		}
	}
	return h.shared, true
}

// Close stops every listener. Safe to call twice.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	ls := h.listeners
	h.mu.Unlock()
	var errs []error
	for _, l := range ls {
		errs = append(errs, l.Close())
	}
	if h.notify != nil {
		errs = append(errs, h.notify.close())
	}
	return errors.Join(errs...)
}

func portOf(addr string) (int, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("listener address %q: %w", addr, err)
	}
	return strconv.Atoi(p)
}

// newKey is a fresh scenario key: 24 hex digits, fit for a URL path.
func newKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
