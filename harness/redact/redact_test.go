package redact

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tricky = `p@ss w0rd&<"é'+/~`

func TestFormsCoverEveryEncoding(t *testing.T) {
	forms := Forms(tricky)
	for name, want := range map[string]string{
		"plain":                      tricky,
		"form (URLSearchParams)":     "p%40ss+w0rd%26%3C%22%C3%A9%27%2B%2F%7E",
		"form, lower-case hex":       "p%40ss+w0rd%26%3c%22%c3%a9%27%2b%2f%7e",
		"encodeURIComponent":         "p%40ss%20w0rd%26%3C%22%C3%A9'%2B%2F~",
		"Go query escape":            url.QueryEscape(tricky),
		"Go path escape":             url.PathEscape(tricky),
		"JSON.stringify":             `p@ss w0rd&<\"é'+/~`,
		"Go JSON":                    `p@ss w0rd\u0026\u003c\"é'+/~`,
		"ASCII JSON":                 `p@ss w0rd&<\"\u00e9'+/~`,
		"JSON inside JSON":           `p@ss w0rd&<\\\"é'+/~`,
		"HTML (html.EscapeString)":   `p@ss w0rd&amp;&lt;&#34;é&#39;+/~`,
		"HTML attribute":             `p@ss w0rd&amp;<&quot;é'+/~`,
		"HTML text":                  `p@ss w0rd&amp;&lt;"é'+/~`,
		"HTML, named quotes":         `p@ss w0rd&amp;&lt;&quot;é&#39;+/~`,
		"base64":                     base64.StdEncoding.EncodeToString([]byte(tricky)),
		"base64 URL":                 base64.URLEncoding.EncodeToString([]byte(tricky)),
		"base64 without padding":     base64.RawStdEncoding.EncodeToString([]byte(tricky)),
		"base64 URL without padding": base64.RawURLEncoding.EncodeToString([]byte(tricky)),
	} {
		assert.Contains(t, forms, want, name)
	}
	for i := 1; i < len(forms); i++ {
		assert.GreaterOrEqual(t, len(forms[i-1]), len(forms[i]), "longest first")
		assert.NotEqual(t, forms[i-1], forms[i], "distinct")
	}
}

func TestPlainSecretHasFewForms(t *testing.T) {
	// A secret with no character to escape has its plain form and the
	// base64 ones only.
	forms := Forms("clinician-pass")
	assert.Contains(t, forms, "clinician-pass")
	assert.Contains(t, forms, "Y2xpbmljaWFuLXBhc3M=")
	for _, f := range forms {
		if f != "clinician-pass" {
			assert.NotContains(t, f, "pass", "only base64 forms besides the plain one: %q", f)
		}
	}
	assert.Nil(t, Forms(""))
}

// Every form, in every context a trace or page puts it in, is masked, and
// nothing of the secret is left.
func TestBytesRedactsEveryForm(t *testing.T) {
	r := New(tricky, "clinician-pass")
	for _, secret := range []string{tricky, "clinician-pass"} {
		for _, form := range Forms(secret) {
			for _, text := range []string{
				form,
				"before " + form + " after",
				`{"value":"` + form + `"}`,
				"username=dr.patel&password=" + form + "&next=%2F",
				`<input name="password" value="` + form + `">`,
			} {
				out, changed := r.Bytes([]byte(text))
				assert.True(t, changed, "%q in %q", form, text)
				assert.Contains(t, string(out), Mask)
				assert.Empty(t, r.Found(out), "nothing of %q left in %q", form, out)
			}
		}
	}
}

func TestBytesKeepsTheRest(t *testing.T) {
	r := New("clinician-pass")
	out, changed := r.Bytes([]byte("username=dr.patel&password=clinician-pass&role=doctor"))
	assert.True(t, changed)
	assert.Equal(t, "username=dr.patel&password=[REDACTED]&role=doctor", string(out))

	in := []byte("no secret here")
	out, changed = r.Bytes(in)
	assert.False(t, changed)
	assert.Equal(t, &in[0], &out[0], "unchanged text is not copied")

	out, _ = r.Bytes([]byte("clinician-passclinician-pass and clinician-pass"))
	assert.Equal(t, "[REDACTED] and [REDACTED]", string(out), "adjacent occurrences are one mask")

	assert.Equal(t, "a [REDACTED] b", r.String("a clinician-pass b"))
	assert.Equal(t, "clean", r.String("clean"))
}

