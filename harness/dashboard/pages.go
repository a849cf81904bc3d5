package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eprharness/eprharness/harness/diff"
	"github.com/eprharness/eprharness/harness/report/evidence"
	"github.com/eprharness/eprharness/harness/report/html"
	"github.com/eprharness/eprharness/harness/results"
	"github.com/eprharness/eprharness/harness/store"
)

// page is what the layout template renders.
type page struct {
	App, Title string
	ExtraCSS   template.CSS
	Data       any
}

// render writes the named page with status.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any, extraCSS string) {
	t, ok := pages[name]
	if !ok {
		s.fail(w, r, http.StatusInternalServerError, "The dashboard failed.", fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page{App: s.o.title, Title: title, ExtraCSS: template.CSS(extraCSS), Data: data}); err != nil {
		if name == "error" {
			// The error page itself failed: fall back to plain text.
			http.Error(w, title, status)
			return
		}
		s.fail(w, r, http.StatusInternalServerError, "The dashboard failed.", fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail writes an error page. err, when set, is logged and shown: the
// dashboard is a team tool and the cause helps more than it harms.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	detail := ""
	if err != nil {
		detail = err.Error()
		if status >= 500 {
			s.o.errLog.Printf("dashboard: %s %s: %v", r.Method, r.URL.Path, err)
		}
	}
	s.render(w, r, status, "error", fmt.Sprintf("%d %s", status, http.StatusText(status)),
		struct{ Message, Detail string }{msg, detail}, "")
}

// storeFail turns a store error into a 404 (not found) or 500 page.
func (s *server) storeFail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, what+" was not found.", err)
		return
	}
	s.fail(w, r, http.StatusInternalServerError, "The results store failed.", err)
}

// runRow is one row of the runs list.
type runRow struct {
	store.Summary
	Outcome, Class string
	// Previous is the next older run's id, to compare with; "" for the
	// oldest run listed.
	Previous string
}

// outcome labels a run with its stored verdict (store.Summary.Verdict:
// its exit code, exitcode.ForRun, where quarantined failures never
// count), so the runs list never reads a run in full. A run that did not
// test everything is never green: one still going or killed is
// "unfinished", one interrupted or with scenarios interrupted or never
// run is "interrupted" or "incomplete"; each says how many planned
// scenarios never ran.
func outcome(sm store.Summary) (label, class string) {
	notRun := ""
	if n := sm.Counts.NotRun; n > 0 {
		notRun = fmt.Sprintf(", %d of %d planned not run", n, sm.Planned)
	}
	if n := sm.Counts.Interrupted; n > 0 {
		notRun += fmt.Sprintf(", %d interrupted", n)
	}
	switch sm.Verdict {
	case store.VerdictUnfinished:
		return "unfinished" + notRun, "bad"
	case store.VerdictInterrupted:
		return "interrupted" + notRun, "warn"
	case store.VerdictIncomplete:
		return "incomplete" + notRun, "warn"
	case store.VerdictPass:
		if sm.Counts.Flaky > 0 {
			return fmt.Sprintf("pass, %d flaky", sm.Counts.Flaky), "warn"
		}
		return "pass", "good"
	case store.VerdictFailures, store.VerdictBackend, store.VerdictHarness:
		return sm.Verdict.Code().String(), "bad"
	default:
		// A verdict a newer eprharness wrote: never green.
		return string(sm.Verdict), "bad"
	}
}

func (s *server) runs(w http.ResponseWriter, r *http.Request) {
	sums, err := s.st.Runs(r.Context(), store.Filter{Limit: s.o.runs})
	if err != nil {
		s.storeFail(w, r, "The runs", err)
		return
	}
	rows := make([]runRow, len(sums))
	for i, sm := range sums {
		rows[i] = runRow{Summary: sm}
		rows[i].Outcome, rows[i].Class = outcome(sm)
		if i+1 < len(sums) {
			rows[i].Previous = sums[i+1].ID
		}
	}
	s.render(w, r, http.StatusOK, "runs", "Runs", rows, "")
}

// storedRun reads the run the path names, with its scenarios' history;
// false when it has already answered with an error page.
func (s *server) storedRun(w http.ResponseWriter, r *http.Request) (*results.Run, map[string][]results.HistoryPoint, bool) {
	ctx := r.Context()
	ref := r.PathValue("ref")
	id, err := s.st.Resolve(ctx, ref)
	if err != nil {
		s.storeFail(w, r, fmt.Sprintf("Run %q", ref), err)
		return nil, nil, false
	}
	run, err := s.st.Run(ctx, id)
	if err != nil {
		s.storeFail(w, r, fmt.Sprintf("Run %q", id), err)
		return nil, nil, false
	}
	hist, err := store.RunHistory(ctx, s.st, run, s.o.history)
	if err != nil {
		s.storeFail(w, r, "The history of run "+run.ID, err)
		return nil, nil, false
	}
	return run, hist, true
}

