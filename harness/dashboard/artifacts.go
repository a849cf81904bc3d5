package dashboard

import (
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// artifactCSP sandboxes every artifact: a captured EPR page (page.html) or
// an SVG renders without scripts and in an opaque origin, never as the
// dashboard.
const artifactCSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"

// contentTypes are the artifact types the harness writes, by extension;
// others come from the system's MIME table or from the content.
var contentTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".html": "text/html; charset=utf-8",
	".zip":  "application/zip",
	".log":  "text/plain; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".json": "application/json",
}

// artifact serves one file of the artifacts folder. The path must be a
// plain relative path (no "..", no backslash, no leading slash) and is
// opened through os.Root, so neither a crafted path nor a symbolic link
// reaches outside the folder. Folders are not listed. Zip files (Playwright
// traces) are served as downloads.
func (s *server) artifact(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	if !fs.ValidPath(p) || p == "." || strings.Contains(p, `\`) {
		s.fail(w, r, http.StatusNotFound, "No artifact at "+p+".", nil)
		return
	}
	root, err := os.OpenRoot(s.st.Artifacts())
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "No artifact at "+p+": the artifacts folder is missing.", nil)
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(p))
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "No artifact at "+p+".", nil)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		s.fail(w, r, http.StatusNotFound, "No artifact at "+p+".", nil)
		return
	}
	ext := strings.ToLower(path.Ext(p))
	ctype := contentTypes[ext]
	if ctype == "" {
		ctype = mime.TypeByExtension(ext)
	}
	if ctype == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		ctype = http.DetectContentType(head[:n])
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The artifact could not be read.", err)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", artifactCSP)
	if mt, _, _ := mime.ParseMediaType(ctype); mt == "application/zip" {
		name := path.Base(p)
		if !strings.HasSuffix(strings.ToLower(name), ".zip") {
			name += ".zip"
		}
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	}
	http.ServeContent(w, r, path.Base(p), fi.ModTime(), f)
}