// A Basic Authorization header holds base64("user:password"): the
// password's part of it is masked whatever the user name's length.
func TestBase64Embedded(t *testing.T) {
	r := New("clinician-pass")
	for _, user := range []string{"dr.patel", "dr.patel1", "dr.patel12", "a"} {
		header := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":clinician-pass"))
		out, changed := r.Bytes([]byte(header))
		assert.True(t, changed, user)
		assert.Empty(t, r.Found(out), user)
		// What is left of the base64 decodes to no more than the user
		// name, the colon and a character of the password at each edge.
		rest := strings.TrimPrefix(string(out), "Authorization: Basic ")
		assert.LessOrEqual(t, len(strings.ReplaceAll(rest, Mask, "")), len(base64.StdEncoding.EncodeToString([]byte(user+":")))+4, user)
	}
}

func TestShortSecretsAreSkipped(t *testing.T) {
	r := New("abc", "", "é€x", "clinician-pass", "abc")
	assert.Equal(t, []string{"abc", "é€x"}, r.Skipped(), "shorter than MinLength characters, listed once")
	assert.Equal(t, "abc é€x [REDACTED]", r.String("abc é€x clinician-pass"))
	assert.True(t, r.Active())

	none := New("ab")
	assert.False(t, none.Active())
	out, changed := none.Bytes([]byte("ab ab"))
	assert.False(t, changed)
	assert.Equal(t, "ab ab", string(out))

	var nilRedactor *Redactor
	assert.False(t, nilRedactor.Active())
	assert.Equal(t, "clinician-pass", nilRedactor.String("clinician-pass"))
	assert.Nil(t, nilRedactor.Skipped())
	changed, err := nilRedactor.File(filepath.Join(t.TempDir(), "missing.html"))
	assert.NoError(t, err)
	assert.False(t, changed)
}

// A match that starts or ends inside a JSON escape takes the whole escape,
// so a JSON string stays valid even as plain text.
func TestBytesKeepsJSONEscapesWhole(t *testing.T) {
	for _, c := range []struct{ secret, value string }{
		{"nurse-pass", "\nurse-pass"},    // \n + "urse-pass": the match starts at the n of \n
		{"0041bcdef", "A" + "bcdef"},     // not a match: the value has no "0041" once decoded
		{"pass\\", "pass\n"},             // the raw secret ends inside \n
		{"u00e9abc", "\u00e9abc"},        // starts at the u of \u00e9 (ASCII JSON)
		{"00e9abcd", "x\u00e9abcd"},      // starts among its hex digits
		{"e9abcdef", "x\u00e9abcdef"},    // later among its hex digits
		{`ab\"cd`, `ab"cd`},              // a secret with an escape in it
		{"tab\tpass", "x\ttab\tpass\ty"}, // escapes inside the match
		{"pass", `\\\pass`},              // after an escaped backslash
	} {
		line, err := json.Marshal(map[string]string{"value": c.value})
		require.NoError(t, err)
		asciiLine := []byte(escapeNonASCII(string(line)))
		for _, text := range [][]byte{line, asciiLine} {
			out, _ := New(c.secret).Bytes(text)
			assert.True(t, json.Valid(out), "%q redacting %q gave %s", text, c.secret, out)
		}
	}
}

// escapeNonASCII writes every non-ASCII character of JSON text as \uXXXX.
func escapeNonASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// JSON keeps lines of JSON valid even when a secret matches structure or
// a whole number, and masks it inside every string.
func TestJSONKeepsStructure(t *testing.T) {
	r := New("1234", `a","b`, "clinician-pass")
	in := strings.Join([]string{
		`{"pin":1234,"timeout":12345,"startTime":81234.5}`,
		`{"list":["a","b"],"note":"pin 1234 or clinician-pass"}`,
		`{"postData":{"text":"{\"pin\":1234,\"password\":\"clinician-pass\"}"}}`,
	}, "\n") + "\n"
	out, changed := r.JSON([]byte(in))
	require.True(t, changed)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, 3)
	for _, l := range lines {
		assert.True(t, json.Valid([]byte(l)), l)
	}
	assert.Equal(t, `{"pin":"[REDACTED]","timeout":12345,"startTime":81234.5}`, lines[0],
		"a number that is the secret becomes a string; numbers that only contain it stay")
	assert.Equal(t, `{"list":["[REDACTED]","[REDACTED]"],"note":"pin [REDACTED] or [REDACTED]"}`, lines[1],
		"a match across quotes is masked in each string it touches")
	assert.Equal(t, `{"postData":{"text":"{\"pin\":[REDACTED],\"password\":\"[REDACTED]\"}"}}`, lines[2])

	// Not JSON: plain text.
	out, changed = r.JSON([]byte("pin=1234 {"))
	assert.True(t, changed)
	assert.Equal(t, "pin=[REDACTED] {", string(out))
}