func (s *server) run(w http.ResponseWriter, r *http.Request) {
	run, hist, ok := s.storedRun(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	err := html.Write(&buf, run, html.Config{AttachmentBase: "/artifacts", History: hist, Hazards: s.o.hazards})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The report of run "+run.ID+" could not be written.", err)
		return
	}
	// The run report is another package's self-contained document; it may
	// use inline scripts (filters), which the dashboard's own pages never do.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// compareForm is the data of the compare page.
type compareForm struct {
	Base, Cand string
	Choices    []choice
	Diff       template.HTML
	Message    string
}

type choice struct{ Value, Label string }

func (s *server) compare(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	form := compareForm{Base: q.Get("base"), Cand: q.Get("cand")}
	sums, err := s.st.Runs(ctx, store.Filter{Limit: s.o.runs})
	if err != nil {
		s.storeFail(w, r, "The runs", err)
		return
	}
	form.Choices = []choice{{"last-green", "last green run"}, {"latest", "latest run"}}
	listed := map[string]bool{"last-green": true, "latest": true}
	for _, sm := range sums {
		label := sm.ID
		if v := sm.Target.Version; v != "" {
			label += " · " + v
		}
		label += " · " + when(sm.StartedAt)
		switch {
		case sm.Unfinished() && !sm.Interrupted:
			label += " · unfinished"
		case sm.Incomplete():
			label += " · incomplete"
		}
		form.Choices = append(form.Choices, choice{sm.ID, label})
		listed[sm.ID] = true
	}
	for _, ref := range []string{form.Base, form.Cand} {
		if ref != "" && !listed[ref] {
			form.Choices = append(form.Choices, choice{ref, ref})
			listed[ref] = true
		}
	}
	if form.Base == "" && form.Cand == "" {
		form.Base, form.Cand = "last-green", "latest"
		s.render(w, r, http.StatusOK, "compare", "Compare runs", form, diff.CSS)
		return
	}
	if form.Base == "" || form.Cand == "" {
		form.Message = "Choose both a baseline and a candidate run."
		s.render(w, r, http.StatusBadRequest, "compare", "Compare runs", form, diff.CSS)
		return
	}
	format := q.Get("format")
	if format != "" && format != "html" && format != "json" && format != "markdown" && format != "md" && format != "text" {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("Unknown format %q: use html, json, markdown or text.", format), nil)
		return
	}
	var runs [2]*results.Run
	for i, ref := range []string{form.Base, form.Cand} {
		id, err := s.st.Resolve(ctx, ref)
		if err != nil {
			s.storeFail(w, r, fmt.Sprintf("Run %q", ref), err)
			return
		}
		if runs[i], err = s.st.Run(ctx, id); err != nil {
			s.storeFail(w, r, fmt.Sprintf("Run %q", id), err)
			return
		}
	}
	d := diff.Compare(runs[0], runs[1], s.o.diffOpts...)
	cfg := diff.Config{
		Title:        fmt.Sprintf("Candidate %s against baseline %s", runs[1].ID, runs[0].ID),
		Base:         diff.SideConfig{AttachmentBase: "/artifacts"},
		Candidate:    diff.SideConfig{AttachmentBase: "/artifacts"},
		ScenarioLink: scenarioURL,
		RunLink:      runURL,
	}
	if format != "" && format != "html" {
		var buf bytes.Buffer
		if err := diff.Write(&buf, d, format, cfg); err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The comparison could not be written.", err)
			return
		}
		ct := map[string]string{"json": "application/json", "markdown": "text/markdown; charset=utf-8",
			"md": "text/markdown; charset=utf-8", "text": "text/plain; charset=utf-8"}[format]
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(buf.Bytes())
		return
	}
	var buf bytes.Buffer
	if err := diff.WriteHTMLFragment(&buf, d, cfg); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The comparison could not be written.", err)
		return
	}
	form.Diff = template.HTML(buf.String()) // written by html/template in harness/diff
	s.render(w, r, http.StatusOK, "compare", "Compare runs", form, diff.CSS)
}

