package mllp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

const a01 = "MSH|^~\\&|GPSYS|C81001|EPR|RX1|20261205101500||ADT^A01^ADT_A01|MSG00001|P|2.4\rPID|1||9990000018^^^NHS^NH||POND^AMY\r"

func frame(s string) string { return "\x0b" + s + "\x1c\r" }

func TestWriteRead(t *testing.T) {
	var buf bytes.Buffer
	for _, m := range []string{a01, "", "second"} {
		if err := Write(&buf, []byte(m)); err != nil {
			t.Fatal(err)
		}
		buf.WriteString("\r\n \t")
	}
	if !strings.HasPrefix(buf.String(), frame(a01)) {
		t.Fatalf("frame %q", buf.String())
	}
	r := NewReader(&buf)
	for _, want := range []string{a01, "", "second"} {
		got, err := r.Read()
		if err != nil || string(got) != want {
			t.Fatalf("Read = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
	if err := Write(&buf, []byte("a\x1cb")); err == nil || !strings.Contains(err.Error(), "0x1c at offset 1") {
		t.Errorf("Write with FS: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	cases := map[string]string{
		"MSH|" + frame("x"):  "byte 0x4d at offset 0 before start block",
		frame("ok") + "x":    "byte 0x78 at offset 5",
		"\x0bMSH|abc":        "unexpected EOF",
		"\x0bMSH|abc\x1c":    "unexpected EOF",
		"\x0bMSH\x1cX":       "byte 0x58 after <FS> at offset 5, want <CR>",
		"\x0bab\x0bcd\x1c\r": "start block <VT> again at offset 3",
		"\x0b" + strings.Repeat("x", 11) + "\x1c\r": "message too large",
	}
	for in, want := range cases {
		r := NewReader(strings.NewReader(in), WithMaxSize(10))
		var err error
		for err == nil {
			_, err = r.Read()
		}
		if err == io.EOF || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%q) error %v, want %q", in, err, want)
		}
	}
	r := NewReader(strings.NewReader(frame("0123456789")), WithMaxSize(10))
	if got, err := r.Read(); err != nil || string(got) != "0123456789" {
		t.Errorf("message at the limit: %q, %v", got, err)
	}
	r = NewReader(strings.NewReader("\x0b"+strings.Repeat("x", 11)+"\x1c\r"), WithMaxSize(10))
	if _, err := r.Read(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("want ErrTooLarge, got %v", err)
	}
	r = NewReader(strings.NewReader("\x0bab"))
	if _, err := r.Read(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("want io.ErrUnexpectedEOF, got %v", err)
	}
}

// silentServer accepts connections and reads without ever answering.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func TestSendTimeouts(t *testing.T) {
	addr := silentServer(t)
	start := time.Now()
	_, err := Send(context.Background(), addr, []byte(a01), WithIOTimeout(100*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "read ack") || time.Since(start) > 5*time.Second {
		t.Errorf("read timeout: %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = Send(ctx, addr, []byte(a01))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled send: %v, want context.Canceled", err)
	}
	ctx, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err = Send(ctx, addr, []byte(a01)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ctx deadline: %v", err)
	}
	// A closed port: dialling fails.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	_ = ln.Close()
	if _, err := Send(context.Background(), closed, []byte(a01)); err == nil || !strings.Contains(err.Error(), "send mllp to "+closed) {
		t.Errorf("closed port: %v", err)
	}
}
