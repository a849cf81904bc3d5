package messaging

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/eprharness/eprharness/harness/hl7"
	"github.com/eprharness/eprharness/harness/mllp"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// FeedConfig configures NewFeed.
type FeedConfig struct {
	// Addr is the destination, host:port. Required.
	Addr string
	// Store is read to build messages. Required.
	Store *store.Store
	// Now is the clinical clock for MSH-7; nil means time.Now.
	Now func() time.Time
	// Logger receives delivery failures; nil discards them.
	Logger *slog.Logger
	// QueueSize bounds the queue; 0 means DefaultQueueSize.
	QueueSize int
	// MinBackoff and MaxBackoff bound the wait between retries of a
	// message that could not be delivered; 0 means 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// DialTimeout and IOTimeout bound each attempt's connect and each of
	// its write and ACK read; 0 means 3 s and 10 s.
	DialTimeout, IOTimeout time.Duration
}

// DefaultQueueSize is the queue bound when FeedConfig.QueueSize is 0.
const DefaultQueueSize = 1000

// item is one queued message.
type item struct {
	msg *hl7.Message
	gen uint64
}

// Feed is the outbound HL7 v2 feed. See the package doc.
type Feed struct {
	cfg FeedConfig
	log *slog.Logger

	mu      sync.Mutex
	queue   []item
	gen     uint64 // incremented by Drop
	closing bool
	wake    chan struct{} // 1-buffered: something was queued or dropped
	idle    chan struct{} // closed and replaced whenever the queue is empty and nothing is in flight
	busy    bool

	ctx    context.Context // ends when Close gives up
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// NewFeed starts the feed's sender goroutine.
func NewFeed(cfg FeedConfig) *Feed {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 3 * time.Second
	}
	if cfg.IOTimeout <= 0 {
		cfg.IOTimeout = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Feed{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1), idle: make(chan struct{}),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
	close(f.idle)
	go f.run()
	return f
}

// Addr is the feed's destination.
func (f *Feed) Addr() string { return f.cfg.Addr }

// BuildTimeout bounds the store reads that build one event's messages.
const BuildTimeout = 5 * time.Second

// Notify is the events bus subscriber: it builds the messages the event
// calls for from the store (a few reads, on the publisher's goroutine, so
// that they describe the record as it was when the change was made) and
// queues them; it never waits for delivery.
func (f *Feed) Notify(e events.Event) {
	if e.Source == events.FromHL7 {
		return
	}
	var triggers []string
	switch e.Kind {
	case events.Admitted:
		triggers = []string{"A01"}
	case events.Transferred:
		triggers = []string{"A02"}
	case events.Discharged:
		triggers = []string{"A03", "T02"}
	case events.AppointmentBooked:
		triggers = []string{"S12"}
	case events.AppointmentRescheduled:
		triggers = []string{"S13"}
	case events.AppointmentCancelled:
		triggers = []string{"S15"}
	}
	if len(triggers) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), BuildTimeout)
	defer cancel()
	for _, t := range triggers {
		m, err := f.build(ctx, e, t)
		if err != nil {
			f.log.Error("hl7 feed: cannot build message, dropped", "event", string(e.Kind), "trigger", t, "patient", e.PatientID, "error", err)
			continue
		}
		f.push(item{msg: m})
	}
}

// Enqueue queues a message built already, such as an application
// acknowledgement; it returns at once.
func (f *Feed) Enqueue(m *hl7.Message) { f.push(item{msg: m}) }

func (f *Feed) push(it item) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		f.log.Warn("hl7 feed: closed, message not queued", "trigger", it.describe())
		return
	}
	if len(f.queue) >= f.cfg.QueueSize {
		f.log.Error("hl7 feed: queue full, message dropped", "trigger", it.describe(), "queue_size", f.cfg.QueueSize)
		return
	}
	it.gen = f.gen
	select {
	case <-f.idle: // was idle: not any more
		f.idle = make(chan struct{})
	default:
	}
	f.queue = append(f.queue, it)
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (it item) describe() string { return it.msg.Type() + "^" + it.msg.Trigger() }

