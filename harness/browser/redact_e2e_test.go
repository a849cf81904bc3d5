//go:build e2e

package browser

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxschmitt/playwright-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/redact"
)

// loginPassword has characters every encoding changes: a space, &, <, a quote,
// a non-ASCII letter, + and /.
const loginPassword = `Cl!n pass&<"é+/`

// loginEPR is a sign-in page as an EPR has one: a form posted as
// application/x-www-form-urlencoded, then a home page that, carelessly,
// logs the password to the console, keeps it in a hidden field and sends
// it again as JSON with a Basic Authorization header.
func loginEPR(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><title>Sign in</title><form method="post" action="/login">
<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button>Sign in</button></form>`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("password") != loginPassword {
			http.Error(w, "wrong password", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "session-1", Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/home?u="+r.PostFormValue("username"), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /home", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		pw, _ := json.Marshal(loginPassword)
		fmt.Fprintf(w, `<!DOCTYPE html><title>Home</title><p>Signed in as %s</p>
<input type="hidden" name="pw" value="%s">
<script>
const pw = %s;
console.log("signing in with " + pw);
const b64 = s => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
fetch("/api/session", {method: "POST",
  headers: {"Content-Type": "application/json", "Authorization": "Basic " + b64("dr.patel:" + pw)},
  body: JSON.stringify({username: "dr.patel", password: pw})})
  .then(r => r.text()).then(t => { document.getElementById("api").textContent = t });
</script><p id="api"></p>`, html.EscapeString(r.URL.Query().Get("u")), html.EscapeString(loginPassword), pw)
	})
	mux.HandleFunc("POST /api/session", func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		var body struct{ Password string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":%t}`, user == "dr.patel" && pass == loginPassword && body.Password == loginPassword)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// signInThroughForm types the password into the sign-in form and waits for the home
// page's own request with it.
func signInThroughForm(t *testing.T, s *Session) {
	t.Helper()
	_, err := s.Page.Goto("/login")
	require.NoError(t, err)
	require.NoError(t, s.Page.GetByLabel("Username").Fill("dr.patel"))
	require.NoError(t, s.Page.GetByLabel("Password").Fill(loginPassword))
	require.NoError(t, s.Page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in"}).Click())
	require.NoError(t, s.Expect.Locator(s.Page.GetByText("Signed in as dr.patel")).ToBeVisible())
	require.NoError(t, s.Expect.Locator(s.Page.Locator("#api")).ToHaveText(`{"ok":true}`))
}

// scanForPassword returns every form of the password found in the files under dir,
// inside zip archives too.
func scanForPassword(t *testing.T, dir string) []redact.Finding {
	t.Helper()
	r := redact.New(loginPassword)
	var found []redact.Finding
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := r.Scan(path)
		found = append(found, f...)
		return err
	}))
	return found
}

