package diff

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CSS styles the HTML output; a page embedding WriteHTMLFragment puts it in
// its <style>. Every rule is scoped to the .eprdiff element.
const CSS = `.eprdiff{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#212b32;line-height:1.4}
.eprdiff h2{margin:1.2em 0 .4em;font-size:1.2em}
.eprdiff table{border-collapse:collapse;margin:.4em 0;width:100%}
.eprdiff th,.eprdiff td{border:1px solid #d8dde0;padding:.3em .5em;text-align:left;vertical-align:top}
.eprdiff th{background:#f0f4f5}
.eprdiff .verdict{display:inline-block;padding:.2em .6em;border-radius:.3em;color:#fff;font-weight:bold}
.eprdiff .fail{background:#d5281b}.eprdiff .pass{background:#007f3b}
.eprdiff article{border-left:.4em solid #d5281b;padding:.2em .8em;margin:.8em 0;background:#fff6f5}
.eprdiff article.quarantined{border-color:#ffb81c;background:#fffaf0}
.eprdiff article h3{margin:.3em 0;font-size:1em}
.eprdiff dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.4em 0}
.eprdiff dt{font-weight:bold}.eprdiff dd{margin:0}
.eprdiff pre{white-space:pre-wrap;margin:0;font-size:.9em}
.eprdiff code{font-size:.9em;word-break:break-all}
.eprdiff img.screenshot{max-width:100%;border:1px solid #d8dde0}
.eprdiff .id{font-family:monospace;color:#4c6272}
.eprdiff p.title{font-size:1.3em;font-weight:bold;margin:.6em 0}
.eprdiff p.incomplete{border-left:.4em solid #d5281b;padding:.3em .8em;background:#fff6f5}
.eprdiff article.control h3{font-weight:normal}
.eprdiff td ul{margin:0;padding-left:1.2em}
.eprdiff p.warning{border-left:.4em solid #ffb81c;padding:.3em .8em;background:#fffaf0}`

// WriteHTML writes d as one self-contained HTML document (no scripts, no
// external resources). Screenshots are embedded as data URIs when the
// side's AttachmentDir is set and the file is there, and linked otherwise.
func WriteHTML(w io.Writer, d *Diff, cfg Config) error {
	return render(w, "document", d, cfg)
}

// WriteHTMLFragment writes the body of WriteHTML's document, one
// <div class="eprdiff"> element, for embedding in another page (which
// styles it with CSS and gives it its <h1>: the fragment's title is a
// paragraph, its sections are <h2>).
func WriteHTMLFragment(w io.Writer, d *Diff, cfg Config) error {
	return render(w, "diff", d, cfg)
}

func render(w io.Writer, name string, d *Diff, cfg Config) error {
	title := cfg.Title
	if title == "" {
		title = "eprharness diff"
	}
	var buf bytes.Buffer
	err := tmpl.ExecuteTemplate(&buf, name, struct {
		Title    string
		Document bool
		CSS      template.CSS
		D        *Diff
		Cfg      Config
	}{title, name == "document", template.CSS(CSS), d, cfg})
	if err != nil {
		return fmt.Errorf("write diff html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write diff html: %w", err)
	}
	return nil
}

// shot is a screenshot to show: inline data or a link.
type shot struct {
	Path   string
	Src    template.URL // data URI; empty when linked
	Href   string
	Inline bool
}

// htmlTable is one of the diff's tabular HTML sections: the template's
// "table" writes a row per entry, its scenario and then cols, filled by
// cells (strings, escaped by the template, or trusted template.HTML).
type htmlTable struct {
	title, note string // note, when set, is a paragraph above the table
	cols        []string
	cells       func(Entry) []any
}

