// Package web is the reference EPR's server-rendered user interface: sign in
// and out, patient search and the patient record, rendered with html/template
// from embedded templates and styles.
//
// The page texts, labels and roles are a contract with the harness's page
// objects (see the UI contract in the package's tests); change them only
// together. A Handler is safe for concurrent use; it does not own the store
// or the sessions it is given, and closes nothing.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
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

// SearchLimit caps the rows of a patient search.
const SearchLimit = 50

// Options are what a Handler needs.
type Options struct {
	Store    *store.Store
	Sessions *auth.Sessions
	Now      func() time.Time // the clinical clock (ages); nil means time.Now
	Logger   *slog.Logger     // nil discards
	Defects  defects.Set      // release-candidate regressions turned on
	Version  string           // shown on the about page
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
}

// New parses the templates and returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil || opts.Sessions == nil {
		return nil, errors.New("new web handler: store and sessions are required")
	}
	h := &Handler{store: opts.Store, sessions: opts.Sessions, now: opts.Now, log: opts.Logger, defects: opts.Defects, version: opts.Version, pages: map[string]*template.Template{}}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	pages := []string{"login", "search", "record", "message"}
	pages = append(pages, clinicalPages...)
	pages = append(pages, recordsPages...)
	pages = append(pages, schedulingPages...)
	for _, page := range pages {
		// Every page gets the layout and the shared partials (the record
		// page's sections of each clinical area, dialogs, toasts).
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", "templates/"+page+".html")
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
	h.clinicalRoutes(mux)
	h.recordsRoutes(mux)
	h.schedulingRoutes(mux)
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
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
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
	Username  string
	Failed    bool
	SignedOut bool
}

// loginPage shows the sign-in form, even to a signed-in user: signing in
// again (say as someone else) replaces the session.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login", view{
		Title: "Sign in",
		Page:  loginPage{SignedOut: r.URL.Query().Get("signed-out") != ""},
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
	http.Redirect(w, r, "/login?signed-out=1", http.StatusSeeOther)
}

type searchPage struct {
	NHS, Name string
	NHSError  bool
	Searched  bool
	Status    string
	Rows      []patient.Patient
	Truncated bool
}

// ResultStatus is the status line of a search: "No patient found",
// "1 patient found", "3 patients found".
func ResultStatus(n int) string {
	switch n {
	case 0:
		return "No patient found"
	case 1:
		return "1 patient found"
	default:
		return fmt.Sprintf("%d patients found", n)
	}
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, u auth.User) {
	q := r.URL.Query()
	p := searchPage{NHS: strings.TrimSpace(q.Get("nhs")), Name: strings.TrimSpace(q.Get("name"))}
	v := view{Title: "Find a patient", User: &u, Nav: "patients"}
	var query store.PatientQuery
	switch {
	case p.NHS != "": // the NHS number wins over the name
		n, err := nhsnumber.Parse(p.NHS)
		if err != nil {
			p.NHSError, v.HasError = true, true
			v.Page = p
			h.render(w, r, http.StatusOK, "search", v)
			return
		}
		query.NHSNumber = n
	case p.Name != "":
		query.Text = p.Name
	default:
		v.Page = p
		h.render(w, r, http.StatusOK, "search", v)
		return
	}
	query.Limit = SearchLimit
	page, err := h.store.SearchPatients(r.Context(), query)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Searched = true
	p.Rows = page.Patients
	p.Status = ResultStatus(page.Total)
	p.Truncated = page.Total > len(page.Patients)
	v.Title = "Search results – Find a patient"
	v.Page = p
	h.render(w, r, http.StatusOK, "search", v)
}

type recordPage struct {
	Patient      patient.Patient
	Age          string
	ShowClinical bool
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
	h.log.InfoContext(r.Context(), "record viewed", "username", u.Username, "patient", p.ID)
	h.render(w, r, http.StatusOK, "record", view{
		Title: p.DisplayName(), User: &u,
		Page: recordPage{
			Patient:      p,
			Age:          patient.Age(p.BirthDate, patient.DateOf(h.now())),
			ShowClinical: u.Role.CanSeeClinicalRecord(),
		},
	})
}
