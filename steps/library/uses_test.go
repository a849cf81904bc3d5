package library

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eprharness/eprharness/harness/target"
)

// modulePath is this module's import path; moduleRoot is its folder seen
// from this package's tests.
const (
	modulePath = "github.com/eprharness/eprharness"
	moduleRoot = "../.."
)

// Every step's Uses is exactly the set of target.EPR methods its handler
// may call on s.EPR, read from the handler's source: its own calls and
// those of the functions and methods of its package it calls or refers to,
// transitively (closures included). A call in one branch counts: Uses is
// what the step may need the adapter to bind. So `eprharness check` can
// rely on Uses to say which steps an adapter cannot run. (That Uses names
// real actions, once each, is catalogue.Lint's, in TestStepDefinitions.)
//
// The analysis refuses what it cannot follow rather than guess: a handler
// that is not a named function of its package, s.EPR used other than as
// s.EPR.Method (passed on, assigned), s.EPR outside a function, and a step
// package importing another step package.
func TestUsesMatchesTheHandlersCalls(t *testing.T) {
	methods := eprMethods()
	pkgs := map[string]*usesPackage{}
	var msgs []string
	for _, d := range Domains() {
		for _, def := range d.Defs {
			at := fmt.Sprintf("%s: %q", d.Name, def.Pattern)
			pkgPath, name, err := handlerName(def.Handler)
			if err != nil {
				msgs = append(msgs, fmt.Sprintf("%s: %v", at, err))
				continue
			}
			p, ok := pkgs[pkgPath]
			if !ok {
				p, err = parseUsesPackage(pkgPath, methods)
				require.NoError(t, err)
				pkgs[pkgPath] = p
				msgs = append(msgs, p.problems...)
			}
			fn := p.funcs[name]
			if fn == nil {
				msgs = append(msgs, fmt.Sprintf("%s: handler %s.%s is not a function declared in %s", at, pkgPath, name, p.dir))
				continue
			}
			calls := p.actions(fn)
			declared := sortedSet(def.Uses)
			if !slices.Equal(declared, calls) {
				msgs = append(msgs, fmt.Sprintf("%s: Uses is %s but the handler %s (%s) may call %s; write\n\t\tUses: %s,",
					at, list(declared), name, p.fset.Position(fn.Pos()), list(calls), literal(calls)))
			}
		}
	}
	if len(msgs) > 0 {
		t.Errorf("Def.Uses out of step with the handlers (%d):\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
}

// The step packages' own helpers (package steps) call no adapter action:
// the analysis above does not follow calls into them.
func TestSharedStepHelpersUseNoActions(t *testing.T) {
	p, err := parseUsesPackage(modulePath+"/steps", eprMethods())
	require.NoError(t, err)
	assert.Empty(t, p.problems)
	for _, fn := range p.funcs {
		assert.Empty(t, p.direct[fn], "steps.%s calls the adapter", fn.Name.Name)
	}
}

// The analysis itself: direct calls, helpers, methods, method values,
// closures and cycles; and what it refuses.
func TestUsesAnalysis(t *testing.T) {
	dir := t.TempDir()
	src := `package x

func direct(s *S) error { return s.EPR.SearchByNHSNumber(s.UI, "1") }
func viaHelper(s *S) error { return helper(s) }
func helper(s *S) error { if s.ok { return s.EPR.OpenRecord(s.UI, p) }; return (&st{}).m(s) }
func (st *st) m(s *S) error { return s.EPR.ExpectBanner(s.UI, "name", "x") }
func value(s *S) error { f := func() any { return s.EPR.Cancel }; _ = f; return nil }
func cyclic(s *S) error { return cyclic2(s) }
func cyclic2(s *S) error { _ = cyclic; return s.EPR.SignOut(s.UI) }
func passed(s *S) error { return use(s.EPR) }
func none() error { return nil }
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644))
	p, err := parseDir(dir, eprMethods())
	require.NoError(t, err)
	got := map[string][]string{}
	for name, fn := range p.funcs {
		got[name] = p.actions(fn)
	}
	assert.Equal(t, []string{"search-by-nhs-number"}, got["direct"])
	assert.Equal(t, []string{"expect-banner", "open-record"}, got["viaHelper"])
	assert.Equal(t, []string{"cancel"}, got["value"])
	assert.Equal(t, []string{"sign-out"}, got["cyclic"])
	assert.Empty(t, got["none"])
	require.Len(t, p.problems, 1)
	assert.Contains(t, p.problems[0], "x.go:10:")
	assert.Contains(t, p.problems[0], "s.EPR is used other than as s.EPR.Method")

	_, name, err := handlerName(func() {})
	assert.Error(t, err, name)
}

// usesPackage is one parsed step package.
type usesPackage struct {
	dir     string
	fset    *token.FileSet
	funcs   map[string]*ast.FuncDecl   // package-level functions by name
	methods map[string][]*ast.FuncDecl // methods by name, any receiver
	direct  map[*ast.FuncDecl][]string // actions each function calls itself
	refs    map[*ast.FuncDecl][]*ast.FuncDecl
	imports []importAt
	// problems are uses of s.EPR the analysis cannot follow.
	problems []string
}

// actions returns the sorted actions fn may call, itself or through the
// functions it refers to.
func (p *usesPackage) actions(fn *ast.FuncDecl) []string {
	seen := map[*ast.FuncDecl]bool{}
	set := map[string]bool{}
	var walk func(*ast.FuncDecl)
	walk = func(f *ast.FuncDecl) {
		if seen[f] {
			return
		}
		seen[f] = true
		for _, a := range p.direct[f] {
			set[a] = true
		}
		for _, g := range p.refs[f] {
			walk(g)
		}
	}
	walk(fn)
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func parseUsesPackage(pkgPath string, methods []string) (*usesPackage, error) {
	rel, ok := strings.CutPrefix(pkgPath, modulePath)
	if !ok {
		return nil, fmt.Errorf("package %s is not in module %s", pkgPath, modulePath)
	}
	p, err := parseDir(filepath.Join(moduleRoot, filepath.FromSlash(rel)), methods)
	if err != nil {
		return nil, err
	}
	if pkgPath != modulePath+"/steps" {
		for _, imp := range p.imports {
			if strings.HasPrefix(imp.path, modulePath+"/steps/") {
				p.problems = append(p.problems, fmt.Sprintf("%s: imports the step package %s: Uses analysis does not follow calls into other step packages; share the helper through package steps or the adapter", imp.at, imp.path))
			}
		}
	}
	return p, nil
}

type importAt struct{ path, at string }

func parseDir(dir string, methods []string) (*usesPackage, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	p := &usesPackage{
		dir: dir, fset: token.NewFileSet(),
		funcs: map[string]*ast.FuncDecl{}, methods: map[string][]*ast.FuncDecl{},
		direct: map[*ast.FuncDecl][]string{}, refs: map[*ast.FuncDecl][]*ast.FuncDecl{},
	}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(p.fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		parsed = append(parsed, af)
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			p.imports = append(p.imports, importAt{path, p.fset.Position(imp.Pos()).String()})
		}
		for _, d := range af.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				if fn.Recv == nil {
					p.funcs[fn.Name.Name] = fn
				} else {
					p.methods[fn.Name.Name] = append(p.methods[fn.Name.Name], fn)
				}
			}
		}
	}
	for _, af := range parsed {
		for _, d := range af.Decls {
			fn, _ := d.(*ast.FuncDecl)
			p.inspect(d, fn, methods)
		}
	}
	return p, nil
}

// inspect records what decl (fn when it is a function) calls: adapter
// actions as X.EPR.Method, and the package's functions and methods it
// names. s.EPR anywhere else is a problem.
func (p *usesPackage) inspect(decl ast.Decl, fn *ast.FuncDecl, methods []string) {
	var stack []ast.Node
	ast.Inspect(decl, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		var parent ast.Node
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if inner, ok := n.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "EPR" && fn != nil {
				a := target.ActionName(n.Sel.Name)
				if !slices.Contains(methods, a) {
					p.problems = append(p.problems, fmt.Sprintf("%s: %s is not a method of target.EPR", p.fset.Position(n.Pos()), n.Sel.Name))
				} else if !slices.Contains(p.direct[fn], a) {
					p.direct[fn] = append(p.direct[fn], a)
				}
			}
			if n.Sel.Name == "EPR" {
				if outer, ok := parent.(*ast.SelectorExpr); !ok || outer.X != n || fn == nil {
					p.problems = append(p.problems, fmt.Sprintf("%s: s.EPR is used other than as s.EPR.Method inside a function; the Uses analysis cannot follow it", p.fset.Position(n.Pos())))
				}
			}
			if fn != nil {
				for _, m := range p.methods[n.Sel.Name] {
					p.refs[fn] = append(p.refs[fn], m)
				}
			}
		case *ast.Ident:
			if fn == nil || n == fn.Name {
				break
			}
			if sel, ok := parent.(*ast.SelectorExpr); ok && sel.Sel == n {
				break // a field or method: handled above
			}
			if g := p.funcs[n.Name]; g != nil {
				p.refs[fn] = append(p.refs[fn], g)
			}
		}
		return true
	})
}

// handlerName returns the package path and name of a handler that is a
// package-level function.
func handlerName(h any) (pkgPath, name string, err error) {
	v := reflect.ValueOf(h)
	if v.Kind() != reflect.Func {
		return "", "", fmt.Errorf("handler is a %T, not a function", h)
	}
	full := runtime.FuncForPC(v.Pointer()).Name()
	slash := strings.LastIndex(full, "/")
	dot := strings.Index(full[slash+1:], ".")
	if dot < 0 {
		return "", "", fmt.Errorf("handler %s: cannot tell its package", full)
	}
	pkgPath, name = full[:slash+1+dot], full[slash+1+dot+1:]
	if strings.ContainsAny(name, ".()") {
		return pkgPath, name, fmt.Errorf("handler %s is not a package-level function (a closure or method value): name it, so the Uses analysis can read it", full)
	}
	return pkgPath, name, nil
}

// eprMethods lists target.EPR's actions.
func eprMethods() []string { return target.Actions() }

func sortedSet(vs []string) []string {
	set := map[string]bool{}
	for _, v := range vs {
		set[v] = true
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func list(vs []string) string {
	if len(vs) == 0 {
		return "(none)"
	}
	return strings.Join(vs, ", ")
}

// literal writes vs as the Go for Uses.
func literal(vs []string) string {
	if len(vs) == 0 {
		return "nil"
	}
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}
