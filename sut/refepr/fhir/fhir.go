// Package fhir serves the reference EPR's FHIR R4 API under /fhir: the
// CapabilityStatement (GET /fhir/metadata, declared in capabilities.go and
// checked against the registered routes by a test), Patient create, read
// and search; AllergyIntolerance and MedicationRequest create, read and
// search; Observation create (a vital-signs panel, stored as a NEWS2 set,
// or a single vital sign, body measurement or laboratory result), read and
// search; Appointment create, read, search and update (reschedule,
// cancel); Slot and Schedule read and search; and transaction and batch
// Bundles.
//
// Routes:
//
//	GET  /fhir/metadata                      CapabilityStatement
//	POST /fhir, POST /fhir/                  transaction or batch Bundle
//	POST /fhir/Patient                       create (If-None-Exist: identifier=..., as every create)
//	GET  /fhir/Patient?identifier=&family=&name=&_id=&_count=
//	GET  /fhir/Patient/{id}
//	POST /fhir/AllergyIntolerance            create
//	GET  /fhir/AllergyIntolerance?patient=&clinical-status=
//	GET  /fhir/AllergyIntolerance/{id}
//	POST /fhir/MedicationRequest             create
//	GET  /fhir/MedicationRequest?patient=&status=
//	GET  /fhir/MedicationRequest/{id}
//	POST /fhir/Observation                   create a vital-signs panel (LOINC 85353-1) or a single result
//	GET  /fhir/Observation?patient=&category=&code=
//	GET  /fhir/Observation/{id}
//	POST /fhir/Appointment                   create (book a free Slot)
//	PUT  /fhir/Appointment/{id}              update: reschedule (new Slot) or cancel
//	GET  /fhir/Appointment?patient=&status=
//	GET  /fhir/Appointment/{id}
//	GET  /fhir/Slot?schedule=&status=&_count=
//	GET  /fhir/Slot/{id}
//	GET  /fhir/Schedule
//	GET  /fhir/Schedule/{id}
//
// Who is calling: the API has no sign-in. A request may carry HTTP Basic
// credentials of an EPR user; when they check out, that user is the caller,
// and when they do not the request is refused (401). A request without
// credentials is made by the system user AuditUser ("fhir-api"): the audit
// log never records an identity the caller merely claims. Every write
// (create, update, and each entry of a transaction or batch that changes
// something) appends an audit entry in the same database transaction as
// the change: the caller, the action (package audit), the patient, the
// clinical clock's time and details naming the FHIR interaction and
// resource ("FHIR create Appointment/...: Cardiology, ..."). A conditional
// create that matches an existing resource changes nothing and is not
// audited.
//
// Conditional create (conditional.go) works for every type created:
// request.ifNoneExist in a Bundle entry and If-None-Exist on a single POST,
// "identifier=[SYSTEM|]VALUE", matched against the identifiers of every
// resource created through the API (a Patient's NHS number against the
// patients themselves): one match answers 200 OK with its location, two
// or more 412.
//
// Release-candidate defects (package defects) apply to the API as they do
// to the UI, in single requests and in Bundles alike: nhs-check-digit
// (Patient create accepts a wrong check digit), double-booking (a taken
// Slot is booked again, on create and on reschedule) and news2-boundary
// (Observation create scores a respiration rate of 25 as 2).
//
// Responses are application/fhir+json; requests may be application/fhir+json
// or application/json. Every failure is an OperationOutcome whose
// diagnostics name the element at fault. A Handler is safe for concurrent
// use; it does not own the store it is given and closes nothing.
//
// Patient registration details: the GP practice is the display of the first
// Patient.generalPractitioner (a reference is accepted and not kept); a
// sensitive patient (restricted record, address hidden in the UI without a
// legitimate relationship) carries meta.security {system
// http://terminology.hl7.org/CodeSystem/v3-Confidentiality, code R}.
package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/auth"
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"github.com/eprharness/eprharness/sut/refepr/events"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

