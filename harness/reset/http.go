package reset

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/eprharness/eprharness/harness/failure"
)

// bodyQuote is how much of a failed reset's answer an error quotes.
const bodyQuote = 200

// Option configures an HTTP reset.
type Option func(*httpReset)

// WithHeader sets a request header (an API key, a Content-Type other than
// the default).
func WithHeader(name, value string) Option {
	return func(h *httpReset) { h.header.Set(name, value) }
}

// HTTP returns a Resetter that sends one request (reset: http): method
// (default POST) to url with body. A 2xx answer is success; any other is
// an error naming the status and quoting the first 200 bytes of the
// answer. A body that is JSON is sent as application/json unless a
// Content-Type is given with WithHeader. A nil client is
// http.DefaultClient; HTTP does not own it.
func HTTP(client *http.Client, method, url string, body []byte, opts ...Option) Resetter {
	if client == nil {
		client = http.DefaultClient
	}
	if method == "" {
		method = http.MethodPost
	}
	h := &httpReset{client: client, method: strings.ToUpper(method), url: url, body: bytes.Clone(body), header: http.Header{}}
	for _, o := range opts {
		o(h)
	}
	if len(h.body) > 0 && h.header.Get("Content-Type") == "" && json.Valid(h.body) {
		h.header.Set("Content-Type", "application/json")
	}
	return h
}

type httpReset struct {
	client      *http.Client
	method, url string
	body        []byte
	header      http.Header
}

func (h *httpReset) Reset(ctx context.Context) error {
	if err := h.reset(ctx); err != nil {
		return failure.Backend(fmt.Errorf("reset over http: %w", err))
	}
	return nil
}

func (h *httpReset) reset(ctx context.Context) error {
	var body io.Reader
	if len(h.body) > 0 {
		body = bytes.NewReader(h.body)
	}
	req, err := http.NewRequestWithContext(ctx, h.method, h.url, body)
	if err != nil {
		return err
	}
	for k, v := range h.header {
		req.Header[k] = v
	}
	// A reset is idempotent: saying so (a nil Idempotency-Key is not
	// sent) lets net/http resend it when a kept-alive connection turns out
	// to have been closed by the server, as Orthanc does after a second.
	if _, ok := req.Header["Idempotency-Key"]; !ok {
		req.Header["Idempotency-Key"] = nil
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, bodyQuote+utf8.UTFMax))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // reuse the connection
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", h.method, redact(req.URL), resp.Status, quote(answer))
	}
	return nil
}

// quote returns the first bodyQuote bytes of an answer, cut at a rune.
func quote(b []byte) string {
	if len(b) > bodyQuote {
		cut := bodyQuote
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		return strings.TrimSpace(string(b[:cut])) + "…"
	}
	if s := strings.TrimSpace(string(b)); s != "" {
		return s
	}
	return "(empty body)"
}

// redact hides a password in a URL.
func redact(u *url.URL) string { return u.Redacted() }
