// Package web is the reference EPR's server-rendered user interface: sign in
// and out, patient search and the patient record, rendered with html/template
// from embedded templates and styles.
//
// The page texts, labels and roles are a contract with the harness's page
// objects (see the UI contract in the package's tests); change them only
// together. A Handler is safe for concurrent use; it does not own the store
// or the sessions it is given, and closes nothing.
//
// # Front end (static/refepr.js, no build step)
//
// Every page works without JavaScript; the script enhances it:
//
//   - Client-side navigation: same-origin links and GET forms are fetched
//     and the page's header and <main> swapped in (history.pushState,
//     popstate, document.title, focus on the new h1). While loading, <main>
//     has aria-busy="true" and "Loading…" (role=status) shows; a GET form
//     with data-loading="Searching…" shows that text in its
//     [data-loading-region] instead. POST forms load the whole page. Add
//     data-full-page to a link or form to opt out.
//   - Confirmation prompts: give a POST form (or its submit button)
//     data-confirm="Cancel this appointment?" and submitting opens a modal
//     (role alertdialog, named by the question, focus on "Go back" or the
//     text box, trapped and returned, Escape goes back) with the buttons
//     "Confirm" and "Go back"; only Confirm submits, with confirmed=yes.
//     Optional: data-confirm-detail adds a sentence, data-confirm-button
//     and data-confirm-cancel rename the buttons, data-confirm-warning
//     makes Confirm red, data-confirm-field="reason" with
//     data-confirm-field-label adds a text box posted as "reason". Without
//     JavaScript the form submits directly: a handler wrapped in askFirst
//     (confirm.go) then answers with its confirmation page instead, so
//     cancelling an appointment and stopping a medication always ask.
//   - Toasts: call h.flash(w, "Allergy recorded") before redirecting after a
//     successful POST; the next page shows the message once in a region
//     "Notifications" as <p role="status" aria-live="polite">.
//   - Session timeout: signed-in pages carry the idle timeout
//     (Options.SessionTimeout); two minutes before it ends a dialog "Your
//     session will end in 2 minutes" offers "Stay signed in" (POST
//     /session/keep-alive) and "Sign out"; at the end the page signs out
//     (POST /logout, reason=timeout) to "Your session has ended". The server
//     ends idle sessions itself too.
//   - Ids: templates get fresh ids per render from {{uid "prefix"}}; bind one
//     to a variable to pair a label with its control. Page objects must
//     find elements by role, label and text, never by id.
//   - Dates of birth: show them with {{dob .BirthDate}}.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

//go:embed templates/*.html templates/partials/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionCookie is the name of the sign-in cookie.
const SessionCookie = "refepr_session"

// Options are what a Handler needs.
type Options struct {
	Store    *store.Store
	Sessions *auth.Sessions
	Now      func() time.Time // the clinical clock (ages); nil means time.Now
	Logger   *slog.Logger     // nil discards
	Defects  defects.Set      // release-candidate regressions turned on
	Version  string           // shown on the about page
	// SessionTimeout is the sign-in's idle timeout, for the page's
	// "Your session will end" warning; zero means no warning.
	SessionTimeout time.Duration
	// Events receives what the screens change (admissions, appointments)
	// for the EPR's outbound interfaces; nil publishes nothing.
	Events *events.Bus
}

// Handler serves the UI routes.
type Handler struct {
	defects  defects.Set
	version  string
	store    *store.Store
	sessions *auth.Sessions
	now      func() time.Time
	log      *slog.Logger
	pages    map[string]*template.Template
	// sessionTimeout is the idle timeout pages warn about (ui_session.go).
	sessionTimeout time.Duration
	// events receives what the screens change (package events).
	events *events.Bus
}

// New parses the templates and returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil || opts.Sessions == nil {
		return nil, errors.New("new web handler: store and sessions are required")
	}
	h := &Handler{store: opts.Store, sessions: opts.Sessions, now: opts.Now, log: opts.Logger, defects: opts.Defects, version: opts.Version, pages: map[string]*template.Template{}, sessionTimeout: opts.SessionTimeout, events: opts.Events}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	pages := []string{"login", "search", "record", "message"}
	pages = append(pages, uiPages...)
	pages = append(pages, clinicalPages...)
	pages = append(pages, recordsPages...)
	pages = append(pages, schedulingPages...)
	pages = append(pages, referralsPages...)
	for _, page := range pages {
		// Every page gets the layout and the shared partials (the record
		// page's sections of each clinical area, dialogs, toasts).
		t, err := template.New(page).Funcs(h.templateFuncs()).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", page, err)
		}
		h.pages[page] = t
	}
	return h, nil
}

