package dashboard

import (
	"html/template"
	"strings"
)

// css styles every dashboard page. No external resources.
const css = `body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#212b32;margin:0;line-height:1.4}
header{background:#005eb8;color:#fff;padding:.6em 1.5em;display:flex;gap:2em;align-items:baseline}
header a{color:#fff}header .app{font-weight:bold;font-size:1.1em;margin:0}
header nav a{margin-right:1.2em}
main{padding:0 1.5em 2em;max-width:80em}
table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #d8dde0;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f4f5}
.good{color:#007f3b;font-weight:bold}.bad{color:#d5281b;font-weight:bold}.warn{color:#8a5300;font-weight:bold}
.s-passed{fill:#007f3b}.s-failed{fill:#d5281b}.s-flaky{fill:#ffb81c}.s-skipped{fill:#aeb7bd}
td.s-passed{color:#007f3b}td.s-failed{color:#d5281b}td.s-flaky{color:#8a5300}
form.pick{display:flex;gap:1em;align-items:end;flex-wrap:wrap;margin:1em 0;padding:.8em;background:#f0f4f5}
form.pick label{display:block;font-weight:bold}
dl.stats{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dl.stats dt{font-weight:bold}dl.stats dd{margin:0}
.message{padding:.6em;border-left:.4em solid #d5281b;background:#fff6f5}
pre{white-space:pre-wrap}
code,.id{font-family:monospace}`

const layout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.App}}</title>
<style>
{{css}}
{{.ExtraCSS}}
</style>
</head>
<body>
<header>
<p class="app"><a href="/">{{.App}}</a></p>
<nav aria-label="Dashboard">
<a href="/">Runs</a>
<a href="/compare">Compare</a>
<a href="/unstable">Unstable</a>
</nav>
</header>
<main>
<h1>{{.Title}}</h1>
{{template "content" .Data}}
</main>
</body>
</html>
{{end}}

{{define "strip"}}<svg class="strip" role="img" aria-label="Outcomes, oldest first" width="{{.Width}}" height="20" viewBox="0 0 {{.Width}} 20">
{{- range .Cells}}<a href="{{.Href}}"><rect x="{{.X}}" y="0" width="12" height="20" class="{{.Class}}"><title>{{.Title}}</title></rect></a>{{end -}}
</svg>{{end}}`

var pageTemplates = map[string]string{
	"error": `{{define "content"}}<p class="message">{{.Message}}</p>
{{with .Detail}}<pre>{{.}}</pre>
{{end}}<p><a href="/">Back to the runs</a></p>
{{end}}`,

	"runs": `{{define "content"}}{{if .}}<table>
<thead><tr><th>Started</th><th>Run</th><th>Target</th><th>Commit</th><th>Scenarios</th><th>Outcome</th><th></th></tr></thead>
<tbody>
{{range .}}<tr>
<td>{{when .StartedAt}}</td>
<td><a href="{{runURL .ID}}">{{.ID}}</a></td>
<td>{{.Target.Describe}}{{with .Target.Version}} · version {{.}}{{end}}</td>
<td><code>{{short .Commit}}</code></td>
<td>{{.Counts.Scenarios}}: {{.Counts.Passed}} passed, {{.Counts.Failed}} failed{{if .Counts.Flaky}}, {{.Counts.Flaky}} flaky{{end}}{{if .Counts.Skipped}}, {{.Counts.Skipped}} skipped{{end}}{{if .Counts.Other}}, {{.Counts.Other}} other{{end}}{{if .Counts.Interrupted}}, {{.Counts.Interrupted}} interrupted{{end}}{{if .Counts.NotRun}}, {{.Counts.NotRun}} not run{{end}}</td>
<td class="{{.Class}}">{{.Outcome}}</td>
<td>{{if .Previous}}<a href="/compare?base={{.Previous}}&amp;cand={{.ID}}" aria-label="Compare {{.ID}} with {{.Previous}}">compare with previous</a>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
<p>The outcome is the run's exit code: quarantined scenarios never count; flaky ones count only for runs with <code>--fail-on-flaky</code>.</p>
{{else}}<p>No runs recorded yet. Runs appear here once <code>eprharness run</code> records to this store.</p>
{{end}}{{end}}`,

	"compare": `{{define "content"}}<form class="pick" method="get" action="/compare">