// scenarioPage is the data of a scenario's history page.
type scenarioPage struct {
	ID, Feature    string
	Tags           []string
	Points         []results.HistoryPoint
	Runs           int
	Passed, Failed int
	Flaky, Skipped int
	Flips          int
	FlakeRate      string
	FailRate       string
	Strip          strip
	Durations      bars
}

func (s *server) scenario(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	pts, err := s.st.History(ctx, id, "", s.o.history)
	if err != nil {
		s.storeFail(w, r, "Scenario "+id, err)
		return
	}
	if len(pts) == 0 {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("No run recorded the scenario %q.", id), nil)
		return
	}
	p := scenarioPage{ID: id, Points: pts, Runs: len(pts), Strip: newStrip(pts), Durations: newBars(pts)}
	title := id
	// The newest run that ran it names it.
	if run, err := s.st.Run(ctx, pts[len(pts)-1].RunID); err == nil {
		if f, sc, ok := run.Scenario(id); ok {
			title, p.Feature, p.Tags = sc.Name, f.Name, sc.Tags
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		s.storeFail(w, r, "Run "+pts[len(pts)-1].RunID, err)
		return
	}
	for _, pt := range pts {
		switch pt.Status {
		case results.Passed:
			p.Passed++
		case results.Flaky:
			p.Flaky++
		case results.Skipped:
			p.Skipped++
		case results.Interrupted:
			// Not tested in that run: neither a pass nor a failure.
		default:
			p.Failed++
		}
	}
	p.Flips = flips(pts)
	p.FlakeRate = percent(p.Flaky, p.Runs)
	p.FailRate = percent(p.Failed, p.Runs)
	s.render(w, r, http.StatusOK, "scenario", title, p, "")
}

// flips counts how often the outcome changed between pass and fail, with
// a flaky run counting as a failure followed by a pass and skipped and
// interrupted runs ignored (as store.Unstable counts them).
func flips(pts []results.HistoryPoint) int {
	var seq []bool // true: pass
	for _, pt := range pts {
		switch pt.Status {
		case results.Skipped, results.Interrupted:
		case results.Passed:
			seq = append(seq, true)
		case results.Flaky:
			seq = append(seq, false, true)
		default:
			seq = append(seq, false)
		}
	}
	n := 0
	for i := 1; i < len(seq); i++ {
		if seq[i] != seq[i-1] {
			n++
		}
	}
	return n
}

func percent(n, of int) string {
	if of == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

type unstableRow struct {
	store.Instability
	Strip strip
}

func (s *server) unstable(w http.ResponseWriter, r *http.Request) {
	ins, err := s.st.Unstable(r.Context(), s.o.unstableWindow)
	if err != nil {
		s.storeFail(w, r, "The unstable scenarios", err)
		return
	}
	rows := make([]unstableRow, len(ins))
	for i, in := range ins {
		rows[i] = unstableRow{Instability: in, Strip: newStrip(in.History)}
	}
	s.render(w, r, http.StatusOK, "unstable", "Unstable scenarios", struct {
		Window int
		Rows   []unstableRow
	}{s.o.unstableWindow, rows}, "")
}

// scenarioURL is the dashboard path of a scenario's history page.
func scenarioURL(id string) string {
	segs := strings.Split(id, "/")
	for i, sg := range segs {
		segs[i] = url.PathEscape(sg)
	}
	return "/scenarios/" + strings.Join(segs, "/")
}

// runURL is the dashboard path of a run's report.
func runURL(id string) string { return "/runs/" + url.PathEscape(id) }

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// evidence is the run's verification appendix for the clinical safety
// case (harness/report/evidence), as `eprharness evidence` writes it,
// with its evidence linked to the store's artifacts.
func (s *server) evidence(w http.ResponseWriter, r *http.Request) {
	run, hist, ok := s.storedRun(w, r)
	if !ok {
		return
	}
	if run.HazardLog == nil {
		s.fail(w, r, http.StatusNotFound, "Run "+run.ID+" recorded no hazard log, so it has no safety evidence: its suite had none, or it ran before runs kept theirs. `eprharness evidence --hazard-log FILE "+run.ID+"` writes it from a log you give.", nil)
		return
	}
	var buf bytes.Buffer
	err := evidence.Write(&buf, run, evidence.Config{AttachmentBase: "/artifacts", History: hist, N: s.o.history, Generated: time.Now().UTC()})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The safety evidence of run "+run.ID+" could not be written.", err)
		return
	}
	// A self-contained document with no scripts at all.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