// A sign-in through a real form leaves no trace of the password, in any
// encoding, in the evidence of a session WithSecrets: page.html,
// console.log and trace.zip (typed values, DOM snapshots, the network log
// and its resources); the same sign-in without it does.
func TestSecretsStayOutOfEvidence(t *testing.T) {
	b := launch(t)
	srv := loginEPR(t)

	// Without WithSecrets the evidence holds the password: the scan sees it.
	plain, err := b.NewSession(srv.URL, "signs in", nil)
	require.NoError(t, err)
	defer plain.Close()
	signInThroughForm(t, plain)
	plainRoot := t.TempDir()
	_, err = plain.Capture(plainRoot, filepath.Join(plainRoot, "evidence"))
	require.NoError(t, err)
	leaks := map[string]bool{}
	for _, f := range scanForPassword(t, plainRoot) {
		leaks[filepath.Base(f.Path)+"!"+f.Entry] = true
	}
	for _, where := range []string{"page.html!", "console.log!", "trace.zip!trace.trace", "trace.zip!trace.network"} {
		assert.True(t, leaks[where], "without WithSecrets the password is in %s (found in %v)", where, leaks)
	}

	s, err := b.NewSession(srv.URL, "signs in", nil, WithSecrets("dr.patel-not-used", loginPassword))
	require.NoError(t, err)
	defer s.Close()
	signInThroughForm(t, s)
	root := t.TempDir()
	dir := filepath.Join(root, "sign-in", "signs-in-L3")
	atts, err := s.Capture(root, dir)
	require.NoError(t, err)
	names := map[string]bool{}
	for _, a := range atts {
		names[a.Name] = true
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(a.Path)))
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		assert.Equal(t, hex.EncodeToString(sum[:]), a.SHA256, "%s: the attachment is the redacted file", a.Name)
		assert.Equal(t, int64(len(data)), a.Size, a.Name)
	}
	assert.Equal(t, map[string]bool{"screenshot": true, "page": true, "console": true, "trace": true}, names)

	assert.Empty(t, scanForPassword(t, root), "no form of the password anywhere in the evidence")
	page, err := os.ReadFile(filepath.Join(dir, "page.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), `value="[REDACTED]"`)
	console, err := os.ReadFile(filepath.Join(dir, "console.log"))
	require.NoError(t, err)
	assert.Contains(t, string(console), "signing in with [REDACTED]")

	// The trace is still one Playwright's viewer opens: a valid zip with
	// its entries, lines of JSON, the fill action's value masked.
	zr, err := zip.OpenReader(filepath.Join(dir, "trace.zip"))
	require.NoError(t, err)
	defer zr.Close()
	entries := map[string]bool{}
	for _, f := range zr.File {
		entries[f.Name] = true
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err, "%s reads back with its checksum", f.Name)
		rc.Close()
		if f.Name == "trace.trace" || f.Name == "trace.network" {
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			sc.Buffer(nil, 64<<20)
			for sc.Scan() {
				assert.True(t, json.Valid(sc.Bytes()), "%s: %s", f.Name, sc.Text())
			}
			require.NoError(t, sc.Err())
		}
		if f.Name == "trace.trace" {
			assert.Contains(t, string(data), `"value":"[REDACTED]"`, "the typed password")
		}
	}
	assert.True(t, entries["trace.trace"] && entries["trace.network"], "%v", entries)
}

// SaveTrace redacts a passing scenario's trace too.
func TestSaveTraceRedacts(t *testing.T) {
	b := launch(t)
	srv := loginEPR(t)
	s, err := b.NewSession(srv.URL, "signs in", nil, WithSecrets(loginPassword))
	require.NoError(t, err)
	defer s.Close()
	signInThroughForm(t, s)
	root := t.TempDir()
	a, err := s.SaveTrace(root, filepath.Join(root, "passes"))
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(a.Path)))
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	assert.Equal(t, hex.EncodeToString(sum[:]), a.SHA256)
	assert.Empty(t, scanForPassword(t, root))
	entries, err := os.ReadDir(filepath.Join(root, "passes"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only trace.zip: no temporary file left")
}

func tracingFolders(t *testing.T, tmp string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(tmp, "playwright-tracing-*"))
	require.NoError(t, err)
	return m
}

// No session leaves a playwright-tracing-* folder in the temporary
// directory, however it ends: closed with tracing on (a passing scenario),
// after SaveTrace, Capture or CaptureWithoutPage, or after its page
// crashed.
func TestNoTracingFolderLeaks(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the Playwright driver's temporary directory
	b := launch(t)
	srv := page(t)
	root := t.TempDir()

	ends := map[string]func(s *Session) error{
		"close":      func(*Session) error { return nil },
		"save trace": func(s *Session) error { _, err := s.SaveTrace(root, filepath.Join(root, "save")); return err },
		"capture":    func(s *Session) error { _, err := s.Capture(root, filepath.Join(root, "capture")); return err },
		"capture without page": func(s *Session) error {
			_, err := s.CaptureWithoutPage(root, filepath.Join(root, "without"))
			return err
		},
		"page crash": func(s *Session) error {
			_, _ = s.Page.Goto("chrome://crash")
			return nil
		},
	}
	for round := range 2 {
		for name, end := range ends {
			s, err := b.NewSession(srv.URL, name, nil, WithSecrets("clinician-pass"))
			require.NoError(t, err)
			_, err = s.Page.Goto("/")
			require.NoError(t, err)
			assert.NotEmpty(t, tracingFolders(t, tmp), "%s: the driver keeps a folder while tracing", name)
			require.NoError(t, end(s), name)
			require.NoError(t, s.Close(), name)
			assert.Empty(t, tracingFolders(t, tmp), "round %d, %s: no folder left", round, name)
		}
	}
}
