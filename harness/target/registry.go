package target

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Options are what an adapter factory is given: the settings of the run
// that concern the adapter. A factory uses what it needs and ignores the
// rest.
type Options struct {
	// ScreenMap is the path of a declarative adapter's screen map.
	ScreenMap string
}

// Factory builds an adapter. A bad setting (an unreadable or invalid
// screen map) is an error that names its file and line; the harness
// reports it with exit 2 before any browser or backend starts.
type Factory func(Options) (EPR, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register makes an adapter available by name, for the `adapter` setting.
// Adapter packages call it from init; it panics when the name is taken, as
// database/sql.Register does, since that is a programming error.
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if f == nil {
		panic("target: Register factory is nil for " + name)
	}
	if _, dup := registry[name]; dup {
		panic("target: Register called twice for adapter " + name)
	}
	registry[name] = f
}

// New builds the adapter registered under name.
func New(name string, o Options) (EPR, error) {
	registryMu.RLock()
	f, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown adapter %q; registered adapters are %s", name, strings.Join(Names(), ", "))
	}
	return f(o)
}

// Names lists the registered adapters, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Binder is implemented by adapters that bind only some actions, such as
// the declarative adapter, whose screen map may leave actions out. Action
// names are ActionName of the EPR interface's method names.
// `eprharness check` uses it to report, before any browser starts, each
// step whose actions the adapter does not bind.
type Binder interface {
	// Binds reports whether the adapter can perform the action.
	Binds(action string) bool
	// Source names where bindings are written ("examples/x/screens.yaml"),
	// for messages.
	Source() string
}

// ActionName turns a method name of EPR into its action name, the
// kebab-case used in screen maps and in step definitions' Uses:
// "SearchByNHSNumber" gives "search-by-nhs-number", "SignIn" "sign-in".
func ActionName(method string) string {
	var b strings.Builder
	rs := []rune(method)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]))
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			prevUpper := i > 0 && unicode.IsUpper(rs[i-1])
			if i > 0 && (prevLower || (prevUpper && nextLower)) {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Actions lists the action names of every EPR method, sorted: what a
// screen map may bind.
func Actions() []string {
	ty := reflect.TypeOf((*EPR)(nil)).Elem()
	out := make([]string, 0, ty.NumMethod())
	for i := range ty.NumMethod() {
		if m := ty.Method(i).Name; m != "Name" {
			out = append(out, ActionName(m))
		}
	}
	sort.Strings(out)
	return out
}
