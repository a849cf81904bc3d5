package messaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// AuditUser is the audit log's "who" for changes made by inbound HL7
// messages, and the By of the events they publish.
const AuditUser = "hl7-interface"

// RecordedBy is the display name under which inbound allergies are
// recorded.
const RecordedBy = "HL7 interface (PAS)"

// Timeouts of the inbound endpoint.
const (
	// IdleTimeout closes a connection that sends nothing for this long.
	IdleTimeout = 5 * time.Minute
	// WriteTimeout bounds writing one acknowledgement.
	WriteTimeout = 10 * time.Second
	// ProcessTimeout bounds applying one message to the store.
	ProcessTimeout = 30 * time.Second
	// MaxMessageSize is the largest message accepted; a larger frame
	// closes its connection.
	MaxMessageSize = 1 << 20
)

// Config configures Listen.
type Config struct {
	// Store is where messages are applied. Required.
	Store *store.Store
	// Events receives what the messages changed (Source events.FromHL7);
	// nil publishes nothing.
	Events *events.Bus
	// Now is the clinical clock; nil means time.Now.
	Now func() time.Time
	// Logger receives connection and processing logs; nil discards them.
	Logger *slog.Logger
	// Defects are the release-candidate defects turned on.
	Defects defects.Set
	// Feed carries enhanced-mode application acknowledgements; nil: they
	// are logged and dropped.
	Feed *Feed
}

// Inbound is the EPR's MLLP endpoint. See the package doc.
type Inbound struct {
	cfg Config
	log *slog.Logger
	ln  net.Listener

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

// Listen listens on addr (":2575", "127.0.0.1:0") and serves until Close.
// ctx bounds only the listen call itself.
func Listen(ctx context.Context, addr string, cfg Config) (*Inbound, error) {
	if cfg.Store == nil {
		return nil, errors.New("listen hl7: no store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen hl7 on %s: %w", addr, err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Inbound{cfg: cfg, log: cfg.Logger, ln: ln, ctx: sctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the address the endpoint is bound to.
func (s *Inbound) Addr() string { return s.ln.Addr().String() }

// Close stops accepting, closes open connections (a message being applied
// finishes first) and waits for their goroutines.
func (s *Inbound) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		err := s.ln.Close()
		for c := range s.conns {
			_ = c.SetReadDeadline(time.Unix(1, 0))
		}
		s.mu.Unlock()
		s.wg.Wait()
		s.cancel()
		if err != nil && !errors.Is(err, net.ErrClosed) {
			s.err = fmt.Errorf("close hl7 listener: %w", err)
		}
	})
	return s.err
}

func (s *Inbound) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("hl7 accept failed", "error", err)
			time.Sleep(50 * time.Millisecond) // e.g. too many open files: do not spin
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(conn)
	}
}

// serve reads messages from one connection and answers each in turn.
func (s *Inbound) serve(conn net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	remote := conn.RemoteAddr().String()
	r := mllp.NewReader(conn, mllp.WithMaxSize(MaxMessageSize))
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(IdleTimeout))
		s.mu.Unlock()
		raw, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isTimeout(err) {
				s.log.Warn("hl7 connection dropped", "remote", remote, "error", err)
			}
			return
		}
		reply := s.Handle(s.ctx, raw)
		if reply == nil {
			continue
		}
		_ = conn.SetWriteDeadline(time.Now().Add(WriteTimeout))
		if err := mllp.Write(conn, reply); err != nil {
			s.log.Warn("hl7 acknowledgement not written", "remote", remote, "error", err)
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Handle processes one message (its bytes as framed) and returns the
// bytes to answer on the connection, or nil to answer nothing (an
// enhanced-mode sender that wants no accept acknowledgement). In enhanced
// mode it also queues the application acknowledgement on the feed.
func (s *Inbound) Handle(ctx context.Context, raw []byte) []byte {
	m, err := hl7.Parse(raw)
	if err != nil {
		s.log.Warn("hl7 message refused: unparseable", "error", err)
		return encode(stamp(hl7.Reject(raw, err)))
	}
	ctx = defects.WithScenario(ctx, scenarioOf(m))
	ctx, cancel := context.WithTimeout(ctx, ProcessTimeout)
	defer cancel()
	res := s.process(ctx, m)
	level := slog.LevelInfo
	if res.code != "AA" {
		level = slog.LevelWarn
	}
	s.log.Log(ctx, level, "hl7 message", "type", m.Type()+"^"+m.Trigger(), "control_id", m.ControlID(),
		"ack", res.code, "error", res.text())

	accept, _ := m.Text("MSH-15")
	application, _ := m.Text("MSH-16")
	if strings.TrimSpace(accept) == "" && strings.TrimSpace(application) == "" { // original mode
		return encode(stamp(hl7.ACK(m, res.code, res.errs...)))
	}
	commit := "CA"
	switch {
	case res.envelope:
		commit = "CR"
	case res.internal:
		commit = "CE"
	}
	var reply []byte
	if hl7.WantsAck(m, hl7.AcceptAck, commit) {
		var errs []hl7.AckError
		if commit != "CA" {
			errs = res.errs
		}
		reply = encode(stamp(hl7.ACK(m, commit, errs...)))
	}
	if commit != "CR" && hl7.WantsAck(m, hl7.ApplicationAck, res.code) {
		ack := stamp(hl7.ACK(m, res.code, res.errs...))
		if s.cfg.Feed == nil {
			s.log.Warn("hl7 application acknowledgement dropped: no outbound feed configured", "control_id", m.ControlID(), "ack", res.code)
		} else {
			s.cfg.Feed.Enqueue(ack)
		}
	}
	return reply
}

// scenarioOf reads ZTS-1, the test scenario a harness names.
func scenarioOf(m *hl7.Message) string {
	v, _ := m.Text("ZTS-1")
	return v
}

// stamp names the EPR as the acknowledgement's sender.
func stamp(ack *hl7.Message) *hl7.Message {
	_ = ack.SetText("MSH-3", SendingApplication)
	_ = ack.SetText("MSH-4", SendingFacility)
	return ack
}

// encode writes m in its MSH-18 character set, or in UTF-8 when that set
// cannot hold the text (an error message quoting the input).
func encode(m *hl7.Message) []byte {
	out, err := m.Encode("")
	if err != nil {
		out, _ = m.Encode("UNICODE UTF-8")
	}
	return out
}
