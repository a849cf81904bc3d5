package web

import (
	"net/http"

	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/defects"
)

// uiPages are the page templates of the front-end plumbing
// (templates/<name>.html).
var uiPages = []string{"about"}

// uiRoutes adds the about page and the session keep-alive.
func (h *Handler) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /about", h.about)
	mux.HandleFunc("POST /session/keep-alive", h.keepAlive)
}

type aboutDefect struct{ Name, Description string }

type aboutPage struct {
	Version string
	Clock   string
	Defects []aboutDefect
}

// about shows the running version, the release-candidate defects turned on
// and the clinical clock. It needs no sign-in: it holds no patient data.
func (h *Handler) about(w http.ResponseWriter, r *http.Request) {
	var user *auth.User
	if u, ok := h.currentUser(r); ok {
		user = &u
	}
	p := aboutPage{Version: h.version, Clock: h.now().UTC().Format("Mon 02-Jan-2006 15:04 MST")}
	if p.Version == "" {
		p.Version = "dev"
	}
	for _, n := range h.defects.List() {
		p.Defects = append(p.Defects, aboutDefect{Name: string(n), Description: defects.All[n]})
	}
	h.render(w, r, http.StatusOK, "about", view{Title: "About the Reference EPR", User: user, Nav: "about", Page: p})
}

// keepAlive extends a live sign-in (the session timeout warning's "Stay
// signed in"): 204, or 401 when the session has already ended.
func (h *Handler) keepAlive(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if _, ok := h.currentUser(r); !ok { // currentUser extends the session
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
