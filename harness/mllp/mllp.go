// Package mllp frames HL7 v2 messages with the Minimal Lower Layer
// Protocol (<VT> message <FS><CR>: 0x0b … 0x1c 0x0d) and offers a client
// (Send) and a recording, acknowledging server (Listener) for tests.
//
// # Contract
//
// Write writes one frame; Reader reads frames from a stream. A Reader is
// not safe for concurrent use, and after any error other than io.EOF the
// stream is out of step: close it. Bytes between frames are tolerated only
// if they are whitespace (space, tab, CR, LF); anything else is an error.
//
// Send dials, writes one frame and reads one frame (the ACK), then closes
// its connection; ctx bounds the whole exchange and each phase also has
// its own timeout (WithDialTimeout, WithIOTimeout).
//
// A Listener owns its socket and every connection it accepts: Close (or
// the end of the ctx given to Listen) stops accepting, closes open
// connections and waits for their goroutines; it is safe to call twice
// and from any goroutine. Received, Wait and Addr are safe for concurrent
// use with each other and with the connections being served. A Handler
// runs on the connection's goroutine, possibly concurrently for different
// connections.
//
// We wrote MLLP ourselves because it is a few dozen lines; the HL7
// libraries that carry it are not served to us (see package hl7).
package mllp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Frame bytes.
const (
	StartBlock     = 0x0b // <VT>
	EndBlock       = 0x1c // <FS>
	CarriageReturn = 0x0d // <CR>
)

// DefaultMaxSize is the largest message a Reader accepts unless told
// otherwise (WithMaxSize).
const DefaultMaxSize = 4 << 20

// ErrTooLarge is wrapped when a frame exceeds the maximum size.
var ErrTooLarge = errors.New("message too large")

// Write writes msg as one frame in a single Write call. A message holding
// <VT> or <FS> cannot be framed and is an error.
func Write(w io.Writer, msg []byte) error {
	if i := bytes.IndexAny(msg, "\x0b\x1c"); i >= 0 {
		return fmt.Errorf("write mllp frame: message has control byte 0x%02x at offset %d", msg[i], i)
	}
	buf := make([]byte, 0, len(msg)+3)
	buf = append(buf, StartBlock)
	buf = append(buf, msg...)
	buf = append(buf, EndBlock, CarriageReturn)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write mllp frame: %w", err)
	}
	return nil
}

// Reader reads MLLP frames from a stream.
type Reader struct {
	r       *bufio.Reader
	max     int
	offset  int64
	scratch []byte
}

// ReaderOption configures NewReader.
type ReaderOption func(*Reader)

// WithMaxSize limits the message size in bytes (default DefaultMaxSize).
func WithMaxSize(n int) ReaderOption { return func(r *Reader) { r.max = n } }

// NewReader reads frames from r.
func NewReader(r io.Reader, opts ...ReaderOption) *Reader {
	rd := &Reader{r: bufio.NewReader(r), max: DefaultMaxSize}
	for _, o := range opts {
		o(rd)
	}
	return rd
}

func (r *Reader) readByte() (byte, error) {
	c, err := r.r.ReadByte()
	if err == nil {
		r.offset++
	}
	return c, err
}

// Read returns the next message without its frame bytes. At the end of
// the stream between frames it returns io.EOF; in the middle of a frame,
// an error wrapping io.ErrUnexpectedEOF. Errors give the stream offset.
func (r *Reader) Read() ([]byte, error) {
	for {
		c, err := r.readByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("read mllp frame: %w", err)
		}
		if c == StartBlock {
			break
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return nil, fmt.Errorf("read mllp frame: byte 0x%02x at offset %d before start block <VT>", c, r.offset-1)
		}
	}
	start := r.offset - 1
	msg := r.scratch[:0]
	for {
		c, err := r.readByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("read mllp frame started at offset %d: %w", start, err)
		}
		switch c {
		case StartBlock:
			return nil, fmt.Errorf("read mllp frame started at offset %d: start block <VT> again at offset %d", start, r.offset-1)
		case EndBlock:
			c, err := r.readByte()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return nil, fmt.Errorf("read mllp frame started at offset %d: %w", start, err)
			}
			if c != CarriageReturn {
				return nil, fmt.Errorf("read mllp frame started at offset %d: byte 0x%02x after <FS> at offset %d, want <CR>", start, c, r.offset-1)
			}
			out := make([]byte, len(msg))
			copy(out, msg)
			r.scratch = msg[:0]
			return out, nil
		}
		if len(msg) >= r.max {
			return nil, fmt.Errorf("read mllp frame started at offset %d: %w (limit %d bytes)", start, ErrTooLarge, r.max)
		}
		msg = append(msg, c)
	}
}

// SendOption configures Send.
type SendOption func(*sendConfig)

type sendConfig struct {
	dial, io time.Duration
	maxSize  int
}

// WithDialTimeout bounds connecting (default 5 s).
func WithDialTimeout(d time.Duration) SendOption { return func(c *sendConfig) { c.dial = d } }

// WithIOTimeout bounds writing the message and, separately, reading the
// acknowledgement (default 10 s each).
func WithIOTimeout(d time.Duration) SendOption { return func(c *sendConfig) { c.io = d } }

// WithMaxAckSize limits the acknowledgement's size (default DefaultMaxSize).
func WithMaxAckSize(n int) SendOption { return func(c *sendConfig) { c.maxSize = n } }

// Send connects to addr, sends msg in one frame and returns the next frame
// received (the acknowledgement). ctx ends the exchange early.
func Send(ctx context.Context, addr string, msg []byte, opts ...SendOption) ([]byte, error) {
	c := sendConfig{dial: 5 * time.Second, io: 10 * time.Second, maxSize: DefaultMaxSize}
	for _, o := range opts {
		o(&c)
	}
	d := net.Dialer{Timeout: c.dial}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("send mllp to %s: %w", addr, err)
	}
	defer conn.Close()
	// ctx ending sets a past deadline; mu keeps a later SetXDeadline from
	// undoing it.
	var mu sync.Mutex
	cancelled := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		cancelled = true
		_ = conn.SetDeadline(time.Unix(1, 0))
	})
	defer stop()
	setDeadline := func(set func(time.Time) error) error {
		mu.Lock()
		defer mu.Unlock()
		if cancelled {
			return ctx.Err()
		}
		return set(deadline(ctx, c.io))
	}
	wrap := func(what string, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		} else if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			// The socket deadline (ctx's) fired before ctx's own timer.
			err = fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		}
		return fmt.Errorf("send mllp to %s: %s: %w", addr, what, err)
	}
	if err := setDeadline(conn.SetWriteDeadline); err != nil {
		return nil, wrap("set deadline", err)
	}
	if err := Write(conn, msg); err != nil {
		return nil, wrap("write", err)
	}
	if err := setDeadline(conn.SetReadDeadline); err != nil {
		return nil, wrap("set deadline", err)
	}
	ack, err := NewReader(conn, WithMaxSize(c.maxSize)).Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("connection closed without an acknowledgement")
		}
		return nil, wrap("read ack", err)
	}
	return ack, nil
}

// deadline is now+d, or ctx's deadline when that is sooner.
func deadline(ctx context.Context, d time.Duration) time.Time {
	t := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
		return dl
	}
	return t
}
