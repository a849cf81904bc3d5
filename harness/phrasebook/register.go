package phrasebook

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
)

// RegisterOption configures Register.
type RegisterOption func(*registerOptions)

type registerOptions struct {
	before func(ctx context.Context, text string) error
}

// BeforeEachStep calls f before each catalogue step a phrase runs, with
// the step's text, as Godog's step hooks are called for the phrase step
// itself (the runner makes a persona's window current there). An error
// fails the phrase step.
func BeforeEachStep(f func(ctx context.Context, text string) error) RegisterOption {
	return func(o *registerOptions) { o.before = f }
}

var (
	contextType = reflect.TypeOf((*context.Context)(nil)).Elem()
	errorType   = reflect.TypeOf((*error)(nil)).Elem()
	stringType  = reflect.TypeOf("")
)

// Register registers every phrase with Godog: the phrase's regular
// expression, and a handler taking ctx, one string per capture group and,
// when one of its steps takes one, the *godog.Table or *godog.DocString.
// The handler expands the phrase with the step's values and runs each
// catalogue step's handler in order in the same ctx (a handler's returned
// ctx is passed to the next). A failing step stops the phrase with its
// error wrapped as `"step text" (file:line): ...` (the phrase's step that
// led to it), so errors.Is and errors.As still see the cause.
func (r *Resolver) Register(sc *godog.ScenarioContext, opts ...RegisterOption) {
	for _, p := range r.book.Phrases {
		sc.Step(p.re, r.Handler(p, opts...))
	}
}

// Handler is the Godog step handler of phrase p (see Register).
func (r *Resolver) Handler(p *Phrase, opts ...RegisterOption) any {
	var o registerOptions
	for _, opt := range opts {
		opt(&o)
	}
	groups := p.re.NumSubexp()
	in := []reflect.Type{contextType}
	for range groups {
		in = append(in, stringType)
	}
	block, _ := r.Takes(p)
	if block != nil {
		in = append(in, block)
	}
	ft := reflect.FuncOf(in, []reflect.Type{contextType, errorType}, false)
	fn := reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		ctx := args[0].Interface().(context.Context)
		gs := make([]string, groups)
		for i := range gs {
			gs[i] = args[1+i].String()
		}
		var blockArg reflect.Value
		if block != nil {
			blockArg = args[len(args)-1]
		}
		ctx, err := r.run(ctx, p, values(p.Params, gs), blockArg, o)
		errV := reflect.Zero(errorType)
		if err != nil {
			errV = reflect.ValueOf(&err).Elem()
		}
		return []reflect.Value{reflect.ValueOf(&ctx).Elem(), errV}
	})
	return fn.Interface()
}

// run expands p and calls each step's handler.
func (r *Resolver) run(ctx context.Context, p *Phrase, vals []string, block reflect.Value, o registerOptions) (context.Context, error) {
	expanded, err := r.expandPhrase(p, vals, nil)
	if err != nil {
		return ctx, fmt.Errorf("phrase %q (%s): %w", p.Source(), p.At(), err)
	}
	for _, st := range expanded {
		if o.before != nil {
			if err := o.before(ctx, st.Text); err != nil {
				return ctx, wrapStep(st, err)
			}
		}
		next, err := call(ctx, st, block)
		if next != nil {
			ctx = next
		}
		if err != nil {
			return ctx, wrapStep(st, err)
		}
	}
	return ctx, nil
}

// wrapStep says which step of which phrase failed, keeping err.
func wrapStep(st Step, err error) error {
	if len(st.Via) == 0 {
		return fmt.Errorf("%q: %w", st.Text, err)
	}
	at := make([]string, len(st.Via))
	for i, l := range st.Via {
		at[len(st.Via)-1-i] = l.At() // innermost first
	}
	where := at[0]
	if len(at) > 1 {
		where += ", via " + strings.Join(at[1:], ", ")
	}
	return fmt.Errorf("%q (%s): %w", st.Text, where, err)
}

// call calls a catalogue step's handler as Godog would: ctx first when it
// takes one, each capture group converted to the parameter's type, and
// the table or doc string last when the step takes one.
func call(ctx context.Context, st Step, block reflect.Value) (context.Context, error) {
	h := reflect.ValueOf(st.Def.Handler)
	t := h.Type()
	var in []reflect.Value
	i := 0
	if t.NumIn() > 0 && t.In(0) == contextType {
		in = append(in, reflect.ValueOf(ctx))
		i = 1
	}
	arg := 0
	for ; i < t.NumIn(); i++ {
		pt := t.In(i)
		if pt == tableType || pt == docStringType {
			if !st.Block || !block.IsValid() || block.IsNil() {
				return ctx, fmt.Errorf("the step needs a data table or doc string, and the phrase step has none")
			}
			if block.Type() != pt {
				return ctx, fmt.Errorf("the step needs a %s, and the phrase step has a %s", blockName(pt), blockName(block.Type()))
			}
			in = append(in, block)
			continue
		}
		if arg >= len(st.Args) {
			return ctx, fmt.Errorf("the step's handler takes more arguments than its pattern has groups")
		}
		v, err := convert(st.Args[arg], pt)
		if err != nil {
			return ctx, fmt.Errorf("argument %d: %w", arg+1, err)
		}
		in = append(in, v)
		arg++
	}
	out := h.Call(in)
	switch len(out) {
	case 0:
		return ctx, nil
	case 1:
		switch v := out[0].Interface().(type) {
		case nil:
			return ctx, nil
		case context.Context:
			return v, nil
		case error:
			return ctx, v
		case godog.Steps:
			return ctx, fmt.Errorf("the step returns godog.Steps, which a phrase cannot run: list the steps in the phrasebook instead")
		}
		return ctx, nil
	default:
		next, _ := out[0].Interface().(context.Context)
		err, _ := out[1].Interface().(error)
		if next == nil {
			next = ctx
		}
		return next, err
	}
}

func blockName(t reflect.Type) string {
	if t == tableType {
		return "data table"
	}
	return "doc string"
}

// convert turns a capture group into a handler parameter, as Godog does.
func convert(s string, t reflect.Type) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return v, fmt.Errorf("cannot convert %q to %s: %w", s, t, err)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return v, fmt.Errorf("cannot convert %q to %s: %w", s, t, err)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return v, fmt.Errorf("cannot convert %q to %s: %w", s, t, err)
		}
		v.SetFloat(f)
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 {
			return v, fmt.Errorf("parameter type %s is not supported", t)
		}
		v.SetBytes([]byte(s))
	default:
		return v, fmt.Errorf("parameter type %s is not supported", t)
	}
	return v, nil
}
