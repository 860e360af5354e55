package program

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm"
	"github.com/parleychat/parley/internal/feel"
	"github.com/parleychat/parley/internal/process/bpmn"
)

// compileFEEL compiles an expression that came from FEEL: the FEEL source is parsed once, here,
// and the expr-lang program only calls it, so that a version's programs stay *vm.Program
// whatever the dialect. The options say what the caller expects: a condition (AsBool) reads a
// null result as false, as FEEL conditions do; a strict environment (the default) refuses the
// names that are neither declared variables nor bound by the expression itself.
func (c *Program) compileFEEL(wrapped, src string, env map[string]any, opts ...expr.Option) (*vm.Program, error) {
	x, err := feel.Parse(src)
	if err != nil {
		return nil, err
	}
	cfg := conf.CreateNew()
	cfg.Strict = true
	for _, o := range opts {
		o(cfg)
	}
	if cfg.Strict {
		var unknown []string
		for _, name := range x.Names() {
			if _, ok := env[name]; !ok {
				unknown = append(unknown, fmt.Sprintf("%q", name))
			}
		}
		if len(unknown) > 0 {
			return nil, fmt.Errorf("unknown variable %s; declare it in the process's variables", strings.Join(unknown, ", "))
		}
	}
	condition := cfg.Expect == reflect.Bool
	typ := x.Type()
	if condition && typ != "" && typ != "boolean" {
		return nil, fmt.Errorf("it gives a %s; a condition must give true or false", typ)
	}
	run := func(params ...any) (any, error) {
		vars, _ := params[0].(map[string]any)
		v, err := x.Eval(vars)
		if err != nil {
			return nil, fmt.Errorf("FEEL: %w", err)
		}
		if condition {
			return v == true, nil
		}
		return feel.ToGo(v), nil
	}
	fn := expr.Function(bpmn.FEELFunction, run)
	if t, ok := feelGoTypes[typ]; ok && !condition {
		// Declaring the result's type lets publish check it against the variable it fills.
		proto := reflect.FuncOf([]reflect.Type{reflect.TypeOf(env), reflect.TypeOf("")}, []reflect.Type{t}, false)
		fn = expr.Function(bpmn.FEELFunction, run, reflect.New(proto).Interface())
	}
	all := append([]expr.Option{expr.Env(env), expr.MaxNodes(maxNodes), fn}, opts...)
	// The source stays in the program (as its second, unused argument) for messages.
	return expr.Compile(wrapped, all...)
}

// Source returns an expression as people wrote it, to quote it when it fails: FEEL with its
// leading =, expr-lang as it is.
func Source(prog *vm.Program) string {
	src := prog.Source().String()
	if f, ok := bpmn.FEELSource(src); ok {
		return "=" + f
	}
	return src
}

// feelGoTypes are the Go types of the FEEL results whose type publish can check. Numbers are
// left out: FEEL has no integers, and a whole number fills an integer variable.
var feelGoTypes = map[string]reflect.Type{
	"boolean":       reflect.TypeOf(true),
	"string":        reflect.TypeOf(""),
	"list":          reflect.TypeOf([]any{}),
	"date and time": timeType,
	"date":          timeType,
}