// Drop empties the queue and abandons the message being retried, if any
// (the EPR's Reset: what was queued belongs to data that no longer
// exists). A message on the wire when Drop is called may still arrive.
func (f *Feed) Drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
	f.queue = nil
	if !f.busy {
		f.markIdle()
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// markIdle closes idle; f.mu must be held.
func (f *Feed) markIdle() {
	select {
	case <-f.idle:
	default:
		close(f.idle)
	}
}

// Flush waits until everything queued so far has been sent (or dropped),
// or ctx ends.
func (f *Feed) Flush(ctx context.Context) error {
	f.mu.Lock()
	idle := f.idle
	f.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush hl7 feed: %w", ctx.Err())
	}
}

// Close stops queueing, waits for the queue to be sent until ctx ends, then
// stops the sender. It returns an error saying how many messages were not
// delivered, if any.
func (f *Feed) Close(ctx context.Context) error {
	var err error
	f.once.Do(func() {
		f.mu.Lock()
		f.closing = true
		f.mu.Unlock()
		flushErr := f.Flush(ctx)
		f.mu.Lock()
		left := len(f.queue)
		f.mu.Unlock()
		f.cancel()
		<-f.done
		f.mu.Lock()
		f.queue = nil
		f.markIdle()
		f.mu.Unlock()
		if flushErr != nil && left > 0 {
			err = fmt.Errorf("close hl7 feed to %s: %d message(s) not delivered: %w", f.cfg.Addr, left, flushErr)
		}
	})
	return err
}

// next waits for the head of the queue; ok is false when the feed stops.
func (f *Feed) next() (item, bool) {
	for {
		if f.ctx.Err() != nil {
			return item{}, false
		}
		f.mu.Lock()
		if len(f.queue) > 0 {
			it := f.queue[0]
			f.busy = true
			f.mu.Unlock()
			return it, true
		}
		f.mu.Unlock()
		select {
		case <-f.wake:
		case <-f.ctx.Done():
			return item{}, false
		}
	}
}

// finish removes it from the head of the queue unless Drop already did.
func (f *Feed) finish(it item) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if it.gen == f.gen && len(f.queue) > 0 {
		f.queue = f.queue[1:]
	}
	f.busy = false
	if len(f.queue) == 0 {
		f.markIdle()
	}
}

// current reports whether it is still wanted (no Drop since it was queued).
func (f *Feed) current(it item) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return it.gen == f.gen
}

func (f *Feed) run() {
	defer close(f.done)
	for {
		it, ok := f.next()
		if !ok {
			return
		}
		f.deliver(it)
		f.finish(it)
	}
}

// deliver sends one message, retrying until it is delivered, dropped or
// the feed stops.
func (f *Feed) deliver(it item) {
	msg := it.msg
	raw, err := msg.Encode("")
	if err != nil {
		f.log.Error("hl7 feed: cannot encode message, dropped", "trigger", it.describe(), "error", err)
		return
	}
	backoff := f.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		ack, err := mllp.Send(f.ctx, f.cfg.Addr, raw, mllp.WithDialTimeout(f.cfg.DialTimeout), mllp.WithIOTimeout(f.cfg.IOTimeout))
		if err == nil {
			f.checkAck(msg, ack)
			return
		}
		if f.ctx.Err() != nil {
			return
		}
		f.log.Warn("hl7 feed: delivery failed, will retry", "type", msg.Type()+"^"+msg.Trigger(),
			"control_id", msg.ControlID(), "to", f.cfg.Addr, "attempt", attempt, "retry_in", backoff.String(), "error", err)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-f.ctx.Done():
			t.Stop()
			return
		}
		if !f.current(it) {
			return
		}
		backoff = min(backoff*2, f.cfg.MaxBackoff)
	}
}

// checkAck logs an acknowledgement that is not AA or CA.
func (f *Feed) checkAck(msg *hl7.Message, raw []byte) {
	ack, err := hl7.Parse(raw)
	if err != nil {
		f.log.Error("hl7 feed: unreadable acknowledgement", "control_id", msg.ControlID(), "error", err)
		return
	}
	code, _ := ack.Text("MSA-1")
	if code == "AA" || code == "CA" {
		return
	}
	text, _ := ack.Text("MSA-3")
	if text == "" {
		text, _ = ack.Text("ERR-8")
	}
	f.log.Error("hl7 feed: message not accepted", "type", msg.Type()+"^"+msg.Trigger(), "control_id", msg.ControlID(),
		"to", f.cfg.Addr, "ack", code, "text", text)
}
