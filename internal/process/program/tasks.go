package program

import (
	"net/http"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/value"
)

// resultEnv is what the outputs of each built-in task type see besides the variables.
var resultEnv = map[string]map[string]any{
	bpmn.TypeHTTP:       {"status": 0, "body": map[string]any(nil), "headers": map[string]string(nil)},
	bpmn.TypeCreateItem: {"item": ""},
	bpmn.TypeUpdateItem: {"item": ""},
}

// compileService compiles a service task's inputs and outputs and checks the settings its
// type needs that can be checked without the database.
func (c *Program) compileService(list *errs.List, e *bpmn.Element) {
	for _, in := range e.Service.Inputs {
		if ip, ok := c.input(list, e, in); ok {
			c.inputs[e.ID] = append(c.inputs[e.ID], ip)
		}
	}
	env, opts := c.outputEnv(e)
	c.result[e.ID] = env
	for _, o := range e.Service.Outputs {
		if ap, ok := c.assignment(list, e.ID, o.Variable, "", o.Expression, env, opts...); ok {
			c.outputs[e.ID] = append(c.outputs[e.ID], ap)
		}
	}
	switch e.Service.Type {
	case bpmn.TypeHTTP:
		c.checkHTTP(list, e)
	case bpmn.TypeAssign:
		if !HasInput(e, "operator") {
			list.Add(e.ID, "serviceTask %s of type livechat.assign needs the input \"operator\" (a user variable, or a login)", e.ID)
		}
	}
}

// outputEnv is the environment of a task's outputs: the variables and the task's result. An
// outside worker's result is whatever it sends, so names there are checked when it completes.
func (c *Program) outputEnv(e *bpmn.Element) (map[string]any, []expr.Option) {
	env := make(map[string]any, len(c.zero)+3)
	for k, v := range c.zero {
		env[k] = v
	}
	for k, v := range resultEnv[e.Service.Type] {
		env[k] = v
	}
	addLocals(env, e)
	if e.Service.External() {
		return env, []expr.Option{expr.AllowUndefinedVariables()}
	}
	return env, nil
}

func (c *Program) input(list *errs.List, e *bpmn.Element, in bpmn.Input) (Input, bool) {
	ip := Input{Name: in.Name}
	if in.Expression != "" {
		prog, err := c.compile(in.Expression, c.zero)
		if err != nil {
			list.Add(e.ID, "the input %q of %s does not compile: %s", in.Name, e.ID, firstLine(err))
			return ip, false
		}
		ip.Prog = prog
		return ip, true
	}
	t, err := c.compileTemplate(in.Value, c.zero)
	if err != nil {
		list.Add(e.ID, "the input %q of %s: %v", in.Name, e.ID, err)
		return ip, false
	}
	if len(t.Progs) == 0 {
		ip.Plain = in.Value
	} else {
		ip.Template = t
	}
	return ip, true
}

// HasInput reports whether service task e has the input called name.
func HasInput(e *bpmn.Element, name string) bool {
	for _, in := range e.Service.Inputs {
		if in.Name == name {
			return true
		}
	}
	return false
}

// checkHTTP checks an http task's method, which must be fixed, and its input names.
func (c *Program) checkHTTP(list *errs.List, e *bpmn.Element) {
	for _, in := range e.Service.Inputs {
		switch {
		case in.Name == "method":
			m := strings.ToUpper(in.Value)
			if in.Expression != "" || !validMethod(m) {
				list.Add(e.ID, "the method of http task %s must be one of GET, POST, PUT, PATCH, DELETE, written as a fixed value", e.ID)
			}
		case in.Name == "url", in.Name == "body", strings.HasPrefix(in.Name, "header."), strings.HasPrefix(in.Name, bpmn.HTTPErrorPrefix):
		default:
			list.Add(e.ID, "http task %s has the unknown input %q; use method, url, body, header.<Name> and error.<status>", e.ID, in.Name)
		}
	}
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// StaticType returns the declared type of an input that is one bare variable name, which is
// how a field ← variable mapping is written; ok is false for any other input.
func (c *Program) StaticType(in bpmn.Input) (value.Type, bool) {
	name := strings.TrimSpace(in.Expression)
	if name == "" {
		return value.Type{}, false
	}
	t, ok := c.types[name]
	return t, ok
}
