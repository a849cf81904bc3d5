package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/eprharness/eprharness/harness/results"
)

// MissingAttachmentsError is what Record returns when some attachment files
// could not be read from the run's output folder (usually: they do not
// exist). It is a warning: the scenario was recorded, without those
// attachments. Callers check for it with errors.As and treat any other
// error as a failure:
//
//	var missing *store.MissingAttachmentsError
//	if err := s.Record(ctx, id, f, sc, out); errors.As(err, &missing) {
//		log.Printf("warning: %v", err)
//	} else if err != nil {
//		return err
//	}
//
// errors.Is(err, fs.ErrNotExist) holds when a file was missing.
type MissingAttachmentsError struct {
	RunID, ScenarioID string
	// Missing lists the attachments left out, in the scenario's order
	// (its own, then each attempt's).
	Missing []MissingAttachment
}

// MissingAttachment is one attachment Record could not copy.
type MissingAttachment struct {
	Name, Path string
	Err        error
}

func (e *MissingAttachmentsError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		parts[i] = fmt.Sprintf("%s (%s): %v", m.Path, m.Name, m.Err)
	}
	return fmt.Sprintf("record scenario %s of run %s without %d attachment(s): %s",
		e.ScenarioID, e.RunID, len(e.Missing), strings.Join(parts, "; "))
}

// Unwrap returns the cause of each missing attachment.
func (e *MissingAttachmentsError) Unwrap() []error {
	errs := make([]error, len(e.Missing))
	for i, m := range e.Missing {
		errs[i] = m.Err
	}
	return errs
}

// checkAttachmentPath rejects attachment paths that are not a local,
// relative path inside the output folder.
func checkAttachmentPath(p string) error {
	switch {
	case p == "":
		return errors.New("attachment has no path")
	case strings.Contains(p, `\`):
		return fmt.Errorf("attachment path %q must use forward slashes", p)
	case path.IsAbs(p) || !filepath.IsLocal(filepath.FromSlash(p)):
		return fmt.Errorf("attachment path %q must be relative and stay inside the output folder", p)
	}
	return nil
}

// artifactPath is the content-addressed path, relative to the artifacts
// folder, of a file with the given SHA-256 and extension.
func artifactPath(sum, ext string) string {
	return "sha256/" + sum[:2] + "/" + sum + ext
}

// extension returns the lower-case extension of p when it is a plain one
// (".png", ".zip"), or "".
func extension(p string) string {
	ext := strings.ToLower(path.Ext(p))
	if len(ext) < 2 || len(ext) > 16 {
		return ""
	}
	for _, r := range ext[1:] {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return ""
		}
	}
	return ext
}

// sourceError marks a failure to read an attachment's source file (a
// warning for Record), as opposed to a failure to write the artifacts
// folder (an error).
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// sourceReader marks its reader's errors as sourceErrors.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

// storeAttachment copies srcDir/a.Path into the artifacts folder under its
// content hash, unless a file is already there, and returns a with Path
// pointing at it (relative to the artifacts folder) and SHA256 and Size
// those of the content. The source is opened inside srcDir (os.Root), so
// neither ".." nor a symbolic link can lead out of it. A *sourceError means
// the source could not be read.
func storeAttachment(artifacts string, src *os.Root, a results.Attachment) (results.Attachment, error) {
	f, err := src.Open(filepath.FromSlash(a.Path))
	if err != nil {
		return a, &sourceError{err}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return a, &sourceError{err}
	} else if !st.Mode().IsRegular() {
		return a, &sourceError{fmt.Errorf("%s is not a regular file", a.Path)}
	}
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return a, &sourceError{err}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	rel := artifactPath(sum, extension(a.Path))
	dst := filepath.Join(artifacts, filepath.FromSlash(rel))
	if _, err := os.Stat(dst); errors.Is(err, fs.ErrNotExist) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return a, &sourceError{err}
		}
		if err := writeArtifact(dst, f, sum); err != nil {
			return a, err
		}
	} else if err != nil {
		return a, fmt.Errorf("check artifact: %w", err)
	}
	a.Path, a.SHA256, a.Size = rel, sum, size
	return a, nil
}

// writeArtifact writes r to dst through a temporary file in dst's folder
// and a rename, so that dst is either absent or complete. It checks that
// what it wrote hashes to sum (the source may have changed meanwhile).
func writeArtifact(dst string, r io.Reader, sum string) error {
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create artifacts folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write artifact: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), sourceReader{r}); err != nil {
		tmp.Close()
		var se *sourceError
		if errors.As(err, &se) {
			return err
		}
		return fmt.Errorf("write artifact: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write artifact: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return &sourceError{errors.New("file changed while it was being copied")}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write artifact: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("write artifact: %w", err)
	}
	return nil
}

// storeAttachments copies every attachment in atts (see storeAttachment)
// and returns the stored ones; those whose source could not be read are
// left out and appended to missing. It returns nil for nil atts.
func storeAttachments(artifacts string, src *os.Root, atts []results.Attachment, missing *[]MissingAttachment) ([]results.Attachment, error) {
	if atts == nil {
		return nil, nil
	}
	out := make([]results.Attachment, 0, len(atts))
	for _, a := range atts {
		stored, err := storeAttachment(artifacts, src, a)
		var se *sourceError
		switch {
		case errors.As(err, &se):
			*missing = append(*missing, MissingAttachment{Name: a.Name, Path: a.Path, Err: se.err})
		case err != nil:
			return nil, fmt.Errorf("store attachment %s: %w", a.Path, err)
		default:
			out = append(out, stored)
		}
	}
	return out, nil
}
