package bpmn

import "strings"

// IOMapping is an element's zeebe:ioMapping: inputs are evaluated when a token enters the
// element and become its local variables, seen by the element's own expressions and shadowing
// process variables of the same name; outputs are evaluated when it completes, over the process
// variables and the locals, and written to process variables.
type IOMapping struct {
	Inputs  []Mapping
	Outputs []Mapping
}

// Mapping is one zeebe:input or zeebe:output: Source is the expression (already translated,
// see Translate), SourceRaw as written, Target the variable it fills.
type Mapping struct {
	Target    string
	Source    string
	SourceRaw string
}

// ioMapping reads a zeebe:ioMapping on an element other than a service task (whose inputs and
// outputs are also its job's, see zeebeIOMapping). Gateways have no mappings in Zeebe, and an
// end event has no completion after which outputs could be written.
func (pb *processBuilder) ioMapping(x *node, e *Element) {
	if strings.HasSuffix(e.Tag, "Gateway") {
		pb.unsupported(e.ID, "zeebe:ioMapping on %s (%s) is not supported", e.Tag, e.ID)
		return
	}
	if e.IO == nil {
		e.IO = &IOMapping{}
	}
	for i := range x.Children {
		y := &x.Children[i]
		m, ok := pb.mapping(y)
		switch {
		case !ok:
		case y.is(nsZeebe, "input"):
			e.IO.Inputs = append(e.IO.Inputs, m)
		case y.is(nsZeebe, "output") && e.Tag == "endEvent":
			pb.problem(e.ID, "zeebe:output on endEvent (%s) is not supported: an end event has no completion to write outputs after", e.ID)
		case y.is(nsZeebe, "output"):
			e.IO.Outputs = append(e.IO.Outputs, m)
		}
	}
}

// mapping reads one zeebe:input or zeebe:output; ok is false after a problem was reported.
func (pb *processBuilder) mapping(y *node) (Mapping, bool) {
	raw, target := y.attr("", "source"), strings.TrimSpace(y.attr("", "target"))
	if !isIdentifier(target) {
		pb.problem(pb.current, "%s target %q on %s must be a variable name (letters, digits and _)", y.tag(), target, pb.current)
		return Mapping{}, false
	}
	src, err := feelOrStatic(raw)
	if err != nil {
		pb.problem(pb.current, "%s source %q on %s cannot be used: %v", y.tag(), raw, pb.current, err)
		return Mapping{}, false
	}
	return Mapping{Target: target, Source: src, SourceRaw: raw}, true
}

// ioLocals records a service task's zeebe:input targets as its locals too, so that its
// outputs can read them as Zeebe's do.
func (pb *processBuilder) ioLocals(e *Element, in Input, raw string) {
	if !isIdentifier(in.Name) || in.Expression == "" {
		return
	}
	if e.IO == nil {
		e.IO = &IOMapping{}
	}
	e.IO.Inputs = append(e.IO.Inputs, Mapping{Target: in.Name, Source: in.Expression, SourceRaw: raw})
}