// AuditUser is the audit log's "who" for FHIR requests made without
// credentials: the API as a system user.
const AuditUser = "fhir-api"

// ContentType is the media type of every response.
const ContentType = "application/fhir+json; charset=utf-8"

// Body size limits.
const (
	maxResourceBytes = 1 << 20
	maxBundleBytes   = 32 << 20
)

// UnsupportedPolicy says what a transaction does with an entry whose
// resource type the EPR does not keep.
type UnsupportedPolicy int

const (
	// RejectUnsupported fails the whole Bundle with 422, naming the entry.
	RejectUnsupported UnsupportedPolicy = iota
	// SkipUnsupported leaves such entries out, answers each with a warning
	// and counts them.
	SkipUnsupported
)

// Options are what a Handler needs.
type Options struct {
	Store       *store.Store
	Version     string           // software version in the CapabilityStatement
	Now         func() time.Time // nil means time.Now
	Logger      *slog.Logger     // nil discards
	Unsupported UnsupportedPolicy
	Defects     defects.Set // release-candidate regressions turned on
	// Events receives what the API changes (appointments, referrals) for
	// the EPR's outbound interfaces; nil publishes nothing.
	Events *events.Bus
}

// Handler serves /fhir and everything under it.
type Handler struct {
	defects     defects.Set
	store       *store.Store
	version     string
	now         func() time.Time
	log         *slog.Logger
	unsupported UnsupportedPolicy
	mux         *http.ServeMux
	routes      []string // the patterns registered by route, in order
	events      *events.Bus
	notifier    *notifier // Subscription notifications (subscriptions.go)
}

// New returns a Handler.
func New(opts Options) *Handler {
	h := &Handler{store: opts.Store, version: opts.Version, now: opts.Now, log: opts.Logger, unsupported: opts.Unsupported, defects: opts.Defects, events: opts.Events}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.version == "" {
		h.version = "dev"
	}
	h.mux = http.NewServeMux()
	h.route("GET /fhir/metadata", h.metadata)
	h.route("POST /fhir/Patient", h.createPatient)
	h.route("GET /fhir/Patient", h.searchPatients)
	h.route("GET /fhir/Patient/{id}", h.readPatient)
	h.route("POST /fhir", h.bundle)
	h.route("POST /fhir/{$}", h.bundle)
	h.clinicalRoutes()
	h.schedulingRoutes()
	h.referralRoutes() // ServiceRequest, $process-message, Subscription (referrals.go)
	h.mux.HandleFunc("/fhir/", h.unknownRoute)
	h.mux.HandleFunc("/fhir", h.unknownRoute)
	return h
}

// route registers a FHIR route and remembers its pattern (Routes).
func (h *Handler) route(pattern string, fn http.HandlerFunc) {
	h.routes = append(h.routes, pattern)
	h.mux.HandleFunc(pattern, fn)
}

// Routes lists the patterns of the FHIR routes served, in registration
// order ("GET /fhir/Patient/{id}"); the catch-all answering unknown routes
// is not among them.
func (h *Handler) Routes() []string { return append([]string(nil), h.routes...) }

// caller is who makes the request, for the audit log: the EPR user whose
// HTTP Basic credentials the request carries, or AuditUser without
// credentials. Credentials that do not check out are refused (401).
func (h *Handler) caller(r *http.Request) (string, error) {
	username, password, ok := r.BasicAuth()
	if !ok {
		return AuditUser, nil
	}
	u, err := h.store.User(r.Context(), username)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("check credentials: %w", err)
	}
	if !auth.CheckPassword(u, found, password) {
		return "", newOpError(http.StatusUnauthorized, codeLogin, "the HTTP Basic credentials are not those of an EPR user; send valid ones, or none to act as %s", AuditUser)
	}
	return u.Username, nil
}

// ServeHTTP serves a request whose path is /fhir or starts with /fhir/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) unknownRoute(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, newOpError(http.StatusNotFound, codeNotFound, "no FHIR route for %s %s", r.Method, r.URL.Path))
}