<div><label for="base">Baseline run</label>
<select id="base" name="base">{{range .Choices}}<option value="{{.Value}}"{{if eq .Value $.Base}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div><label for="cand">Candidate run</label>
<select id="cand" name="cand">{{range .Choices}}<option value="{{.Value}}"{{if eq .Value $.Cand}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div><button type="submit">Compare</button></div>
</form>
{{with .Message}}<p class="message">{{.}}</p>
{{end}}{{with .Diff}}{{.}}
<p>Also as <a href="?base={{$.Base}}&amp;cand={{$.Cand}}&amp;format=markdown">Markdown</a>, <a href="?base={{$.Base}}&amp;cand={{$.Cand}}&amp;format=json">JSON</a>, <a href="?base={{$.Base}}&amp;cand={{$.Cand}}&amp;format=text">text</a>.</p>
{{end}}{{end}}`,

	"scenario": `{{define "content"}}<p><span class="id">{{.ID}}</span>{{with .Feature}} · feature: {{.}}{{end}}{{range .Tags}} <code>{{.}}</code>{{end}}</p>
<dl class="stats">
<dt>Runs</dt><dd>{{.Runs}} (the last {{.Runs}} that ran it)</dd>
<dt>Flake rate</dt><dd>{{.FlakeRate}} ({{.Flaky}} flaky: failed, then passed on a retry)</dd>
<dt>Failure rate</dt><dd>{{.FailRate}} ({{.Failed}} failed)</dd>
<dt>Passed</dt><dd>{{.Passed}}{{if .Skipped}}, {{.Skipped}} skipped{{end}}</dd>
<dt>Flips</dt><dd>{{.Flips}} {{if eq .Flips 1}}change{{else}}changes{{end}} between pass and fail</dd>
</dl>
<h2>Outcomes</h2>
{{template "strip" .Strip}}
<h2>Durations</h2>
<p>Longest {{.Durations.Max}}.</p>
<svg class="durations" role="img" aria-label="Durations, oldest first" width="{{.Durations.Width}}" height="{{.Durations.Height}}" viewBox="0 0 {{.Durations.Width}} {{.Durations.Height}}">
{{- range .Durations.Bars}}<a href="{{.Href}}"><rect x="{{.X}}" y="{{.Y}}" width="12" height="{{.H}}" class="{{.Class}}"><title>{{.Title}}</title></rect></a>{{end -}}
</svg>
<h2>Runs</h2>
<table>
<thead><tr><th>Run</th><th>Started</th><th>Status</th><th>Duration</th></tr></thead>
<tbody>
{{range .Points}}<tr><td><a href="{{runURL .RunID}}">{{.RunID}}</a></td><td>{{when .StartedAt}}</td><td class="{{statusClass .Status}}">{{.Status}}</td><td>{{seconds .Duration}}</td></tr>
{{end}}</tbody>
</table>
{{end}}`,

	"unstable": `{{define "content"}}<p>Scenarios that failed at least twice with a pass in between in their last {{.Window}} runs (a flaky run counts as a failure followed by a pass), newest first.</p>
{{if .Rows}}<table>
<thead><tr><th>Scenario</th><th>Runs</th><th>Failures</th><th>Flips</th><th>Outcomes, oldest first</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td><a href="{{scenarioURL .ScenarioID}}">{{if .Name}}{{.Name}}{{else}}{{.ScenarioID}}{{end}}</a><br><span class="id">{{.ScenarioID}}</span></td><td>{{.Runs}}</td><td>{{.Failures}}</td><td>{{.Flips}}</td><td>{{template "strip" .Strip}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p>No unstable scenarios.</p>
{{end}}{{end}}`,
}

// pages holds each page's template set: the layout plus the page.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"css":         func() template.CSS { return template.CSS(css) },
		"when":        when,
		"runURL":      runURL,
		"scenarioURL": scenarioURL,
		"statusClass": statusClass,
		"seconds":     seconds,
		"short": func(c string) string {
			if len(c) > 7 {
				return c[:7]
			}
			return c
		},
	}
	base := template.Must(template.New("layout").Funcs(funcs).Parse(layout))
	out := map[string]*template.Template{}
	for name, src := range pageTemplates {
		out[name] = template.Must(template.Must(base.Clone()).Parse(strings.TrimSpace(src)))
	}
	return out
}()
