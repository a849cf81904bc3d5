package web

import "net/http"

// recordsPages are the page templates of registration, clinical notes, audit log and break-glass
// (templates/<name>.html).
var recordsPages = []string{}

// recordsRoutes adds the UI routes for registration, clinical notes, audit log and break-glass.
func (h *Handler) recordsRoutes(mux *http.ServeMux) {}
