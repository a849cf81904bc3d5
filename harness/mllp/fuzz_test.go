package mllp

import (
	"bytes"
	"io"
	"testing"
)

// FuzzFrame: Reader never panics on any stream and returns only messages
// free of frame bytes; Write then Read gives every message back.
func FuzzFrame(f *testing.F) {
	f.Add([]byte(frame(a01)), []byte(a01))
	f.Add([]byte(frame("a")+"\r\n"+frame("b")), []byte("MSA|AA|MSG00001\r"))
	f.Add([]byte("\x0bab\x1c"), []byte(""))
	f.Add([]byte("junk\x0b\x1c\r"), []byte("x\x1cy"))
	f.Fuzz(func(t *testing.T, stream, msg []byte) {
		r := NewReader(bytes.NewReader(stream), WithMaxSize(64))
		for i := 0; i < len(stream)+1; i++ {
			got, err := r.Read()
			if err != nil {
				break
			}
			if len(got) > 64 || bytes.IndexAny(got, "\x0b\x1c") >= 0 {
				t.Fatalf("Read returned %q from %q", got, stream)
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, msg); err != nil {
			if bytes.IndexAny(msg, "\x0b\x1c") < 0 {
				t.Fatalf("Write(%q): %v", msg, err)
			}
			return
		}
		if err := Write(&buf, msg); err != nil {
			t.Fatal(err)
		}
		r = NewReader(&buf)
		for range 2 {
			got, err := r.Read()
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("Read after Write(%q) = %q, %v", msg, got, err)
			}
		}
		if _, err := r.Read(); err != io.EOF {
			t.Fatalf("after two frames: %v, want io.EOF", err)
		}
	})
}