func TestNamedChoosesJSONByName(t *testing.T) {
	r := New("1234")
	in := []byte(`{"pin":1234}`)
	for _, name := range []string{"trace.trace", "trace.network", "x.har", "resources/ab12.json", "T.JSON"} {
		out, _ := r.Named(name, in)
		assert.Equal(t, `{"pin":"[REDACTED]"}`, string(out), name)
	}
	out, _ := r.Named("page.html", in)
	assert.Equal(t, `{"pin":[REDACTED]}`, string(out))
}

func TestFileRedactsTextInPlace(t *testing.T) {
	dir := t.TempDir()
	r := New("clinician-pass")
	write := func(name, content string, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), perm))
		require.NoError(t, os.Chmod(p, perm))
		return p
	}
	html := write("page.html", `<p>password: clinician&#45;pass clinician-pass</p>`, 0o640)
	changed, err := r.File(html)
	require.NoError(t, err)
	assert.True(t, changed)
	data, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Equal(t, `<p>password: clinician&#45;pass [REDACTED]</p>`, string(data))
	st, err := os.Stat(html)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), st.Mode().Perm(), "keeps its permissions")

	clean := write("console.log", "[log] ready\n", 0o644)
	before, err := os.Stat(clean)
	require.NoError(t, err)
	changed, err = r.File(clean)
	require.NoError(t, err)
	assert.False(t, changed)
	after, err := os.Stat(clean)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "a clean file is not rewritten")

	img := write("screenshot.png", "clinician-pass", 0o644)
	changed, err = r.File(img)
	require.NoError(t, err)
	assert.False(t, changed, "images are left alone")

	_, err = r.File(filepath.Join(dir, "missing.log"))
	assert.ErrorContains(t, err, "missing.log")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3, "no temporary file left")
}

// traceEntry is one file of a trace.zip.
type traceEntry struct {
	name    string
	content []byte
	method  uint16
}

func sha1Name(content []byte, ext string) string {
	h := sha1.Sum(content)
	return "resources/" + hex.EncodeToString(h[:]) + ext
}

