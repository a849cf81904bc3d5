package html

import (
	_ "embed"
	"html/template"
	"regexp"
)

var (
	//go:embed report.html.tmpl
	pageText string
	//go:embed report.css
	css string
	//go:embed report.js
	script string
)

// page is the report's template; the CSS and script are inlined so the file
// needs nothing else.
var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"css":    func() template.CSS { return template.CSS(css) },
	"script": func() template.JS { return template.JS(script) },
}).Parse(pageText))

// ansi matches terminal colour and cursor codes.
var ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]")