// write sends v as FHIR JSON with the status.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		h.log.ErrorContext(r.Context(), "encode FHIR response", "error", err)
		status = http.StatusInternalServerError
		body = []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"exception","diagnostics":"could not encode the response"}]}`)
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// fail answers with an OperationOutcome; errors that are not an *opError
// are logged and reported as 500.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *opError
	if !errors.As(err, &oe) {
		h.log.ErrorContext(r.Context(), "FHIR request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		oe = newOpError(http.StatusInternalServerError, codeException, "internal error: %v", err)
	} else if oe.status >= 500 {
		h.log.ErrorContext(r.Context(), "FHIR request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	h.write(w, r, oe.status, oe.outcome())
}

// decode reads a JSON body of at most limit bytes into v.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) *opError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/fhir+json" && mt != "application/json") {
			return newOpError(http.StatusUnsupportedMediaType, codeNotSupported,
				"Content-Type %q is not supported; send application/fhir+json or application/json", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return newOpError(http.StatusRequestEntityTooLarge, codeStructure, "request body is larger than %d bytes", limit)
		}
		return newOpError(http.StatusBadRequest, codeStructure, "read request body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return newOpError(http.StatusBadRequest, codeStructure, "invalid JSON: %v", err)
	}
	if dec.More() {
		return newOpError(http.StatusBadRequest, codeStructure, "invalid JSON: unexpected data after the resource")
	}
	return nil
}

// CapabilityStatement is the subset of the resource the EPR fills in.
type CapabilityStatement struct {
	ResourceType string               `json:"resourceType"`
	Status       string               `json:"status"`
	Date         string               `json:"date"`
	Kind         string               `json:"kind"`
	Software     CapabilitySoftware   `json:"software"`
	FHIRVersion  string               `json:"fhirVersion"`
	Format       []string             `json:"format"`
	Rest         []CapabilityRestMode `json:"rest"`
}

// CapabilitySoftware names the server software.
type CapabilitySoftware struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// CapabilityRestMode lists what the server does.
type CapabilityRestMode struct {
	Mode        string               `json:"mode"`
	Resource    []CapabilityResource `json:"resource"`
	Interaction []CapabilityCode     `json:"interaction"`
	// Operation lists system operations such as $process-message.
	Operation []CapabilityOperation `json:"operation,omitempty"`
}

// CapabilityOperation is an operation the server performs.
type CapabilityOperation struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// CapabilityResource lists what the server does with one resource type.
type CapabilityResource struct {
	Type             string           `json:"type"`
	SupportedProfile []string         `json:"supportedProfile,omitempty"`
	Interaction      []CapabilityCode `json:"interaction"`
	// ConditionalCreate: a create with If-None-Exist (or a transaction
	// entry's ifNoneExist) creates nothing when a match exists.
	ConditionalCreate bool              `json:"conditionalCreate,omitempty"`
	SearchParam       []CapabilityParam `json:"searchParam,omitempty"`
}

// CapabilityCode is an interaction code.
type CapabilityCode struct {
	Code string `json:"code"`
}

// CapabilityParam is a supported search parameter.
type CapabilityParam struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

func (h *Handler) createPatient(w http.ResponseWriter, r *http.Request) {
	var res Patient
	if oe := decode(w, r, maxResourceBytes, &res); oe != nil {
		h.fail(w, r, oe)
		return
	}
	if res.ResourceType != "Patient" {
		h.fail(w, r, newOpError(http.StatusBadRequest, codeInvalid, "resourceType: expected Patient, got %q", res.ResourceType))
		return
	}
	p, oe := fromResourceChecked(res, false)
	if oe != nil {
		// The defect applies when a wrong check digit is all that is wrong.
		lp, loe := fromResourceChecked(res, true)
		if h.defects.Fires(r.Context(), defects.NHSCheckDigit, loe == nil) {
			p, oe = lp, nil
		}
	}
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	run, oe := conditionalPost(r, "Patient", storeIdentifiers(res.Identifier),
		func(ctx context.Context, tx *store.Tx, _ map[string]string) (entryResponse, error) {
			return createPatientRecord(ctx, tx, p)
		})
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	who, err := h.caller(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var resp entryResponse
	err = h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if resp, err = run(r.Context(), tx, nil); err != nil {
			return err
		}
		return h.audit(r.Context(), tx, who, "create", resp)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/fhir/"+resp.location)
	w.Header().Set("ETag", `W/"1"`)
	w.Header().Set("Last-Modified", resp.patient.LastUpdated.UTC().Format(http.TimeFormat))
	h.write(w, r, resp.status, toResource(resp.patient))
}

func (h *Handler) readPatient(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p, err := h.store.Patient(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, newOpError(http.StatusNotFound, codeNotFound, "Patient/%s is not known", id))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", `W/"1"`)
	w.Header().Set("Last-Modified", p.LastUpdated.UTC().Format(http.TimeFormat))
	h.write(w, r, http.StatusOK, toResource(p))
}

// Bundle is a FHIR Bundle as the EPR reads and writes it.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Meta         *Meta         `json:"meta,omitempty"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a link such as the searchset's self link.
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one entry; Resource stays raw until its type is known.
type BundleEntry struct {
	FullURL  string               `json:"fullUrl,omitempty"`
	Resource json.RawMessage      `json:"resource,omitempty"`
	Search   *BundleEntrySearch   `json:"search,omitempty"`
	Request  *BundleEntryRequest  `json:"request,omitempty"`
	Response *BundleEntryResponse `json:"response,omitempty"`
}

