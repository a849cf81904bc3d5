package phrasebook

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callHandler calls a phrase's Godog handler as Godog does: ctx, then the
// capture groups of text, then the block when it takes one.
func callHandler(t *testing.T, r *Resolver, text string, block any) (context.Context, []string, error) {
	t.Helper()
	ps := r.Matching(text)
	require.Len(t, ps, 1, text)
	h := reflect.ValueOf(r.Handler(ps[0], BeforeEachStep(func(ctx context.Context, text string) error {
		*logOf(ctx) = append(*logOf(ctx), "before "+text)
		return nil
	})))
	var log []string
	in := []reflect.Value{reflect.ValueOf(context.WithValue(context.Background(), logKey{}, &log))}
	for _, g := range ps[0].Regexp().FindStringSubmatch(text)[1:] {
		in = append(in, reflect.ValueOf(g))
	}
	if block != nil {
		in = append(in, reflect.ValueOf(block))
	}
	require.Equal(t, len(in), h.Type().NumIn(), "the handler's arity")
	out := h.Call(in)
	ctx, _ := out[0].Interface().(context.Context)
	err, _ := out[1].Interface().(error)
	return ctx, log, err
}

func TestHandlerRunsTheStepsInOrderInOneContext(t *testing.T) {
	r := resolver(t, resolveBook)
	ctx, log, err := callHandler(t, r, `I look up 'Z999991' and expect 2 patients`, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"before I am signed in as a clinician", "sign in clinician",
		`before I search for "Z999991"`, "search Z999991 as clinician",
		"before 2 patients are found", "found 2",
	}, log)
	assert.Equal(t, "clinician", ctx.Value(roleKey{}), "the context a step returns is the phrase's")
}

func TestHandlerPassesTheTable(t *testing.T) {
	r := resolver(t, resolveBook)
	table := &godog.Table{Rows: []*messages.PickleTableRow{{}, {}}}
	_, log, err := callHandler(t, r, "a new patient is registered with", table)
	require.NoError(t, err)
	assert.Equal(t, "register 2 rows", log[len(log)-1])
}

func TestHandlerPassesTheDocString(t *testing.T) {
	r := resolver(t, "phrases:\n  - phrase: I note\n    steps: ['I write the note:']\n")
	_, log, err := callHandler(t, r, "I note", &godog.DocString{Content: "Seen on the ward"})
	require.NoError(t, err)
	assert.Equal(t, "note Seen on the ward", log[len(log)-1])
}

// A failing step says which step of which phrase, and keeps its cause.
func TestHandlerWrapsTheFailure(t *testing.T) {
	r := resolver(t, resolveBook)
	_, log, err := callHandler(t, r, `the following patients are found: "Nobody"`, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, errNotFound), "errors.Is sees the cause")
	assert.Equal(t, `"the search results include \"Nobody\"" (pb.yaml:7): expected "Nobody": not in the results`, err.Error())
	assert.Equal(t, "includes Nobody", log[len(log)-1])

	r = resolver(t, resolveBook+`  - phrase: all is well for {string}
    steps: ['the following patients are found: "{1}"', 'that I''m logged in']
`)
	_, log, err = callHandler(t, r, `all is well for "Nobody"`, nil)
	require.Error(t, err)
	assert.Equal(t, `"the search results include \"Nobody\"" (pb.yaml:7, via pb.yaml:16): expected "Nobody": not in the results`, err.Error())
	assert.NotContains(t, log, "sign in clinician", "the phrase stops at the failing step")
}

func TestHandlerReportsACycle(t *testing.T) {
	r := resolver(t, "phrases:\n  - phrase: A\n    steps: [B]\n  - phrase: B\n    steps: [A]\n")
	_, _, err := callHandler(t, r, "A", nil)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, Cycle, e.Kind)
}

func TestConvert(t *testing.T) {
	v, err := convert("12", reflect.TypeOf(int64(0)))
	require.NoError(t, err)
	assert.Equal(t, int64(12), v.Interface())
	v, err = convert("1.5", reflect.TypeOf(float64(0)))
	require.NoError(t, err)
	assert.Equal(t, 1.5, v.Interface())
	_, err = convert("x", reflect.TypeOf(0))
	assert.ErrorContains(t, err, `cannot convert "x" to int`)
	v, err = convert("ab", reflect.TypeOf([]byte(nil)))
	require.NoError(t, err)
	assert.Equal(t, []byte("ab"), v.Interface())
}

// Register gives Godog a handler of the right shape for every phrase.
func TestRegisterWithGodog(t *testing.T) {
	r := resolver(t, resolveBook)
	status := godog.TestSuite{
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
				var log []string
				return context.WithValue(ctx, logKey{}, &log), nil
			})
			for _, d := range fakeDefs() {
				sc.Step(d.Pattern, d.Handler)
			}
			r.Register(sc)
		},
		Options: &godog.Options{Format: "progress", Output: nilWriter{}, Strict: true, Paths: []string{"testdata/team.feature"}},
	}.Run()
	assert.Equal(t, 0, status)
}

type nilWriter struct{}

func (nilWriter) Write(p []byte) (int, error) { return len(p), nil }

// Scenarios run in parallel: one handler serves them all, each with its
// own ctx (run under -race).
func TestHandlerIsSafeForConcurrentUse(t *testing.T) {
	r := resolver(t, resolveBook)
	p := r.Matching(`I look up "x" and expect 1 patient`)[0]
	h := r.Handler(p).(func(context.Context, string, string, string) (context.Context, error))
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			var log []string
			ctx := context.WithValue(context.Background(), logKey{}, &log)
			q := fmt.Sprintf("999000%04d", i)
			_, err := h(ctx, q, "", "1")
			if err == nil && (len(log) != 3 || log[1] != "search "+q+" as clinician") {
				err = fmt.Errorf("scenario %d logged %v", i, log)
			}
			errs <- err
		}()
	}
	for range 8 {
		assert.NoError(t, <-errs)
	}
}
