package bpmn

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
)

// doc wraps process content in a definitions element that declares every namespace Parse
// reads, as Camunda Modeler does, with one executable process P.
func doc(body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:parley="https://parley.dev/schema/bpmn/1"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D">
  <bpmn:process id="P" isExecutable="true">` + body + `</bpmn:process>
</bpmn:definitions>`)
}

// around puts an element between a start and an end event: S → id → E.
func around(id, element string) string {
	return `<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>
<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="` + id + `"/>
<bpmn:sequenceFlow id="f2" sourceRef="` + id + `" targetRef="E"/>` + element
}

func mustParse(t *testing.T, data []byte) *Process {
	t.Helper()
	d, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d.Main()
}

// problemsOf returns the problems of a Parse error, failing when there is none.
func problemsOf(t *testing.T, data []byte) []errs.Problem {
	t.Helper()
	_, err := Parse(data)
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		t.Fatalf("want an invalid error, got %v", err)
	}
	ps, _ := e.Details["problems"].([]errs.Problem)
	return ps
}

// wantProblem checks that Parse reports a problem on field whose message contains phrase.
func wantProblem(t *testing.T, data []byte, field, phrase string) {
	t.Helper()
	ps := problemsOf(t, data)
	for _, p := range ps {
		if p.Field == field && strings.Contains(p.Message, phrase) {
			return
		}
	}
	t.Errorf("no problem on %s containing %q; got %v", field, phrase, ps)
}