// BundleEntrySearch says why an entry is in a searchset.
type BundleEntrySearch struct {
	Mode string `json:"mode"`
}

// BundleEntryRequest is what a transaction or batch entry asks for.
type BundleEntryRequest struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	IfNoneExist string `json:"ifNoneExist,omitempty"`
}

// BundleEntryResponse is the result of one transaction or batch entry.
type BundleEntryResponse struct {
	Status       string            `json:"status"`
	Location     string            `json:"location,omitempty"`
	Etag         string            `json:"etag,omitempty"`
	LastModified string            `json:"lastModified,omitempty"`
	Outcome      *OperationOutcome `json:"outcome,omitempty"`
}

func (h *Handler) searchPatients(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	q := store.PatientQuery{Family: params.Get("family"), Name: params.Get("name"), Limit: 50}
	empty := func() {
		zero := 0
		h.write(w, r, http.StatusOK, Bundle{ResourceType: "Bundle", Type: "searchset", Total: &zero,
			Link: []BundleLink{{Relation: "self", URL: selfURL(r)}}})
	}
	if c := params.Get("_count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			h.fail(w, r, newOpError(http.StatusBadRequest, codeValue, "_count: %q is not a whole number", c))
			return
		}
		q.Limit = min(n, store.MaxSearchResults)
		if n == 0 {
			q.Limit = 1 // the total is still wanted; the rows are dropped below
		}
	}
	if v := params.Get("identifier"); v != "" {
		system, value, hasSystem := strings.Cut(v, "|")
		if !hasSystem {
			system, value = "", v
		}
		if system != "" && system != patient.NHSNumberSystem {
			empty() // the only identifiers the EPR keeps are NHS numbers
			return
		}
		n, err := nhsnumber.Parse(value)
		if err != nil {
			empty()
			return
		}
		q.NHSNumber = n
	}
	if id := params.Get("_id"); id != "" {
		p, err := h.store.Patient(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			empty()
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		q.NHSNumber = p.NHSNumber // the NHS number is unique, so this selects the patient
	}
	page, err := h.store.SearchPatients(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if params.Get("_count") == "0" {
		page.Patients = nil
	}
	b := Bundle{ResourceType: "Bundle", ID: store.NewID(), Meta: &Meta{LastUpdated: formatInstant(h.now())},
		Type: "searchset", Total: &page.Total, Link: []BundleLink{{Relation: "self", URL: selfURL(r)}}}
	base := baseURL(r)
	for _, p := range page.Patients {
		raw, err := json.Marshal(toResource(p))
		if err != nil {
			h.fail(w, r, fmt.Errorf("encode patient: %w", err))
			return
		}
		b.Entry = append(b.Entry, BundleEntry{FullURL: base + "/Patient/" + p.ID, Resource: raw, Search: &BundleEntrySearch{Mode: "match"}})
	}
	h.write(w, r, http.StatusOK, b)
}

// baseURL is the absolute URL of the FHIR base, e.g. http://host:8080/fhir.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host + "/fhir"
}