// signInTrace is a Playwright trace.zip of a sign-in, as Playwright 1.64
// writes one (trace.trace and trace.network are lines of JSON, resources
// are named by the SHA-1 of their content): the password is typed with
// fill (the action's params), kept in the DOM snapshot's input value,
// posted as a form (the network log's postData, and the request body as
// a resource), echoed URL-encoded in a redirect, sent as a Basic
// Authorization header, and shown escaped in an HTML resource. A
// screenshot (JPEG/PNG) is a resource too.
func signInTrace(t testing.TB, password string) []traceEntry {
	t.Helper()
	form := url.Values{"username": {"dr.patel"}, "password": {password}}.Encode()
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	body := []byte(form)
	page := []byte(`<!DOCTYPE html><form method="post"><input name="password" type="password" value="` +
		strings.ReplaceAll(strings.ReplaceAll(password, "&", "&amp;"), `"`, "&quot;") + `"></form>`)
	var shot bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(3, 3, color.RGBA{1, 2, 3, 255})
	require.NoError(t, png.Encode(&shot, img))
	basic := base64.StdEncoding.EncodeToString([]byte("dr.patel:" + password))

	traceLines := []string{
		`{"version":8,"type":"context-options","origin":"library","browserName":"chromium","options":{"baseURL":"http://127.0.0.1:4242"},"platform":"linux","wallTime":1733360000000,"monotonicTime":1200.5,"sdkLanguage":"javascript","title":"signs in"}`,
		`{"type":"before","callId":"call@12","startTime":1300.25,"class":"Frame","method":"fill","params":{"selector":"internal:label=\"Password\"i","strict":true,"value":` + q(password) + `,"timeout":10000},"stepId":"","pageId":"page@1","beforeSnapshot":"before@call@12"}`,
		`{"type":"frame-snapshot","snapshot":{"callId":"call@12","snapshotName":"after@call@12","pageId":"page@1","frameId":"frame@1","frameUrl":"http://127.0.0.1:4242/login","doctype":"html","html":["HTML",{},["BODY",{},["INPUT",{"name":"password","type":"password","__playwright_value_":` + q(password) + `}]]],"viewport":{"width":1280,"height":900},"timestamp":1310.75,"wallTime":1733360000110,"collectionTime":0.4,"resourceOverrides":[],"isMainFrame":true}}`,
		`{"type":"after","callId":"call@12","endTime":1320.5,"result":{},"afterSnapshot":"after@call@12"}`,
		`{"type":"log","callId":"call@12","time":1301,"message":"  fill(` + strings.Trim(q(password), `"`) + `)"}`,
		`{"type":"screencast-frame","pageId":"page@1","sha1":"` + strings.TrimPrefix(sha1Name(shot.Bytes(), ".png"), "resources/") + `","width":64,"height":64,"timestamp":1330}`,
	}
	networkLines := []string{
		`{"type":"resource-snapshot","snapshot":{"_frameref":"frame@1","_monotonicTime":1311.2,"startedDateTime":"2024-12-05T00:06:01.000Z","time":12.5,"request":{"method":"POST","url":"http://127.0.0.1:4242/login","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Authorization","value":"Basic ` + basic + `"},{"name":"Content-Type","value":"application/x-www-form-urlencoded"}],"queryString":[],"headersSize":-1,"bodySize":` + fmt.Sprint(len(body)) + `,"postData":{"mimeType":"application/x-www-form-urlencoded","text":` + q(form) + `,"params":[{"name":"username","value":"dr.patel"},{"name":"password","value":` + q(password) + `}],"_sha1":"` + strings.TrimPrefix(sha1Name(body, ".dat"), "resources/") + `"}},"response":{"status":303,"statusText":"See Other","httpVersion":"HTTP/1.1","cookies":[],"headers":[{"name":"Location","value":"/home?from=` + url.QueryEscape(password) + `"}],"content":{"size":0,"mimeType":"text/html"},"redirectURL":"/home","headersSize":-1,"bodySize":0,"_transferSize":120},"cache":{},"timings":{"send":-1,"wait":5,"receive":1}}}`,
	}
	return []traceEntry{
		{"trace.trace", []byte(strings.Join(traceLines, "\n") + "\n"), zip.Deflate},
		{"trace.network", []byte(strings.Join(networkLines, "\n") + "\n"), zip.Deflate},
		{"trace.stacks", []byte(`{"files":["/work/steps/signin.go"],"stacks":[[12,[[0,41,3,"signIn"]]]]}`), zip.Deflate},
		{sha1Name(body, ".dat"), body, zip.Deflate},
		{sha1Name(page, ".html"), page, zip.Deflate},
		{sha1Name(shot.Bytes(), ".png"), shot.Bytes(), zip.Store},
	}
}

func writeZip(t testing.TB, entries []traceEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	require.NoError(t, zw.SetComment("trace"))
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		require.NoError(t, err)
		_, err = w.Write(e.content)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func readZip(t testing.TB, data []byte) (*zip.Reader, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err, "a valid zip")
	contents := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err, f.Name)
		b, err := io.ReadAll(rc)
		require.NoError(t, err, "%s: checksum and size match", f.Name)
		require.NoError(t, rc.Close())
		contents[f.Name] = b
	}
	return zr, contents
}