// Register adds the UI routes to mux, including a catch-all "/" that renders
// the not-found page.
func (h *Handler) Register(mux *http.ServeMux) {
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("GET /patients", h.signedIn(h.search))
	mux.HandleFunc("GET /patients/{id}", h.signedIn(h.record))
	h.uiRoutes(mux)
	h.clinicalRoutes(mux)
	h.recordsRoutes(mux)
	h.schedulingRoutes(mux)
	h.referralsRoutes(mux)
	mux.HandleFunc("/", h.notFound)
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// view is what every page template gets.
type view struct {
	Title    string
	HasError bool
	User     *auth.User
	Nav      string // the current main navigation item
	Page     any
	// Flash is the toast message of a POST-redirect-GET (see Handler.flash);
	// render fills it in.
	Flash string
	// SessionTimeout is the idle timeout in seconds for the page's warning
	// (signed-in pages only); render fills it in.
	SessionTimeout int
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	h.prepareView(w, r, &v)
	// Each render executes its own clone (cheap: parse trees are shared) so
	// that template functions can see the request; the parsed originals
	// are never executed, which is what lets them be cloned.
	t, err := h.pages[page].Clone()
	if err != nil {
		h.fail(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	t.Funcs(h.requestFuncs(r))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.fail(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Pages carry patient data: never cache them, so Back after signing
	// out shows nothing.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail logs err and shows the service problem page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sorry, there is a problem – Reference EPR</title>`+
		`<link rel="stylesheet" href="/static/refepr.css"></head><body><a class="skip-link" href="#main-content">Skip to main content</a>`+
		`<header class="site-header"><p class="brand"><a href="/">Reference EPR</a></p></header>`+
		`<main id="main-content" tabindex="-1"><h1>Sorry, there is a problem with the service</h1><p>Try again later.</p></main></body></html>`)
}

type messagePage struct {
	Heading        string
	Paragraphs     []string
	ShowSearchLink bool
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	var user *auth.User
	if u, ok := h.currentUser(r); ok {
		user = &u
	}
	h.render(w, r, http.StatusNotFound, "message", view{
		Title: "Page not found", User: user,
		Page: messagePage{Heading: "Page not found", Paragraphs: []string{"Check the address and try again."}, ShowSearchLink: user != nil},
	})
}

// currentUser returns the signed-in user, if any.
func (h *Handler) currentUser(r *http.Request) (auth.User, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return auth.User{}, false
	}
	return h.sessions.Get(c.Value)
}

// signedIn sends requests without a live session to /login.
func (h *Handler) signedIn(next func(http.ResponseWriter, *http.Request, auth.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := h.currentUser(r)
		if !ok {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next(w, r, u)
	}
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.currentUser(r); ok {
		http.Redirect(w, r, "/patients", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type loginPage struct {
	Username     string
	Failed       bool
	SignedOut    bool
	SessionEnded bool // signed out by the idle timeout
}

// loginPage shows the sign-in form, even to a signed-in user: signing in
// again (say as someone else) replaces the session.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login", view{
		Title: "Sign in",
		Page:  loginPage{SignedOut: r.URL.Query().Get("signed-out") != "", SessionEnded: r.URL.Query().Get("session-ended") != ""},
	})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad request", http.StatusBadRequest)
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	stored, err := h.store.User(r.Context(), username)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, fmt.Errorf("sign in: %w", err))
		return
	}
	if username == "" || !auth.CheckPassword(stored, found, password) {
		h.log.InfoContext(r.Context(), "sign-in refused", "username", username)
		h.render(w, r, http.StatusUnauthorized, "login", view{
			Title: "Sign in", HasError: true,
			Page: loginPage{Username: username, Failed: true},
		})
		return
	}
	// A fresh token on every sign-in; any session the browser had ends.
	if c, err := r.Cookie(SessionCookie); err == nil {
		h.sessions.Delete(c.Value)
	}
	token, err := h.sessions.Create(auth.FromStore(stored))
	if err != nil {
		h.fail(w, r, fmt.Errorf("sign in: %w", err))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	h.log.InfoContext(r.Context(), "signed in", "username", stored.Username, "role", stored.Role)
	http.Redirect(w, r, "/patients", http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		h.sessions.Delete(c.Value)
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	if r.PostFormValue("reason") == "timeout" { // the page's idle timer ran out
		http.Redirect(w, r, "/login?session-ended=1", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login?signed-out=1", http.StatusSeeOther)
}

type recordPage struct {
	Patient      patient.Patient
	Banner       patientBanner // banner.go
	ShowClinical bool
	Clinical     clinicalRecord // allergies, medications, observations (clinical.go)
	Records      recordsView    // restricted record, break-glass, notes link (records.go)
	// Scheduling: upcoming appointments, current admission (scheduling.go).
	Scheduling schedulingRecord
}

func (h *Handler) record(w http.ResponseWriter, r *http.Request, u auth.User) {
	p, err := h.store.Patient(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusNotFound, "message", view{
			Title: "Patient not found", User: &u,
			Page: messagePage{
				Heading:        "Patient not found",
				Paragraphs:     []string{"There is no patient record at this address."},
				ShowSearchLink: true,
			},
		})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	clin, err := h.loadClinicalRecord(r, p, u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	access, err := h.recordAccess(r, u, p) // audits the view (records.go)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sched, err := h.loadSchedulingRecord(r, u, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "record viewed", "username", u.Username, "patient", p.ID)
	h.render(w, r, http.StatusOK, "record", view{
		Title: p.DisplayName(), User: &u,
		Page: recordPage{
			Patient:      p,
			Banner:       h.bannerWith(p, clin.AllergyAlert),
			ShowClinical: u.Role.CanSeeClinicalRecord(),
			Clinical:     clin,
			Records:      access,
			Scheduling:   sched,
		},
	})
}