func selfURL(r *http.Request) string {
	u := url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	return strings.TrimSuffix(baseURL(r), "/fhir") + u.String()
}

// readByID serves GET /fhir/<Type>/{id}: it loads the row with load, answers
// 404 with an OperationOutcome when the store has no such id, and otherwise
// writes the row as a resource.
func readByID[T any, R any](h *Handler, w http.ResponseWriter, r *http.Request, typ string,
	load func(context.Context, string) (T, error), toResource func(T) R) {
	row, err := load(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, newOpError(http.StatusNotFound, codeNotFound, "%s/%s is not known", typ, r.PathValue("id")))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, toResource(row))
}

// updateByPut serves PUT /fhir/<Type>/{id}: it decodes the resource,
// validates it against the id of the path (fromResource), applies the
// update in one transaction (update, with no bundle references), audits and
// publishes it, and answers 200 with the updated resource.
func updateByPut[Res, In, Row, Out any](h *Handler, w http.ResponseWriter, r *http.Request,
	fromResource func(Res, string) (In, *opError),
	update func(context.Context, *store.Tx, In) (Row, entryResponse, error), toResource func(Row) Out) {
	who, err := h.caller(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var res Res
	if oe := decode(w, r, maxResourceBytes, &res); oe != nil {
		h.fail(w, r, oe)
		return
	}
	in, oe := fromResource(res, r.PathValue("id"))
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	var (
		row  Row
		resp entryResponse
	)
	err = h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if row, resp, err = update(r.Context(), tx, in); err != nil {
			return err
		}
		return h.audit(r.Context(), tx, who, "update", resp)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.publish(who, resp)
	h.write(w, r, http.StatusOK, toResource(row))
}

// createByPost serves POST /fhir/<Type>: it decodes and validates the
// resource (fromResource), creates it in one transaction (create, with no
// bundle references), reads the stored row back (load) and answers 201 with
// its Location and the stored resource. With If-None-Exist it is a
// conditional create (conditional.go): a match answers 200 with the
// existing resource.
func createByPost[Res, In, Row, Out any](h *Handler, w http.ResponseWriter, r *http.Request, typ string,
	fromResource func(Res) (In, *opError),
	create func(context.Context, *store.Tx, In, Res, map[string]string) (entryResponse, error),
	load func(context.Context, string) (Row, error), toResource func(Row) Out) {
	who, err := h.caller(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var raw json.RawMessage
	if oe := decode(w, r, maxResourceBytes, &raw); oe != nil {
		h.fail(w, r, oe)
		return
	}
	var res Res
	if err := json.Unmarshal(raw, &res); err != nil {
		h.fail(w, r, newOpError(http.StatusBadRequest, codeStructure, "invalid JSON: %v", err))
		return
	}
	in, oe := fromResource(res)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	ids, oe := identifiersOf(raw)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	run, oe := conditionalPost(r, typ, ids, func(ctx context.Context, tx *store.Tx, refs map[string]string) (entryResponse, error) {
		return create(ctx, tx, in, res, refs)
	})
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	var resp entryResponse
	err = h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if resp, err = run(r.Context(), tx, nil); err != nil {
			return err
		}
		return h.audit(r.Context(), tx, who, "create", resp)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.publish(who, resp) // referrals.go
	stored, err := load(r.Context(), strings.TrimPrefix(resp.location, typ+"/"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/fhir/"+resp.location)
	h.write(w, r, resp.status, toResource(stored))
}
