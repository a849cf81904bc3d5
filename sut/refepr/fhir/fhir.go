// Package fhir serves the reference EPR's FHIR R4 API under /fhir: the
// CapabilityStatement, Patient create, read and search, and transaction and
// batch Bundles.
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
	"github.com/eprharness/eprharness/sut/refepr/defects"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/eprharness/eprharness/nhsnumber"
	"github.com/eprharness/eprharness/sut/refepr/patient"
	"github.com/eprharness/eprharness/sut/refepr/store"
)

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
}

// New returns a Handler.
func New(opts Options) *Handler {
	h := &Handler{store: opts.Store, version: opts.Version, now: opts.Now, log: opts.Logger, unsupported: opts.Unsupported, defects: opts.Defects}
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
	h.mux.HandleFunc("GET /fhir/metadata", h.metadata)
	h.mux.HandleFunc("POST /fhir/Patient", h.createPatient)
	h.mux.HandleFunc("GET /fhir/Patient", h.searchPatients)
	h.mux.HandleFunc("GET /fhir/Patient/{id}", h.readPatient)
	h.mux.HandleFunc("POST /fhir", h.bundle)
	h.mux.HandleFunc("POST /fhir/{$}", h.bundle)
	h.clinicalRoutes()
	h.schedulingRoutes()
	h.mux.HandleFunc("/fhir/", h.unknownRoute)
	h.mux.HandleFunc("/fhir", h.unknownRoute)
	return h
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
}

// CapabilityResource lists what the server does with one resource type.
type CapabilityResource struct {
	Type        string            `json:"type"`
	Interaction []CapabilityCode  `json:"interaction"`
	SearchParam []CapabilityParam `json:"searchParam,omitempty"`
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

var (
	createReadSearch = []CapabilityCode{{Code: "create"}, {Code: "read"}, {Code: "search-type"}}
	readSearch       = []CapabilityCode{{Code: "read"}, {Code: "search-type"}}
	patientParam     = []CapabilityParam{{Name: "patient", Type: "reference"}}
)

func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, http.StatusOK, CapabilityStatement{
		ResourceType: "CapabilityStatement",
		Status:       "active",
		Date:         h.now().UTC().Format(time.DateOnly),
		Kind:         "instance",
		Software:     CapabilitySoftware{Name: "refepr", Version: h.version},
		FHIRVersion:  "4.0.1",
		Format:       []string{"application/fhir+json", "json"},
		Rest: []CapabilityRestMode{{
			Mode: "server",
			Resource: []CapabilityResource{{
				Type:        "Patient",
				Interaction: []CapabilityCode{{Code: "create"}, {Code: "read"}, {Code: "search-type"}},
				SearchParam: []CapabilityParam{
					{Name: "identifier", Type: "token"},
					{Name: "family", Type: "string"},
					{Name: "name", Type: "string"},
					{Name: "_id", Type: "token"},
					{Name: "_count", Type: "number"},
				},
			},
				// The clinical and scheduling types: created by POST and in
				// transactions, or only read and searched.
				{Type: "AllergyIntolerance", Interaction: createReadSearch, SearchParam: patientParam},
				{Type: "MedicationRequest", Interaction: createReadSearch, SearchParam: patientParam},
				{Type: "Appointment", Interaction: createReadSearch, SearchParam: patientParam},
				{Type: "Observation", Interaction: readSearch, SearchParam: patientParam},
				{Type: "Slot", Interaction: readSearch},
				{Type: "Schedule", Interaction: readSearch},
			},
			Interaction: []CapabilityCode{{Code: "transaction"}, {Code: "batch"}},
		}},
	})
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
	p, oe := fromResourceChecked(res, h.defects.On(defects.NHSCheckDigit))
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	var cond *nhsnumber.Number
	if q := r.Header.Get("If-None-Exist"); q != "" {
		n, oe := parseIfNoneExist(q)
		if oe != nil {
			h.fail(w, r, oe.withPrefix("If-None-Exist"))
			return
		}
		cond = &n
	}
	var resp entryResponse
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		resp, err = createOrMatch(r.Context(), tx, p, cond)
		return err
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

// createByPost serves POST /fhir/<Type>: it decodes and validates the
// resource (fromResource), creates it in one transaction (create, with no
// bundle references), reads the stored row back (load) and answers 201 with
// its Location and the stored resource.
func createByPost[Res, In, Row, Out any](h *Handler, w http.ResponseWriter, r *http.Request, typ string,
	fromResource func(Res) (In, *opError),
	create func(context.Context, *store.Tx, In, Res, map[string]string) (entryResponse, error),
	load func(context.Context, string) (Row, error), toResource func(Row) Out) {
	var res Res
	if oe := decode(w, r, maxResourceBytes, &res); oe != nil {
		h.fail(w, r, oe)
		return
	}
	in, oe := fromResource(res)
	if oe != nil {
		h.fail(w, r, oe)
		return
	}
	var resp entryResponse
	err := h.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		resp, err = create(r.Context(), tx, in, res, nil)
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	stored, err := load(r.Context(), strings.TrimPrefix(resp.location, typ+"/"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/fhir/"+resp.location)
	h.write(w, r, http.StatusCreated, toResource(stored))
}