// htmlTables are the tabular sections by slug (their element id).
var htmlTables = map[string]htmlTable{
	"not-run": {"Not run", "Planned by the candidate run, never started: not tested.", []string{"Base", "Candidate"},
		func(e Entry) []any { return []any{status(e.Base), "not run"} }},
	"interrupted": {"Interrupted", "In flight when the candidate run was stopped: not tested.", []string{"Base", "Candidate"}, baseAndCandidate},
	"still-failing": {"Still failing", "", []string{"Base", "Candidate", "Change", "Error"}, func(e Entry) []any {
		ch := e.Change
		if ch == "" {
			ch = "same failure"
		}
		return []any{status(e.Base), status(e.Candidate), ch, e.Candidate.ErrorLine()}
	}},
	"fixed":   {"Fixed", "", []string{"Base", "Candidate"}, baseAndCandidate},
	"flaky":   {"Flaky", "", []string{"Base", "Candidate"}, baseAndCandidate},
	"new":     {"New", "", []string{"Candidate"}, func(e Entry) []any { return []any{status(e.Candidate)} }},
	"removed": {"Removed", "", []string{"Base"}, func(e Entry) []any { return []any{status(e.Base)} }},
	"slower": {"Slower", "", []string{"Base", "Candidate", "Ratio", "Added"}, func(e Entry) []any {
		// HTML, so the template leaves the "+" as it is (it writes a
		// string's "+" as "&#43;"); dur writes only digits, "." and "s".
		added := template.HTML("+" + dur(e.Delta))
		return []any{dur(e.Base.Duration), dur(e.Candidate.Duration), fmt.Sprintf("x%.1f", e.Ratio), added}
	}},
}

func baseAndCandidate(e Entry) []any { return []any{status(e.Base), status(e.Candidate)} }

