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
<a href="/accessibility">Accessibility</a>
<a href="/safety">Safety</a>
</nav>
</header>
<main>
<h1>{{.Title}}</h1>
{{template "content" .Data}}
</main>
</body>
</html>
{{end}}

{{define "window"}}<form class="pick" method="get">
<div><label for="n">Runs to show</label>
<input id="n" name="n" type="number" min="1" max="100" value="{{.}}" required></div>
<div><button type="submit">Show</button></div>
</form>{{end}}

{{define "strip"}}<svg class="strip" role="group" aria-label="Outcomes, oldest first" width="{{.Width}}" height="20" viewBox="0 0 {{.Width}} 20">
{{- range .Cells}}<a href="{{.Href}}" aria-label="{{.Title}}"><rect x="{{.X}}" y="0" width="12" height="20" class="{{.Class}}"><title>{{.Title}}</title></rect></a>{{end -}}
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
<td>{{if .Previous}}<a href="/compare?base={{.Previous}}&amp;cand={{.ID}}" aria-label="compare with previous: {{.ID}} with {{.Previous}}">compare with previous</a>{{end}}</td>
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
<svg class="durations" role="group" aria-label="Durations, oldest first" width="{{.Durations.Width}}" height="{{.Durations.Height}}" viewBox="0 0 {{.Durations.Width}} {{.Durations.Height}}">
{{- range .Durations.Bars}}<a href="{{.Href}}" aria-label="{{.Title}}"><rect x="{{.X}}" y="{{.Y}}" width="12" height="{{.H}}" class="{{.Class}}"><title>{{.Title}}</title></rect></a>{{end -}}
</svg>
<h2>Runs</h2>
<table>
<thead><tr><th>Run</th><th>Started</th><th>Status</th><th>Duration</th></tr></thead>
<tbody>
{{range .Points}}<tr><td><a href="{{runURL .RunID}}">{{.RunID}}</a></td><td>{{when .StartedAt}}</td><td class="{{statusClass .Status}}">{{.Status}}</td><td>{{seconds .Duration}}</td></tr>
{{end}}</tbody>
</table>
{{end}}`,

	"accessibility": `{{define "content"}}{{if not .Runs}}<p>No runs recorded yet.</p>
{{else}}<p>The last {{len .Runs}} {{if eq (len .Runs) 1}}run{{else}}runs{{end}}{{if lt (len .Runs) .N}} (every run the store holds){{end}}, newest first. A violation here is one axe-core rule failing on one page, however many checks found it.</p>
{{template "window" .N}}
{{if not .AnyChecks}}<p class="message">No checks in these runs: none of them checked a page for accessibility (a step such as <q>Then the page has no accessibility violations</q>, or the run-wide scan, <code>--a11y pages</code>).</p>
{{else}}<h2>Trend</h2>
<svg class="trend" role="img" aria-label="Accessibility trend of the last {{len .Runs}} runs, oldest first: violations failing their checks, violations accepted by the baseline, pages checked" width="{{.Chart.Width}}" height="{{.Chart.Height}}" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}">
<line class="axis" x1="{{.Chart.Left}}" y1="{{.Chart.Top}}" x2="{{.Chart.Left}}" y2="{{.Chart.Bottom}}"/><line class="axis" x1="{{.Chart.Left}}" y1="{{.Chart.Bottom}}" x2="{{.Chart.Width}}" y2="{{.Chart.Bottom}}"/>
<text x="{{.Chart.Left}}" y="{{.Chart.Top}}" dx="-4" dy="4" text-anchor="end">{{.Chart.Max}}</text><text x="{{.Chart.Left}}" y="{{.Chart.Bottom}}" dx="-4" text-anchor="end">0</text>
{{- range .Chart.Series}}<polyline class="{{.Class}}" points="{{.Points}}"/>{{$c := .Class}}{{range .Dots}}<circle class="{{$c}}" cx="{{.X}}" cy="{{.Y}}" r="3"><title>{{.Title}}</title></circle>{{end}}{{end -}}
</svg>
<ul class="legend"><li><span class="key t-failing"></span>violations failing their checks</li><li><span class="key t-accepted"></span>violations accepted by the baseline</li><li><span class="key t-pages"></span>pages checked</li></ul>
<table>
<caption>Each run, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Started</th><th scope="col">Outcome</th><th scope="col">Checks</th><th scope="col">Pages checked</th><th scope="col">Failing</th><th scope="col">Accepted by the baseline</th></tr></thead>
<tbody>
{{range .Runs}}<tr><td><a href="{{runURL .ID}}">{{.ID}}</a></td><td>{{when .StartedAt}}</td><td class="{{.Class}}">{{.Outcome}}</td><td class="num">{{.Checks}}</td><td class="num">{{.Pages}}</td><td class="num{{if .Failing}} bad{{end}}">{{.Failing}}</td><td class="num">{{.Accepted}}</td></tr>
{{end}}</tbody>
</table>
{{with .Newest}}<h2>Violations in the newest run, <a href="{{runURL .ID}}">{{.ID}}</a></h2>
{{end}}{{if .Rows}}<p>{{.Failing}} failing, {{len .Rows}} in all{{with .Engine}} ({{.}}){{end}}{{with .Baseline}}; baseline <code>{{.}}</code>{{end}}.</p>
<table>
<thead><tr><th scope="col">Rule</th><th scope="col">Impact</th><th scope="col">WCAG</th><th scope="col">Page</th><th scope="col">Elements</th><th scope="col">State</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td>{{if .HelpURL}}<a href="{{.HelpURL}}">{{.Rule}}</a>{{else}}{{.Rule}}{{end}}{{with .Help}}<span class="why">{{.}}</span>{{end}}</td><td>{{.Impact}}</td><td>{{if .Criteria}}{{join .Criteria ", "}}{{else}}best practice{{end}}</td><td><code>{{.Page}}</code>{{range .Scopes}}<span class="why">{{.}}</span>{{end}}</td><td class="num">{{.Elements}}</td>
<td>{{if .Failing}}<span class="bad">fails</span>: {{if .SinceStart}}in every run that checked the page since <a href="{{runURL .Since}}">{{.Since}}</a>, the first of these to check it{{else}}new since <a href="{{runURL .Since}}">{{.Since}}</a>{{end}}{{range .ExpiredEntries}}<span class="why">baseline entry {{.File}}:{{.Line}} expired {{.Expires}}</span>{{end}}
{{- else}}accepted by {{range $i, $b := .AcceptedBy}}{{if $i}}; {{end}}<code>{{$b.File}}:{{$b.Line}}</code> ({{$b.Owner}}, until {{$b.Expires}}): {{$b.Reason}}{{end}}{{end}}</td></tr>
{{end}}</tbody>
</table>
{{else if .Newest.Checks}}<p>The newest run's checks found no violations.</p>
{{else}}<p>The newest run made no accessibility checks.</p>
{{end}}<h2>Baseline entries</h2>
{{if .Expired}}<h3>Expired ({{len .Expired}})</h3>
<p>Past their expiry date: each fails the run until it is renewed or removed.</p>
<table>
<thead><tr><th scope="col">Entry</th><th scope="col">Rule</th><th scope="col">Page</th><th scope="col">Owner</th><th scope="col">Expired</th><th scope="col">Reason</th></tr></thead>
<tbody>
{{range .Expired}}<tr><td><code>{{.File}}:{{.Line}}</code></td><td>{{.Rule}}</td><td>{{with .Page}}<code>{{.}}</code>{{else}}any{{end}}</td><td>{{.Owner}}</td><td>{{.Expires}}</td><td>{{.Reason}}</td></tr>
{{end}}</tbody>
</table>
{{end}}{{if .Fixed}}<h3>Fixed ({{len .Fixed}})</h3>
<p>No violation of the newest run matched them on pages it checked: they can be removed.</p>
<table>
<thead><tr><th scope="col">Entry</th><th scope="col">Rule</th><th scope="col">Page</th><th scope="col">Owner</th><th scope="col">Reason</th></tr></thead>
<tbody>
{{range .Fixed}}<tr><td><code>{{.File}}:{{.Line}}</code></td><td>{{.Rule}}</td><td>{{with .Page}}<code>{{.}}</code>{{else}}any{{end}}</td><td>{{.Owner}}</td><td>{{.Reason}}</td></tr>
{{end}}</tbody>
</table>
{{end}}{{if not (or .Expired .Fixed)}}<p>No expired or fixed baseline entries in the newest run.</p>
{{end}}{{end}}{{end}}{{end}}`,

	"safety": `{{define "content"}}{{if not .Runs}}<p>No runs recorded yet.</p>
{{else}}<p>The controls of the clinical-safety hazard log, verified or not in each of the last {{len .Runs}} {{if eq (len .Runs) 1}}run{{else}}runs{{end}}{{if lt (len .Runs) .N}} (every run the store holds){{end}}, newest first. A control is verified when a scenario verifies it and every scenario that does passed; each run is judged against the hazard log it recorded, as its evidence is.</p>
{{template "window" .N}}
{{if not .LogRun}}<p class="message">No hazard log in these runs: none of them recorded one (their suite had no hazards.yaml, or they ran before runs kept theirs), so there are no controls to show.</p>
{{else}}{{if not .NewestHasLog}}<p class="message">The newest run recorded no hazard log; the controls are those of the log of <a href="{{evidenceURL .LogRun}}">{{.LogRun}}</a>.</p>
{{end}}<p>Controls from <code>{{.LogFile}}</code> as run <a href="{{evidenceURL .LogRun}}">{{.LogRun}}</a> recorded it.</p>
{{if .Unverified}}<h2>Unverified in {{.LogRun}} ({{len .Unverified}})</h2>
<ul>
{{range .Unverified}}<li><strong>{{.Control.ID}}</strong> ({{.HazardID}}): {{.Reason}}</li>
{{end}}</ul>
{{else}}<p class="good">Every control that must be verified by test is verified in {{.LogRun}}.</p>
{{end}}<h2>Controls by run</h2>
<div class="matrix">
<table>
<thead><tr><th scope="col">Control</th><th scope="col">Verified by</th>{{range .Runs}}<th scope="col" class="run"><a href="{{if .HasLog}}{{evidenceURL .ID}}{{else}}{{runURL .ID}}{{end}}">{{.ID}}</a><span class="why">{{when .StartedAt}}</span>{{if .HasLog}}<span class="why">{{.Verified}} of {{.MustVerify}} verified</span>{{else}}<span class="why">no hazard log</span>{{end}}</th>{{end}}</tr></thead>
{{range .Hazards}}<tbody>
<tr><th scope="rowgroup" colspan="{{add 2 (len $.Runs)}}" class="hazard">{{.ID}}: {{.Title}}</th></tr>
{{range .Controls}}<tr><th scope="row">{{.ID}}<span class="why">{{.Description}}</span>{{if not .VerifyByTest}}<span class="why">not required to be verified by test</span>{{end}}</th>
<td>{{range $i, $sc := .Scenarios}}{{if $i}}<br>{{end}}<a href="{{scenarioURL $sc.ID}}">{{if $sc.Name}}{{$sc.Name}}{{else}}{{$sc.ID}}{{end}}</a>{{else}}none{{end}}</td>
{{range .Cells}}<td class="{{.Class}}">{{.Label}}{{if and .Reason (ne .Reason .Label)}}<span class="why">{{.Reason}}</span>{{end}}</td>{{end}}</tr>
{{end}}</tbody>
{{end}}</table>
</div>
{{end}}{{end}}{{end}}`,

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
		"evidenceURL": evidenceURL,
		"join":        strings.Join,
		"add":         func(a, b int) int { return a + b },
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
