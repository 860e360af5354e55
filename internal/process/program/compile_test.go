package program

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/parleychat/parley/internal/process/bpmn"
	"github.com/parleychat/parley/internal/value"
)

// parse reads a one-process diagram drawn from body, failing t when it does not parse.
func parse(t *testing.T, body string) *bpmn.Process {
	t.Helper()
	d, err := bpmn.Parse([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="start"/>` + body + `<bpmn:endEvent id="end"/></bpmn:process>
</bpmn:definitions>`))
	if err != nil {
		t.Fatalf("the diagram does not parse: %v", err)
	}
	return d.Main()
}

func script(id, variable, expression string) string {
	return `<bpmn:scriptTask id="` + id + `"><bpmn:extensionElements><parley:script><parley:assign variable="` + variable +
		`" expression="` + expression + `"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>`
}

func flow(id, from, to string) string {
	return `<bpmn:sequenceFlow id="` + id + `" sourceRef="` + from + `" targetRef="` + to + `"/>`
}

var integer = value.Type{Kind: value.KindInteger}

func TestCompiledScriptRunsOverTheVariables(t *testing.T) {
	p := parse(t, script("calc", "n", "n * 2")+flow("f1", "start", "calc")+flow("f2", "calc", "end"))
	prog, err := Compile(p, map[string]value.Type{"n": integer})
	if err != nil {
		t.Fatalf("a well-typed script is refused: %v", err)
	}
	as := prog.Assigns("calc")
	if len(as) != 1 || as[0].Variable != "n" || as[0].Type != integer {
		t.Fatalf("the script compiles to %+v; want one assignment to the integer n", as)
	}
	out, err := expr.Run(as[0].Prog, map[string]any{"n": 21})
	if err != nil || out != 42 {
		t.Fatalf("n * 2 with n = 21 gives %v, %v; want 42", out, err)
	}
}

func TestCompileNamesEveryProblemWithItsElement(t *testing.T) {
	p := parse(t, script("a", "missing", "1")+script("b", "n", "'text'")+`<bpmn:exclusiveGateway id="g"/>`+
		flow("f1", "start", "a")+flow("f2", "a", "b")+flow("f3", "b", "g")+
		`<bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="end"><bpmn:conditionExpression>n + 1</bpmn:conditionExpression></bpmn:sequenceFlow>`)
	_, err := Compile(p, map[string]value.Type{"n": integer})
	if err == nil {
		t.Fatal("a diagram with three faults compiles")
	}
	for _, want := range []string{`unknown variable "missing"`, "cannot be assigned to n", "f4"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}

func TestCallMappingsMustFitTheCalledVariables(t *testing.T) {
	caller := parse(t, `<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/><zeebe:ioMapping>`+
		`<zeebe:input source="=n" target="count"/><zeebe:input source="=n" target="nothing"/></zeebe:ioMapping></bpmn:extensionElements></bpmn:callActivity>`+
		flow("f1", "start", "call")+flow("f2", "call", "end"))
	parent, err := Compile(caller, map[string]value.Type{"n": integer})
	if err != nil {
		t.Fatalf("the caller is refused: %v", err)
	}
	child, err := Compile(parse(t, flow("f1", "start", "end")), map[string]value.Type{"count": integer})
	if err != nil {
		t.Fatalf("the callee is refused: %v", err)
	}
	_, err = CompileCall(parent, caller, caller.Elements["call"], child, "child")
	if err == nil || !strings.Contains(err.Error(), `process 'child' has no variable "nothing"`) {
		t.Fatalf("a mapping to an undeclared variable of the callee gives %v", err)
	}
}