var tmpl = template.Must(template.New("diff").Funcs(template.FuncMap{
	"verdict": verdict,
	"status":  status,
	"dur":     dur,
	"when":    when,
	"short":   short,
	"counts":  counts,
	"label":   runLabel,
	"scenarioLink": func(cfg Config, id string) string {
		if cfg.ScenarioLink == nil {
			return ""
		}
		return cfg.ScenarioLink(id)
	},
	"runLink": func(cfg Config, id string) string {
		if cfg.RunLink == nil || id == "" {
			return ""
		}
		return cfg.RunLink(id)
	},
	"shot": func(sc SideConfig, s *Side) *shot {
		a, ok := s.Screenshot()
		if !ok {
			return nil
		}
		out := &shot{Path: a.Path, Href: sc.link(a.Path)}
		if src, ok := dataURI(sc.AttachmentDir, a.Path, a.MediaType); ok {
			out.Src, out.Inline = src, true
		}
		return out
	},
	"link":           func(sc SideConfig, p string) string { return sc.link(p) },
	"join":           strings.Join,
	"controlStatus":  controlStatus,
	"controlEntry":   func(s ControlScenario) Entry { return Entry{ID: s.ID, Name: s.Name} },
	"interfaceEntry": func(ic InterfaceChange) Entry { return Entry{ID: ic.ID, Name: ic.Name} },
	"interfaceNote":  func() string { return InterfaceNote },
	"violationsCtx": func(side SideConfig, title, slug string, vs []Violation) any {
		return struct {
			Side        SideConfig
			Title, Slug string
			Vs          []Violation
		}{side, title, slug, vs}
	},
	"entryCtx": func(cfg Config, e Entry) any {
		return struct {
			Cfg Config
			E   Entry
		}{cfg, e}
	},
	"runCtx": func(cfg Config, r RunInfo) any {
		return struct {
			Cfg Config
			R   RunInfo
		}{cfg, r}
	},
	"tableCtx": func(cfg Config, slug string, es []Entry) (any, error) {
		t, ok := htmlTables[slug]
		if !ok {
			return nil, fmt.Errorf("no html table %q", slug)
		}
		return struct {
			Cfg         Config
			Title, Slug string
			Note        string
			Cols        []string
			Cells       func(Entry) []any
			Es          []Entry
		}{cfg, t.title, slug, t.note, t.cols, t.cells, es}, nil
	},
	"failCtx": func(cfg Config, title, slug string, es []Entry, quarantined bool) any {
		return struct {
			Cfg         Config
			Title, Slug string
			Es          []Entry
			Quarantined bool
		}{cfg, title, slug, es, quarantined}
	},
}).Parse(`{{define "document"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}: {{verdict .D}}</title>
<style>
body{margin:1.5em auto;max-width:75em;padding:0 1em}
{{.CSS}}
</style>
</head>
<body>
{{template "diff" .}}
</body>
</html>
{{end}}

{{define "scenario"}}{{$href := scenarioLink .Cfg .E.ID}}<span class="id">{{.E.ID}}</span> {{if $href}}<a href="{{$href}}">{{.E.Name}}</a>{{else}}{{.E.Name}}{{end}}{{end}}

{{define "run"}}{{$href := runLink .Cfg .R.ID}}{{if $href}}<a href="{{$href}}">{{.R.ID}}</a>{{else}}{{.R.ID}}{{end}}{{end}}

{{define "failures"}}{{if .Es}}
<section aria-labelledby="{{.Slug}}">
<h2 id="{{.Slug}}">{{.Title}} ({{len .Es}})</h2>
{{range .Es}}<article{{if $.Quarantined}} class="quarantined"{{end}}>
<h3>{{template "scenario" (entryCtx $.Cfg .)}}</h3>
<dl>
<dt>Base</dt><dd>{{status .Base}}</dd>
<dt>Candidate</dt><dd>{{status .Candidate}}</dd>
{{with .Candidate.FailedStep}}<dt>Failing step</dt><dd>{{.}}</dd>
{{end}}{{with .Candidate.Error}}<dt>Error</dt><dd><pre>{{.}}</pre></dd>
{{end}}{{with shot $.Cfg.Candidate .Candidate}}<dt>Screenshot</dt><dd>{{if .Inline}}<img class="screenshot" src="{{.Src}}" alt="Screenshot: {{.Path}}">{{else}}<a href="{{.Href}}">{{.Path}}</a>{{end}}</dd>
{{end}}{{if .Candidate.Attachments}}<dt>Evidence</dt><dd>{{range $i, $a := .Candidate.Attachments}}{{if $i}}, {{end}}<a href="{{link $.Cfg.Candidate $a.Path}}">{{$a.Name}}</a>{{end}}</dd>
{{end}}{{with .Repro}}<dt>Repro</dt><dd><code>{{.}}</code></dd>
{{end}}</dl>
</article>
{{end}}</section>
{{end}}{{end}}

{{define "table"}}{{if .Es}}
<section aria-labelledby="{{.Slug}}">
<h2 id="{{.Slug}}">{{.Title}} ({{len .Es}})</h2>
{{with .Note}}<p>{{.}}</p>
{{end}}<table>
<thead><tr><th>Scenario</th>{{range .Cols}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Es}}<tr><td>{{template "scenario" (entryCtx $.Cfg .)}}</td>{{range call $.Cells .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{- end}}{{end}}

{{define "interface"}}{{if .D.Interface}}
<section aria-labelledby="interface">
<h2 id="interface">Interface changes ({{len .D.Interface}})</h2>
<p>{{interfaceNote}}</p>
<table>
<thead><tr><th>Scenario</th><th>Base</th><th>Candidate</th><th>Changes</th></tr></thead>
<tbody>
{{range .D.Interface}}<tr><td>{{template "scenario" (entryCtx $.Cfg (interfaceEntry .))}}{{with .UpTo}}<br>compared up to: {{.}}{{end}}</td><td>{{.BaseStatus}}</td><td>{{.CandidateStatus}}</td><td><ul>{{range .Changes}}<li class="{{.Kind}}">{{.Message}}</li>{{end}}</ul></td></tr>
{{end}}</tbody>
</table>
</section>
{{- end}}{{end}}

{{define "violations"}}{{if .Vs}}
<section aria-labelledby="{{.Slug}}">
<h2 id="{{.Slug}}">{{.Title}} ({{len .Vs}})</h2>
<table>
<thead><tr><th>Page</th><th>Rule</th><th>Impact</th><th>Elements</th><th>Help</th><th>Scenarios</th><th>Screenshot</th></tr></thead>
<tbody>
{{range .Vs}}<tr><td><code>{{.Page}}</code></td><td>{{if .HelpURL}}<a href="{{.HelpURL}}">{{.Rule}}</a>{{else}}{{.Rule}}{{end}}</td><td>{{.Impact}}{{if .Criteria}} (WCAG {{join .Criteria ", "}}){{end}}</td><td>{{range $i, $t := .Targets}}{{if $i}}<br>{{end}}<code>{{$t}}</code>{{end}}</td><td>{{.Help}}</td><td>{{range $i, $s := .Scenarios}}{{if $i}}<br>{{end}}<span class="id">{{$s}}</span>{{end}}</td><td>{{with .Screenshot}}<a href="{{link $.Side .}}">screenshot</a>{{end}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{- end}}{{end}}

{{define "diff"}}<div class="eprdiff">
{{if .Document}}<h1>{{.Title}}</h1>{{else}}<p class="title">{{.Title}}</p>{{end}}
<p><span class="verdict {{if .D.Gate}}fail{{else}}pass{{end}}">Gate: {{verdict .D}}</span> {{.D.Summary}}</p>
{{with .D.Incomplete}}<p class="incomplete"><strong>Not tested:</strong> {{.}}.</p>
{{end}}{{range .D.Warnings}}<p class="warning"><strong>Warning:</strong> {{.}}.</p>
{{end}}{{with .D.Safety}}<p>Safety: {{.}}.</p>
{{end}}<table>
<thead><tr><th></th><th>Run</th><th>Version</th><th>Commit</th><th>Started</th><th>Scenarios</th></tr></thead>
<tbody>
<tr><th scope="row">Base</th><td>{{template "run" (runCtx .Cfg .D.Base)}}</td><td>{{.D.Base.Version}}</td><td><code>{{short .D.Base.Commit}}</code></td><td>{{when .D.Base.StartedAt}}</td><td>{{counts .D.Base}}</td></tr>
<tr><th scope="row">Candidate</th><td>{{template "run" (runCtx .Cfg .D.Candidate)}}</td><td>{{.D.Candidate.Version}}</td><td><code>{{short .D.Candidate.Commit}}</code></td><td>{{when .D.Candidate.StartedAt}}</td><td>{{counts .D.Candidate}}</td></tr>
</tbody>
</table>
{{if .D.Unverified}}
<section aria-labelledby="unverified">
<h2 id="unverified">Unverified safety controls ({{len .D.Unverified}})</h2>
{{range .D.Unverified}}<article class="control">
<h3>{{.Message}}</h3>
<dl>
<dt>Control</dt><dd><span class="id">{{.ID}}</span> {{.Description}}</dd>
<dt>Hazard</dt><dd><span class="id">{{.Hazard}}</span> {{.HazardTitle}}</dd>
<dt>Scenarios</dt><dd>{{range $i, $s := .Scenarios}}{{if $i}}<br>{{end}}{{template "scenario" (entryCtx $.Cfg (controlEntry $s))}}: {{controlStatus $s}}{{else}}none{{end}}</dd>
</dl>
</article>
{{end}}</section>
{{end}}{{template "violations" (violationsCtx .Cfg.Candidate "New accessibility violations" "accessibility" .D.Accessibility)}}
{{- template "failures" (failCtx .Cfg "Regressions" "regressions" .D.Regressions false)}}
{{- template "table" (tableCtx .Cfg "not-run" .D.NotRun)}}
{{- template "table" (tableCtx .Cfg "interrupted" .D.Interrupted)}}
{{- template "failures" (failCtx .Cfg "Quarantined failures (not gating)" "quarantined" .D.Quarantined true)}}
{{- template "interface" .}}
{{- template "table" (tableCtx .Cfg "still-failing" .D.StillFailing)}}
{{- template "table" (tableCtx .Cfg "fixed" .D.Fixed)}}
{{- template "violations" (violationsCtx .Cfg.Base "Fixed accessibility violations" "accessibility-fixed" .D.AccessibilityFixed)}}
{{- template "table" (tableCtx .Cfg "flaky" .D.Flaky)}}
{{- template "table" (tableCtx .Cfg "new" .D.New)}}
{{- template "table" (tableCtx .Cfg "removed" .D.Removed)}}
{{- template "table" (tableCtx .Cfg "slower" .D.Slower)}}
{{if .D.Clean}}<p>No changes between the runs.</p>
{{end}}</div>
{{end}}`))

// dataURI reads an image attachment from dir (never outside it) and
// returns it as a data URI; ok is false when dir is empty, the file is
// missing or not an image.
func dataURI(dir, p, mediaType string) (template.URL, bool) {
	if dir == "" || (mediaType != "image/png" && mediaType != "image/jpeg") {
		return "", false
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", false
	}
	defer root.Close()
	data, err := root.ReadFile(filepath.FromSlash(p))
	if err != nil {
		return "", false
	}
	return template.URL("data:" + mediaType + ";base64," + base64.StdEncoding.EncodeToString(data)), true
}