func TestZipRedactsATrace(t *testing.T) {
	for _, password := range []string{"clinician-pass", tricky} {
		t.Run(password, func(t *testing.T) {
			entries := signInTrace(t, password)
			in := writeZip(t, entries)
			r := New(password)
			_, inContents := readZip(t, in)
			found := 0
			for _, e := range entries {
				found += len(r.Found(inContents[e.name]))
			}
			require.Positive(t, found, "the trace holds the password before")

			var out bytes.Buffer
			changed, err := r.Zip(&out, bytes.NewReader(in), int64(len(in)))
			require.NoError(t, err)
			assert.True(t, changed)

			zr, contents := readZip(t, out.Bytes())
			assert.Equal(t, "trace", zr.Comment)
			require.Len(t, zr.File, len(entries))
			for i, e := range entries {
				f := zr.File[i]
				assert.Equal(t, e.name, f.Name, "same entries in the same order")
				assert.Equal(t, e.method, f.Method, "%s keeps its compression", e.name)
				assert.Empty(t, r.Found(contents[e.name]), "%s holds no form of the password", e.name)
			}
			for _, name := range []string{"trace.trace", "trace.network"} {
				for line := range bytes.Lines(contents[name]) {
					assert.True(t, json.Valid(line), "%s: every line is still JSON: %s", name, line)
				}
			}
			assert.True(t, json.Valid(contents["trace.stacks"]))
			png := entries[len(entries)-1]
			assert.Equal(t, png.content, contents[png.name], "the screenshot is untouched")
			assert.Contains(t, string(contents["trace.trace"]), `"value":"[REDACTED]"`, "the typed value")
			assert.Contains(t, string(contents["trace.trace"]), `"__playwright_value_":"[REDACTED]"`, "the snapshot's input value")
			assert.Contains(t, string(contents["trace.network"]), `"text":"password=[REDACTED]\u0026username=dr.patel"`, "the posted form")
			assert.Contains(t, string(contents["trace.network"]), `"name":"username","value":"dr.patel"`, "the rest stays")
		})
	}
}

func TestZipLeavesACleanTraceAlone(t *testing.T) {
	in := writeZip(t, signInTrace(t, "clinician-pass"))
	var out bytes.Buffer
	changed, err := New("reception-pass").Zip(&out, bytes.NewReader(in), int64(len(in)))
	require.NoError(t, err)
	assert.False(t, changed)
	_, contents := readZip(t, out.Bytes())
	_, want := readZip(t, in)
	assert.Equal(t, want, contents)

	_, err = New("reception-pass").Zip(&out, bytes.NewReader([]byte("not a zip")), 9)
	assert.ErrorContains(t, err, "redact zip:")
}

func TestFileRedactsATraceZipAndScanFindsNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trace.zip")
	require.NoError(t, os.WriteFile(path, writeZip(t, signInTrace(t, "clinician-pass")), 0o644))
	r := New("clinician-pass")

	findings, err := r.Scan(path)
	require.NoError(t, err)
	require.NotEmpty(t, findings, "Scan sees the password inside the zip's entries")
	assert.Contains(t, findings[0].String(), "trace.zip!")
	assert.NotContains(t, findings[0].String(), "clinician-pass", "a finding does not print the secret")

	changed, err := r.File(path)
	require.NoError(t, err)
	assert.True(t, changed)
	findings, err = r.Scan(path)
	require.NoError(t, err)
	assert.Empty(t, findings)

	changed, err = r.File(path)
	require.NoError(t, err)
	assert.False(t, changed, "redacting twice changes nothing")

	require.NoError(t, os.WriteFile(path, []byte("PK\x03\x04 broken"), 0o644))
	_, err = r.File(path)
	assert.ErrorContains(t, err, "redact "+path)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")
}

// fiveMBTrace is a trace.zip of about 5 MB of trace lines and resources,
// with the password in a few places.
func fiveMBTrace(b testing.TB) []byte {
	entries := signInTrace(b, "clinician-pass")
	var trace, network bytes.Buffer
	for i := 0; trace.Len() < 3<<20; i++ {
		fmt.Fprintf(&trace, `{"type":"frame-snapshot","snapshot":{"callId":"call@%d","html":["HTML",{},["BODY",{},["P",{"class":"banner"},"POND, Amy 999 000 %04d"],["INPUT",{"name":"nhs","__playwright_value_":"999%07d"}]]],"timestamp":%d.25}}`+"\n", i, i%10000, i, 1000+i)
	}
	for i := 0; network.Len() < 1<<20; i++ {
		fmt.Fprintf(&network, `{"type":"resource-snapshot","snapshot":{"request":{"method":"GET","url":"http://127.0.0.1:4242/patients/999%07d","headers":[{"name":"Accept","value":"text/html"}]},"response":{"status":200}}}`+"\n", i)
	}
	entries[0].content = append(entries[0].content, trace.Bytes()...)
	entries[1].content = append(entries[1].content, network.Bytes()...)
	js := bytes.Repeat([]byte("function render(p){return p.name+' '+p.nhs}\n"), (1<<20)/44)
	entries = append(entries, traceEntry{sha1Name(js, ".js"), js, zip.Deflate})
	return writeZip(b, entries)
}

