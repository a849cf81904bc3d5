package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/audit"
	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// auditQuery reads the audit log's search parameters (UI and API share
// them): user, patient (an NHS number, spaces allowed), action (a code),
// from and to (YYYY-MM-DD, inclusive). Problems are returned by parameter.
func auditQuery(r *http.Request) (audit.Query, map[string]string) {
	q := audit.Query{Username: trimmed(r, "user")}
	problems := map[string]string{}
	if s := trimmed(r, "patient"); s != "" {
		n, err := nhsnumber.Parse(s)
		if err != nil {
			problems["patient"] = "Enter a valid 10-digit NHS number"
		}
		q.NHSNumber = n.String()
	}
	a, err := audit.ParseAction(trimmed(r, "action"))
	if err != nil {
		problems["action"] = "Choose an action from the list"
	}
	q.Action = a
	date := func(key, label string) time.Time {
		s := trimmed(r, key)
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			problems[key] = label + " must be a date in the form YYYY-MM-DD"
		}
		return t
	}
	q.From = date("from", "From")
	q.To = date("to", "To")
	return q, problems
}

type auditRow struct {
	When, User, Action, NHSNumber, PatientID, Details string
}

type actionOption struct {
	Code, Label string
	Selected    bool
}

type auditPage struct {
	IDPrefix                string // of the search form's field ids
	User, Patient, From, To string
	Actions                 []actionOption
	Problems                map[string]string
	Errors                  []errorLink
	Status                  string
	Rows                    []auditRow
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, u auth.User) {
	if !u.Role.CanReadAuditLog() {
		h.denied(w, r, u, "Only administrators can read the audit log.")
		return
	}
	q, problems := auditQuery(r)
	page := auditPage{IDPrefix: newID("audit"), User: trimmed(r, "user"), Patient: trimmed(r, "patient"), From: trimmed(r, "from"), To: trimmed(r, "to"), Problems: problems}
	page.Actions = append(page.Actions, actionOption{Label: "Any action", Selected: q.Action == ""})
	for _, a := range audit.Actions {
		page.Actions = append(page.Actions, actionOption{Code: string(a), Label: a.Label(), Selected: a == q.Action})
	}
	v := view{Title: "Audit log", User: &u, Nav: "audit"}
	if len(problems) > 0 {
		for _, key := range []string{"user", "patient", "action", "from", "to"} {
			if msg, ok := problems[key]; ok {
				page.Errors = append(page.Errors, errorLink{Href: "#" + page.IDPrefix + "-" + key, Message: msg})
			}
		}
		v.HasError, v.Page = true, page
		h.render(w, r, http.StatusOK, "records_audit", v)
		return
	}
	entries, total, err := h.store.SearchAudit(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch total {
	case 0:
		page.Status = "No audit entries found"
	case 1:
		page.Status = "1 audit entry found"
	default:
		page.Status = fmt.Sprintf("%d audit entries found", total)
	}
	for _, e := range entries {
		page.Rows = append(page.Rows, auditRow{When: displayTime(e.At), User: e.Username, Action: e.Action.Label(),
			NHSNumber: nhsnumber.Number(e.NHSNumber).Formatted(), PatientID: e.PatientID, Details: e.Details})
	}
	v.Page = page
	h.render(w, r, http.StatusOK, "records_audit", v)
}

// AuditEntryJSON is one entry of GET /api/audit.
type AuditEntryJSON struct {
	ID          string `json:"id"`
	At          string `json:"at"` // RFC 3339, clinical clock
	User        string `json:"user"`
	Action      string `json:"action"`
	ActionLabel string `json:"actionLabel"`
	PatientID   string `json:"patientId,omitempty"`
	NHSNumber   string `json:"nhsNumber,omitempty"`
	Details     string `json:"details,omitempty"`
}

// apiUser authenticates an API request: the session cookie of a signed-in
// user, or else HTTP Basic credentials checked like a sign-in.
func (h *Handler) apiUser(r *http.Request) (auth.User, bool, error) {
	if u, ok := h.currentUser(r); ok {
		return u, true, nil
	}
	username, password, ok := r.BasicAuth()
	if !ok {
		return auth.User{}, false, nil
	}
	stored, err := h.store.User(r.Context(), username)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return auth.User{}, false, err
	}
	if !auth.CheckPassword(stored, found, password) {
		return auth.User{}, false, nil
	}
	return auth.FromStore(stored), true, nil
}

func writeAPIJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// auditAPI serves GET /api/audit?patient=&user=&action=&from=&to= as
// {"total": n, "entries": [...]}, newest first, to administrators only:
// 401 without credentials, 403 for other roles, 400 for bad parameters.
func (h *Handler) auditAPI(w http.ResponseWriter, r *http.Request) {
	u, ok, err := h.apiUser(r)
	if err != nil {
		h.log.ErrorContext(r.Context(), "audit API", "error", err)
		writeAPIJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="Reference EPR audit log", charset="UTF-8"`)
		writeAPIJSON(w, http.StatusUnauthorized, map[string]string{"error": "sign in as an administrator, or send HTTP Basic credentials"})
		return
	}
	if !u.Role.CanReadAuditLog() {
		writeAPIJSON(w, http.StatusForbidden, map[string]string{"error": "only administrators can read the audit log"})
		return
	}
	q, problems := auditQuery(r)
	if len(problems) > 0 {
		writeAPIJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid search parameters", "problems": problems})
		return
	}
	entries, total, err := h.store.SearchAudit(r.Context(), q)
	if err != nil {
		h.log.ErrorContext(r.Context(), "audit API", "error", err)
		writeAPIJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	out := struct {
		Total   int              `json:"total"`
		Entries []AuditEntryJSON `json:"entries"`
	}{Total: total, Entries: []AuditEntryJSON{}}
	for _, e := range entries {
		out.Entries = append(out.Entries, AuditEntryJSON{ID: e.ID, At: e.At.UTC().Format(time.RFC3339), User: e.Username,
			Action: string(e.Action), ActionLabel: e.Action.Label(), PatientID: e.PatientID, NHSNumber: e.NHSNumber, Details: e.Details})
	}
	writeAPIJSON(w, http.StatusOK, out)
}
