package process

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/value"
)

// incidentOf starts a process and returns the message of its one incident.
func (e *env) incidentOf(code string, inputs map[string]value.Value) string {
	e.t.Helper()
	inst := e.instance(e.start(code, inputs, "").ID)
	if inst.State != StateIncident || len(inst.Incidents) != 1 {
		e.t.Fatalf("state %s, incidents %+v", inst.State, inst.Incidents)
	}
	return inst.Incidents[0].Error
}

// wantPlain fails when an incident speaks Go instead of the process's words.
func wantPlain(t *testing.T, msg string) {
	t.Helper()
	for _, internal := range []string{"interface", "<nil>", "nil,", "reflect", "(1:"} {
		if strings.Contains(msg, internal) {
			t.Errorf("incident %q shows the runtime's internals (%q)", msg, internal)
		}
	}
}

// TestIncidentsSayWhatFailedAndWhere makes expressions fail at run time in a script task, a
// gateway condition and a correlation key: each incident names the element as drawn, the
// expression as written and the variable that had no value, with its kind, in words.
func TestIncidentsSayWhatFailedAndWhere(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		vars := []Variable{variable("a", "integer"), variable("b", "integer"), variable("total", "integer"), variable("s", "string")}
		total := `<bpmn:scriptTask id="Task_1" name="Compute total"><bpmn:extensionElements><parley:script><parley:assign variable="total" expression="a + b"/></parley:script></bpmn:extensionElements></bpmn:scriptTask>`
		e.deploy("total", diagram(total+end+chain("start", "Task_1", "end")), vars...)
		two := map[string]value.Value{"b": v(typ("integer"), "2")}
		got := e.incidentOf("total", two)
		if want := "script task 'Compute total' (Task_1): the value of total: the expression `a + b` needs a number for `a`, got nothing"; got != want {
			t.Errorf("script:\n got %s\nwant %s", got, want)
		}
		if got := e.incidentOf("total", nil); !strings.Contains(got, "needs a number for `a` and `b`, got nothing") {
			t.Errorf("two unset: %s", got)
		}

		e.deploy("upper", diagram(script("Up", "s", "upper(s)")+end+chain("start", "Up", "end")), vars...)
		got = e.incidentOf("upper", nil)
		wantPlain(t, got)
		if !strings.HasPrefix(got, "script task Up: ") || !strings.Contains(got, "needs text for `s`") {
			t.Errorf("function on an unset value: %s", got)
		}

		e.deploy("modulo", diagram(script("Mod", "total", "a % b")+end+chain("start", "Mod", "end")), vars...)
		got = e.incidentOf("modulo", map[string]value.Value{"a": v(typ("integer"), "7"), "b": v(typ("integer"), "0")})
		wantPlain(t, got)
		if !strings.Contains(got, "the expression `a % b` failed: it divides by zero") {
			t.Errorf("divide by zero: %s", got)
		}

		say := `<bpmn:serviceTask id="Say" name="Say hi"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="Hello {{ upper(s) }}"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>`
		e.deploy("say", diagram(say+end+chain("start", "Say", "end")), vars...)
		inst := e.instance(e.start("say", nil, "ses_1").ID)
		if len(inst.Incidents) != 1 || !strings.HasPrefix(inst.Incidents[0].Error, "service task 'Say hi' (Say): ") ||
			!strings.HasSuffix(inst.Incidents[0].Error, "a placeholder of the input text: the expression `upper(s)` needs text for `s`, got nothing") {
			t.Errorf("placeholder: %+v", inst.Incidents)
		}

		e.deployReplyWait()
		got = e.incidentOf("reply", nil)
		wantPlain(t, got)
		if !strings.HasPrefix(got, "intermediate catch event wait: the correlation key cannot be computed: ") || !strings.Contains(got, "ticket") {
			t.Errorf("correlation key: %s", got)
		}

		gw := `<bpmn:exclusiveGateway id="Gw" name="Big order?" default="f_Gw_end"/><bpmn:endEvent id="big"/>` + end +
			chain("start", "Gw", "end") + cond("f_big", "Gw", "big", "a &gt; 100")
		e.deploy("gateway", diagram(gw), vars...)
		got = e.incidentOf("gateway", nil)
		if want := "exclusive gateway 'Big order?' (Gw): the condition of sequence flow f_big cannot be evaluated: the expression `a > 100` needs a number for `a`, got nothing"; got != want {
			t.Errorf("gateway:\n got %s\nwant %s", got, want)
		}
	})
}

// TestRuntimeErrorsInWords rewrites the runtime's messages that name Go types.
func TestRuntimeErrorsInWords(t *testing.T) {
	for in, want := range map[string]string{
		"interface conversion: interface {} is string, not int (1:3)": "it needs a whole number and got text",
		"invalid operation: string + float64 (1:3)":                   "text cannot be combined with a number by +",
		"runtime error: integer divide by zero (1:3)":                 "it divides by zero",
		"runtime error: index out of range [5] with length 2 (1:2)":   "it reads past the end of a text or list",
		"unknown name x (1:1)":                                        "unknown name x",
	} {
		if got := plainRuntimeError(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