// BenchmarkZip redacts a 5 MB (uncompressed) sign-in trace, as every
// captured trace is.
func BenchmarkZip(b *testing.B) {
	in := fiveMBTrace(b)
	r := New("clinician-pass", "reception-pass", "nurse-pass", "gp-pass", "admin-pass")
	b.SetBytes(5 << 20)
	b.ResetTimer()
	for b.Loop() {
		changed, err := r.Zip(io.Discard, bytes.NewReader(in), int64(len(in)))
		if err != nil || !changed {
			b.Fatal(changed, err)
		}
	}
}

// BenchmarkJSON redacts 5 MB of trace lines, without the zip.
func BenchmarkJSON(b *testing.B) {
	var trace bytes.Buffer
	for i := 0; trace.Len() < 5<<20; i++ {
		fmt.Fprintf(&trace, `{"type":"frame-snapshot","snapshot":{"callId":"call@%d","html":["HTML",{},["BODY",{},["P",{"class":"banner"},"POND, Amy 999 000 %04d"],["INPUT",{"name":"password","__playwright_value_":"clinician-pass"}]]],"timestamp":%d.25}}`+"\n", i, i%10000, 1000+i)
	}
	r := New("clinician-pass", "reception-pass", "nurse-pass", "gp-pass", "admin-pass")
	b.SetBytes(int64(trace.Len()))
	for b.Loop() {
		if _, changed := r.JSON(trace.Bytes()); !changed {
			b.Fatal("nothing redacted")
		}
	}
}

// realPassword is the password typed in testdata/signin-trace.zip: a real
// trace Playwright 1.64 wrote of a sign-in through a form (see
// harness/browser's TestSecretsStayOutOfEvidence), with the password in
// the fill action, DOM snapshots, the console, the posted form, a JSON
// body and a Basic Authorization header.
const realPassword = `Cl!n pass&<"é+/`

func TestZipRedactsARealTrace(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "signin-trace.zip"))
	require.NoError(t, err)
	r := New(realPassword)
	before, inContents := readZip(t, in)
	leaking := map[string]bool{}
	for name, content := range inContents {
		if len(r.Found(content)) > 0 {
			leaking[name] = true
		}
	}
	require.True(t, leaking["trace.trace"] && leaking["trace.network"], "the trace holds the password: %v", leaking)

	var out bytes.Buffer
	changed, err := r.Zip(&out, bytes.NewReader(in), int64(len(in)))
	require.NoError(t, err)
	assert.True(t, changed)
	after, contents := readZip(t, out.Bytes())
	require.Len(t, after.File, len(before.File))
	for i, f := range after.File {
		assert.Equal(t, before.File[i].Name, f.Name, "same entries in the same order")
		assert.Empty(t, r.Found(contents[f.Name]), f.Name)
		if !leaking[f.Name] {
			assert.Equal(t, inContents[f.Name], contents[f.Name], "%s is unchanged", f.Name)
		}
	}
	for _, name := range []string{"trace.trace", "trace.network"} {
		n := 0
		for line := range bytes.Lines(contents[name]) {
			n++
			var v map[string]any
			assert.NoError(t, json.Unmarshal(line, &v), "%s line %d", name, n)
		}
		assert.Positive(t, n, name)
	}
	trace := string(contents["trace.trace"])
	assert.Contains(t, trace, `"method":"fill"`)
	assert.Contains(t, trace, `"__playwright_value_":"[REDACTED]"`)
	assert.Contains(t, trace, "signing in with [REDACTED]")
	network := string(contents["trace.network"])
	assert.Contains(t, network, `{"name":"password","value":"[REDACTED]"}`)
	assert.Contains(t, network, `"value":"Basic ZHIucGF0ZWw6[REDACTED]`, "the user name's part of the header stays")
}
