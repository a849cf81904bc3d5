package evidence

import (
	_ "embed"
	"html/template"
)

var (
	//go:embed evidence.html.tmpl
	pageText string
	//go:embed evidence.css
	css string
)

// page is the appendix's template; the CSS is inlined so the file needs
// nothing else, and there is no script.
var page = template.Must(template.New("evidence").Funcs(template.FuncMap{
	"css": func() template.CSS { return template.CSS(css) },
}).Parse(pageText))
