package mllp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/hl7"
)

// Received is one message a Listener read.
type Received struct {
	Raw     []byte       // the message as framed, without frame bytes
	Message *hl7.Message // nil when Raw did not parse
	Err     error        // why Raw did not parse
	At      time.Time    // when the frame was read
	Remote  string       // the peer's address
	Ack     []byte       // what the handler answered (nil: nothing)
}

// Summary is one line for logs and failure messages: type^trigger,
// control id and first PID-3, or why the message did not parse.
func (r Received) Summary() string {
	if r.Message == nil {
		return fmt.Sprintf("unparseable message from %s (%v)", r.Remote, r.Err)
	}
	pid, err := r.Message.Get("PID-3[1]")
	if err != nil {
		pid = "no PID"
	}
	return fmt.Sprintf("%s^%s control id %q PID-3 %q", r.Message.Type(), r.Message.Trigger(), r.Message.ControlID(), pid)
}

// Handler answers a received message with the bytes of an acknowledgement
// (Write frames them), or nil to answer nothing. r.Message is shared
// with Received and Wait callers: read it, or Clone it before any Set.
type Handler func(r Received) []byte

// DefaultHandler answers AA (hl7.ACK) to a message that parses and AR
// (hl7.Reject) to one that does not, in the message's character set. It
// does not apply MSH-15/MSH-16 (see hl7.WantsAck for handlers that do).
func DefaultHandler(r Received) []byte {
	ack := hl7.Reject(r.Raw, r.Err)
	if r.Message != nil {
		ack = hl7.ACK(r.Message, "AA")
	}
	out, err := ack.Encode("")
	if err != nil { // cannot happen for MSH-18 values Parse accepted
		out, _ = ack.Encode("UNICODE UTF-8")
	}
	return out
}

// ListenOption configures Listen.
type ListenOption func(*listenConfig)

type listenConfig struct {
	handler      Handler
	maxSize      int
	writeTimeout time.Duration
	now          func() time.Time
}

// WithHandler replaces DefaultHandler.
func WithHandler(h Handler) ListenOption { return func(c *listenConfig) { c.handler = h } }

// WithMaxMessageSize limits received messages (default DefaultMaxSize);
// a larger frame closes its connection.
func WithMaxMessageSize(n int) ListenOption { return func(c *listenConfig) { c.maxSize = n } }

// WithWriteTimeout bounds writing each acknowledgement (default 10 s).
func WithWriteTimeout(d time.Duration) ListenOption {
	return func(c *listenConfig) { c.writeTimeout = d }
}

// Listener accepts MLLP connections, records every message and answers
// each one. See the package doc for its concurrency contract.
type Listener struct {
	cfg  listenConfig
	ln   net.Listener
	stop func() bool

	mu       sync.Mutex
	received []Received
	changed  chan struct{} // closed and replaced on each message and on Close
	conns    map[net.Conn]struct{}
	closed   bool

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Listen listens on addr ("" means 127.0.0.1:0, a free local port) until
// Close or the end of ctx.
func Listen(ctx context.Context, addr string, opts ...ListenOption) (*Listener, error) {
	cfg := listenConfig{handler: DefaultHandler, maxSize: DefaultMaxSize, writeTimeout: 10 * time.Second, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen mllp on %s: %w", addr, err)
	}
	l := &Listener{cfg: cfg, ln: ln, changed: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	l.wg.Add(1)
	go l.accept()
	l.mu.Lock() // Close, run early by an ended ctx, waits for l.stop
	l.stop = context.AfterFunc(ctx, func() { _ = l.Close() })
	l.mu.Unlock()
	return l, nil
}

// Addr is the address the listener accepts on (host:port).
func (l *Listener) Addr() string { return l.ln.Addr().String() }

func (l *Listener) accept() {
	defer l.wg.Done()
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return // closed (Close); a listener that fails otherwise stops too
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			_ = conn.Close()
			return
		}
		l.conns[conn] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		go l.serve(conn)
	}
}

func (l *Listener) serve(conn net.Conn) {
	defer l.wg.Done()
	defer func() {
		l.mu.Lock()
		delete(l.conns, conn)
		l.mu.Unlock()
		_ = conn.Close()
	}()
	rd := NewReader(conn, WithMaxSize(l.cfg.maxSize))
	for {
		raw, err := rd.Read()
		if err != nil {
			return // EOF, framing error or Close: the connection ends
		}
		r := Received{Raw: raw, At: l.cfg.now(), Remote: conn.RemoteAddr().String()}
		r.Message, r.Err = hl7.Parse(raw)
		r.Ack = l.cfg.handler(r)
		l.mu.Lock()
		l.received = append(l.received, r)
		close(l.changed)
		l.changed = make(chan struct{})
		l.mu.Unlock()
		if r.Ack == nil {
			continue
		}
		_ = conn.SetWriteDeadline(time.Now().Add(l.cfg.writeTimeout))
		if err := Write(conn, r.Ack); err != nil {
			return
		}
	}
}

// Received returns a copy of what has arrived so far, in arrival order.
func (l *Listener) Received() []Received {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Received(nil), l.received...)
}

// Wait returns the first received message (including those that arrived
// before the call) for which match is true, waiting until one arrives.
// match runs on the caller's goroutine without locks held and must not
// modify the message (Clone it first).
// When ctx ends or the listener closes first, the error lists every
// message that did arrive.
func (l *Listener) Wait(ctx context.Context, match func(*hl7.Message) bool) (*hl7.Message, error) {
	next := 0
	for {
		l.mu.Lock()
		fresh := l.received[next:len(l.received):len(l.received)]
		next = len(l.received)
		changed, closed := l.changed, l.closed
		l.mu.Unlock()
		for _, r := range fresh { // entries never change once appended
			if r.Message != nil && match(r.Message) {
				return r.Message, nil
			}
		}
		if closed {
			return nil, fmt.Errorf("wait for hl7 message: listener closed; %s", l.arrived())
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for hl7 message: %w; %s", ctx.Err(), l.arrived())
		}
	}
}

func (l *Listener) arrived() string {
	got := l.Received()
	if len(got) == 0 {
		return "received nothing"
	}
	lines := make([]string, len(got))
	for i, r := range got {
		lines[i] = fmt.Sprintf("%d. %s", i+1, r.Summary())
	}
	return fmt.Sprintf("received %d: %s", len(got), strings.Join(lines, "; "))
}

// Close stops accepting, closes open connections and waits for their
// goroutines (a Handler still running delays it). Safe to call twice.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.stop()
		l.closed = true
		close(l.changed)
		l.changed = make(chan struct{})
		err := l.ln.Close()
		for c := range l.conns {
			_ = c.Close()
		}
		l.mu.Unlock()
		l.wg.Wait()
		if err != nil && !errors.Is(err, net.ErrClosed) {
			l.closeErr = fmt.Errorf("close mllp listener: %w", err)
		}
	})
	return l.closeErr
}

var _ io.Closer = (*Listener)(nil)
