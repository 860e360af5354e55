package bpmn

import (
	"regexp"
	"strings"
)

// The kinds of BPMN errors. An error is a business outcome a model draws a path for ("the
// customer is unknown"), not a technical failure: failures are retried and become incidents.
const (
	KindEndError      Kind = "endError"      // error end event: throws its error; uncaught, it becomes an incident
	KindBoundaryError Kind = "boundaryError" // error boundary event on a service task: catches by code, or any
)

// ErrorEvent is the error an error end event throws or an error boundary event catches.
type ErrorEvent struct {
	// Ref is the id of the bpmn:error referred to; empty on a catch-all boundary event.
	Ref string
	// Code is the errorCode of that bpmn:error. A boundary event with no code catches every
	// error thrown at its task, as in Camunda 8; a thrown error always has one.
	Code string
	// Name is the bpmn:error's name, for messages.
	Name string
}

// Catches reports whether a boundary event with this definition catches an error of code.
func (e *ErrorEvent) Catches(code string) bool { return e.Code == "" || e.Code == code }

// errorEnd reads an error end event: it must name a bpmn:error with a code, since that code is
// what a boundary event or an incident matches and reports.
func (pb *processBuilder) errorEnd(def *node, e *Element) {
	e.Kind = KindEndError
	e.Error = pb.errorRef(def, e)
	if e.Error.Code == "" {
		pb.problem(e.ID, "the error end event %s needs an error with an error code (errorRef to a bpmn:error with errorCode)", e.ID)
	}
}

// errorBoundary reads an error boundary event. Errors always interrupt their activity
// (BPMN 2.0 §10.5.3), so a non-interrupting one is a mistake in the model.
func (pb *processBuilder) errorBoundary(def *node, e *Element) {
	e.Kind = KindBoundaryError
	e.Error = pb.errorRef(def, e)
	if !e.Interrupting {
		pb.problem(e.ID, "the error boundary event %s has cancelActivity=\"false\"; an error always interrupts its activity", e.ID)
	}
}

// errorRef resolves an errorEventDefinition's errorRef. A code written as an expression is
// refused: Parley matches codes when the version is published, not per instance.
func (pb *processBuilder) errorRef(def *node, e *Element) *ErrorEvent {
	ev := &ErrorEvent{Ref: strings.TrimSpace(def.attr("", "errorRef"))}
	if ev.Ref == "" {
		return ev
	}
	n := pb.errors[ev.Ref]
	if n == nil {
		pb.problem(e.ID, "%s (%s) refers to error %s, which is not defined", e.Tag, e.ID, ev.Ref)
		return ev
	}
	ev.Code, ev.Name = strings.TrimSpace(n.attr("", "errorCode")), n.attr("", "name")
	if strings.HasPrefix(ev.Code, "=") || strings.HasPrefix(ev.Code, "${") {
		pb.problem(e.ID, "the error %s used by %s (%s) has the code %q; expressions in error codes are not supported, write a fixed code",
			ev.Ref, e.Tag, e.ID, ev.Code)
	}
	return ev
}

// HTTPErrorPrefix starts the inputs of an http task that turn an answer's status into a BPMN
// error: error.404 = "not_found" throws not_found on a 404, error.5xx on any 5xx status.
const HTTPErrorPrefix = "error."

var httpErrorKey = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]xx)$`)

// checkHTTPErrors checks the error inputs of an http task: the key must be a status or a class
// of statuses, and the code fixed text, since it is matched against boundary events.
func (pb *processBuilder) checkHTTPErrors(e *Element) {
	for _, in := range e.Service.Inputs {
		key, ok := strings.CutPrefix(in.Name, HTTPErrorPrefix)
		switch {
		case !ok || e.Service.External():
			// An outside worker's inputs are its own business.
		case e.Service.Type != TypeHTTP:
			pb.problem(e.ID, "serviceTask (%s) has the input %q, but only http tasks map statuses to errors", e.ID, in.Name)
		case !httpErrorKey.MatchString(key):
			pb.problem(e.ID, "the input %q of serviceTask (%s) must name a status such as error.404 or a class such as error.5xx", in.Name, e.ID)
		case in.Expression != "" || strings.Contains(in.Value, "{{") || strings.TrimSpace(in.Value) == "":
			pb.problem(e.ID, "the input %q of serviceTask (%s) must be a fixed error code (value=\"not_found\")", in.Name, e.ID)
		}
	}
}
