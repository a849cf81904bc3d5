package mllp

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eprharness/eprharness/harness/hl7"
)

func listen(t *testing.T, opts ...ListenOption) *Listener {
	t.Helper()
	l, err := Listen(context.Background(), "", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func TestListenerAcks(t *testing.T) {
	l := listen(t)
	if !strings.HasPrefix(l.Addr(), "127.0.0.1:") {
		t.Errorf("Addr %s", l.Addr())
	}
	ack, err := Send(context.Background(), l.Addr(), []byte(a01))
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse(ack)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get("MSA-1"); v != "AA" {
		t.Errorf("MSA-1 %q", v)
	}
	if v, _ := m.Get("MSA-2"); v != "MSG00001" {
		t.Errorf("MSA-2 %q", v)
	}
	ack, err = Send(context.Background(), l.Addr(), []byte("MSH|^~\\&|A|B|C|D|2026||ADT^A01|BAD1|P|2.4\rPID|\\F\r"))
	if err != nil {
		t.Fatal(err)
	}
	m, err = hl7.Parse(ack)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get("MSA-1"); v != "AR" {
		t.Errorf("MSA-1 %q", v)
	}
	if v, _ := m.Get("MSA-2"); v != "BAD1" {
		t.Errorf("MSA-2 %q", v)
	}
	got := l.Received()
	if len(got) != 2 || got[0].Message == nil || got[1].Err == nil || got[0].At.IsZero() ||
		!strings.HasPrefix(got[0].Remote, "127.0.0.1:") || len(got[0].Ack) == 0 {
		t.Fatalf("Received = %+v", got)
	}
}

func TestListenerHandlerAndConnection(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	l := listen(t, WithHandler(func(r Received) []byte {
		mu.Lock()
		seen = append(seen, r.Message.ControlID())
		mu.Unlock()
		if r.Message.ControlID() == "SILENT" {
			return nil
		}
		out, _ := hl7.ACK(r.Message, "AE", hl7.AckError{Code: "101", Location: "PID-3"}).Encode("")
		return out
	}))
	conn, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Two messages on one connection; the first gets no answer.
	silent := strings.Replace(a01, "MSG00001", "SILENT", 1)
	if err := Write(conn, []byte(silent)); err != nil {
		t.Fatal(err)
	}
	if err := Write(conn, []byte(a01)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	ack, err := NewReader(conn).Read()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := hl7.Parse(ack)
	if v, _ := m.Get("MSA-2"); v != "MSG00001" {
		t.Errorf("ack for %q", v)
	}
	if v, _ := m.Get("ERR-2"); v != "PID^1^3" {
		t.Errorf("ERR-2 %q", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seen) != "[SILENT MSG00001]" {
		t.Errorf("handler saw %v", seen)
	}
}

func TestWait(t *testing.T) {
	l := listen(t)
	isA03 := func(m *hl7.Message) bool { return m.Trigger() == "A03" }
	done := make(chan error, 1)
	var got *hl7.Message
	go func() {
		var err error
		got, err = l.Wait(context.Background(), isA03)
		done <- err
	}()
	if _, err := Send(context.Background(), l.Addr(), []byte(a01)); err != nil {
		t.Fatal(err)
	}
	a03 := strings.NewReplacer("A01", "A03", "MSG00001", "MSG00002").Replace(a01)
	if _, err := Send(context.Background(), l.Addr(), []byte(a03)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil || got.ControlID() != "MSG00002" {
		t.Fatalf("Wait = %v, %v", got, err)
	}
	// Already arrived: no waiting.
	if m, err := l.Wait(context.Background(), isA03); err != nil || m.ControlID() != "MSG00002" {
		t.Fatalf("second Wait = %v, %v", m, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := l.Wait(ctx, func(m *hl7.Message) bool { return m.Trigger() == "A08" })
	for _, want := range []string{"deadline exceeded", "received 2", `1. ADT^A01 control id "MSG00001" PID-3 "9990000018^^^NHS^NH"`, "2. ADT^A03"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Wait error %v, want %q", err, want)
		}
	}
	// Closing wakes a waiter.
	go func() { time.Sleep(20 * time.Millisecond); _ = l.Close() }()
	_, err = l.Wait(context.Background(), func(*hl7.Message) bool { return false })
	if err == nil || !strings.Contains(err.Error(), "listener closed") {
		t.Errorf("Wait after Close: %v", err)
	}
}

func TestWaitNothing(t *testing.T) {
	l := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Wait(ctx, func(*hl7.Message) bool { return true }); err == nil || !strings.Contains(err.Error(), "received nothing") {
		t.Errorf("Wait = %v", err)
	}
}

func TestCloseClosesConnections(t *testing.T) {
	l, err := Listen(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := Send(context.Background(), l.Addr(), []byte(a01)); err != nil {
		t.Fatal(err) // also makes sure conn has been accepted before Close
	}
	closed := make(chan error, 1)
	go func() { closed <- l.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on an idle connection")
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Error("connection still open after Close")
	}
	if _, err := Send(context.Background(), l.Addr(), []byte(a01), WithDialTimeout(time.Second)); err == nil {
		t.Error("Send after Close succeeded")
	}
}

func TestListenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l, err := Listen(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = l.Wait(context.Background(), func(*hl7.Message) bool { return false })
	if err == nil || !strings.Contains(err.Error(), "listener closed") {
		t.Errorf("Wait after ctx end: %v", err)
	}
	_ = l.Close()
	if _, err := Listen(context.Background(), "256.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "listen mllp on 256.0.0.1:1") {
		t.Errorf("bad address: %v", err)
	}
}

func TestConcurrentSenders(t *testing.T) {
	l := listen(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := strings.Replace(a01, "MSG00001", fmt.Sprintf("C%d", i), 1)
			ack, err := Send(context.Background(), l.Addr(), []byte(msg))
			if err == nil && !strings.Contains(string(ack), fmt.Sprintf("MSA|AA|C%d\r", i)) {
				err = fmt.Errorf("ack %q for C%d", ack, i)
			}
			errs <- err
		}()
		go func() { _ = l.Received() }()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := l.Wait(ctx, func(m *hl7.Message) bool { return m.ControlID() == "C7" }); err != nil {
		t.Error(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := len(l.Received()); got != n {
		t.Errorf("received %d, want %d", got, n)
	}
}

func TestDefaultHandlerNonASCIIError(t *testing.T) {
	raw := []byte("MSH|^~\\&|A|B|C|D|2026||ADT^A01|C1|P|2.4||||||ZÖ\rPID|1\r")
	r := Received{Raw: raw}
	r.Message, r.Err = hl7.Parse(raw)
	if r.Err == nil {
		t.Fatal("unknown charset parsed")
	}
	m, err := hl7.Parse(DefaultHandler(r))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"MSA-1": "AR", "MSA-2": "C1", "MSH-18": "UNICODE UTF-8"} {
		if v, _ := m.Get(p); v != want {
			t.Errorf("%s = %q, want %q", p, v, want)
		}
	}
	if v, _ := m.Text("ERR-8"); !strings.Contains(v, `"ZÖ"`) {
		t.Errorf("ERR-8 = %q", v)
	}
}
