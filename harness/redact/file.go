package redact

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// textExtensions are the files File redacts as text.
var textExtensions = map[string]bool{
	".html": true, ".htm": true, ".log": true, ".txt": true, ".json": true,
	".ndjson": true, ".har": true, ".network": true, ".trace": true,
	".stacks": true, ".md": true, ".xml": true, ".csv": true, ".junit": true,
}

// jsonExtensions are the text files File redacts as JSON (see JSON).
var jsonExtensions = map[string]bool{
	".json": true, ".ndjson": true, ".har": true, ".network": true, ".trace": true, ".stacks": true,
}

// Named redacts data as the content of a file or zip entry called name:
// as JSON (JSON) when name ends in .json, .ndjson, .har, .network, .trace
// or .stacks, as plain text (Bytes) otherwise.
func (r *Redactor) Named(name string, data []byte) ([]byte, bool) {
	if jsonExtensions[strings.ToLower(path.Ext(filepath.ToSlash(name)))] {
		return r.JSON(data)
	}
	return r.Bytes(data)
}

// TextFile reports whether File redacts path as text, by its extension.
func TextFile(path string) bool {
	return textExtensions[strings.ToLower(filepath.Ext(path))]
}

// ZipFile reports whether File redacts path as a zip archive (.zip).
func ZipFile(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".zip")
}

// File redacts the file at path in place when it is text (TextFile) or a
// zip archive (ZipFile), and reports whether it changed. Other files
// (images) are left as they are. The file keeps its permissions; it is
// replaced through a temporary file in its folder and a rename, and only
// when something was redacted.
func (r *Redactor) File(path string) (bool, error) {
	if !r.Active() || !TextFile(path) && !ZipFile(path) {
		return false, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("redact %s: %w", path, err)
	}
	if ZipFile(path) {
		return r.zipFile(path, st)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("redact %s: %w", path, err)
	}
	out, changed := r.Named(path, data)
	if !changed {
		return false, nil
	}
	if _, err := replaceFile(path, st.Mode().Perm(), func(w io.Writer) (bool, error) {
		_, err := w.Write(out)
		return true, err
	}); err != nil {
		return false, fmt.Errorf("redact %s: %w", path, err)
	}
	return true, nil
}

func (r *Redactor) zipFile(path string, st os.FileInfo) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("redact %s: %w", path, err)
	}
	defer f.Close()
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return false, fmt.Errorf("redact %s: %w", path, err)
	}
	changed, err := replaceFile(path, st.Mode().Perm(), func(w io.Writer) (bool, error) {
		return r.rewriteZip(w, zr)
	})
	if err != nil {
		return false, fmt.Errorf("redact %s: %w", path, err)
	}
	return changed, nil
}

// Zip writes to dst the zip archive read from src (size bytes) with every
// entry redacted as text: the same entry names, order, comments and
// compression methods, with content changed only where a secret was.
// Entries whose content is an image, audio, video or font are copied as
// they are. It reports whether anything was redacted.
func (r *Redactor) Zip(dst io.Writer, src io.ReaderAt, size int64) (bool, error) {
	zr, err := zip.NewReader(src, size)
	if err != nil {
		return false, fmt.Errorf("redact zip: %w", err)
	}
	changed, err := r.rewriteZip(dst, zr)
	if err != nil {
		return false, fmt.Errorf("redact zip: %w", err)
	}
	return changed, nil
}

func (r *Redactor) rewriteZip(dst io.Writer, zr *zip.Reader) (bool, error) {
	zw := zip.NewWriter(dst)
	if err := zw.SetComment(zr.Comment); err != nil {
		return false, err
	}
	changed := false
	for _, e := range zr.File {
		data, skip, err := readEntry(e)
		if err != nil {
			return false, err
		}
		var out []byte
		dirty := false
		if !skip {
			out, dirty = r.Named(e.Name, data)
		}
		if !dirty {
			// Unchanged: copy the compressed bytes as they are.
			if err := zw.Copy(e); err != nil {
				return false, fmt.Errorf("copy %s: %w", e.Name, err)
			}
			continue
		}
		changed = true
		w, err := zw.CreateHeader(&zip.FileHeader{
			Name:     e.Name,
			Comment:  e.Comment,
			Method:   e.Method,
			Modified: e.Modified,
		})
		if err != nil {
			return false, fmt.Errorf("write %s: %w", e.Name, err)
		}
		if _, err := w.Write(out); err != nil {
			return false, fmt.Errorf("write %s: %w", e.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return false, err
	}
	return changed, nil
}

// readEntry reads a zip entry, and reports whether it is media (image,
// audio, video, font) that is not redacted.
func readEntry(e *zip.File) ([]byte, bool, error) {
	rc, err := e.Open()
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", e.Name, err)
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, min(e.UncompressedSize64, 256<<20)+bytes.MinRead))
	_, err = buf.ReadFrom(rc)
	data := buf.Bytes()
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", e.Name, err)
	}
	return data, media(data), nil
}

// media reports whether data is an image, audio, video or font, by its
// content (the names of trace resources are hashes).
func media(data []byte) bool {
	ct := http.DetectContentType(data)
	for _, p := range []string{"image/", "audio/", "video/", "font/", "application/font-", "application/vnd.ms-fontobject"} {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

// replaceFile writes path anew through write, into a temporary file in
// its folder that is renamed over path when write reports a change, and
// removed otherwise.
func replaceFile(path string, perm os.FileMode, write func(io.Writer) (bool, error)) (bool, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".redact-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	changed, err := write(tmp)
	if err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if !changed {
		return false, nil
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return false, err
	}
	return true, os.Rename(tmp.Name(), path)
}

// Finding is one form of a secret found in a file (or in an entry of a
// zip archive) by Scan.
type Finding struct {
	Path  string // the file
	Entry string // the zip entry, or ""
	Form  string // the form of the secret found
}

func (f Finding) String() string {
	where := f.Path
	if f.Entry != "" {
		where += "!" + f.Entry
	}
	return fmt.Sprintf("%s: a secret (%d characters) in plain or encoded form", where, len(f.Form))
}

// Scan looks for every form of every secret in the file at path, whatever
// its kind, and inside every entry when it is a zip archive (by content),
// media included. It returns what it found; none means the file is clean.
// Tests and audits of stored evidence use it.
func (r *Redactor) Scan(path string) ([]Finding, error) {
	if !r.Active() {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", path, err)
	}
	var found []Finding
	for _, f := range r.Found(data) {
		found = append(found, Finding{Path: path, Form: f})
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return found, nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return found, nil
		}
		return found, fmt.Errorf("scan %s: %w", path, err)
	}
	for _, e := range zr.File {
		content, _, err := readEntry(e)
		if err != nil {
			return found, fmt.Errorf("scan %s: %w", path, err)
		}
		for _, f := range r.Found(content) {
			found = append(found, Finding{Path: path, Entry: e.Name, Form: f})
		}
	}
	return found, nil
}
