package messaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Notification is one request the EPR made to a scenario's notification
// endpoint (a FHIR Subscription rest-hook).
type Notification struct {
	Method string
	// Path is the request path after the scenario's endpoint
	// ("/Appointment/42"), with its query.
	Path        string
	ContentType string
	Body        []byte
	At          time.Time
	Remote      string
}

// Summary is one line for failure messages.
func (n Notification) Summary() string {
	s := n.Method + " " + n.Path
	if st := jsonField(n.Body, "status"); st != "" {
		s += fmt.Sprintf(" (status %q)", st)
	}
	return s
}

// maxNotification bounds a notification's body.
const maxNotification = 4 << 20

// box is one scenario's notifications.
type box struct {
	mu      sync.Mutex
	got     []Notification
	changed chan struct{}
}

func newBox() *box { return &box{changed: make(chan struct{})} }

func (b *box) add(n Notification) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, n)
	close(b.changed)
	b.changed = make(chan struct{})
}

// snapshot returns what arrived and a channel closed at the next arrival.
func (b *box) snapshot() ([]Notification, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Notification(nil), b.got...), b.changed
}

// notifier is the HTTP server receiving notifications for every scenario.
type notifier struct {
	ln  net.Listener
	srv *http.Server
	now func() time.Time

	mu    sync.Mutex
	boxes map[string]*box
	done  chan struct{}
}

func startNotifier(ctx context.Context, addr string, now func() time.Time) (*notifier, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	n := &notifier{ln: ln, now: now, boxes: map[string]*box{}, done: make(chan struct{})}
	n.srv = &http.Server{Handler: n, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(n.done)
		_ = n.srv.Serve(ln)
	}()
	return n, nil
}

func (n *notifier) addr() string { return n.ln.Addr().String() }

// ServeHTTP records a request to /notify/{key}/… and answers 200.
func (n *notifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/notify/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	key, path, _ := strings.Cut(rest, "/")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotification+1))
	if err != nil || len(body) > maxNotification {
		http.Error(w, "notification unreadable or too large", http.StatusBadRequest)
		return
	}
	p := "/" + path
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	note := Notification{Method: r.Method, Path: p, ContentType: r.Header.Get("Content-Type"), Body: body, At: n.now(), Remote: r.RemoteAddr}
	n.mu.Lock()
	b := n.boxes[key] // nil: for no open scenario, dropped
	n.mu.Unlock()
	if b != nil {
		b.add(note)
	}
	w.WriteHeader(http.StatusOK)
}

func (n *notifier) open(key string) *box {
	b := newBox()
	n.mu.Lock()
	n.boxes[key] = b
	n.mu.Unlock()
	return b
}

func (n *notifier) drop(key string) {
	n.mu.Lock()
	delete(n.boxes, key)
	n.mu.Unlock()
}

func (n *notifier) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := n.srv.Shutdown(ctx)
	<-n.done
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("close notification listener: %w", err)
	}
	return nil
}
