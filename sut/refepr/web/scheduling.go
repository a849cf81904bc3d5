package web

import "net/http"

// schedulingPages are the page templates of appointments, referrals and admissions
// (templates/<name>.html).
var schedulingPages = []string{}

// schedulingRoutes adds the UI routes for appointments, referrals and admissions.
func (h *Handler) schedulingRoutes(mux *http.ServeMux) {}
