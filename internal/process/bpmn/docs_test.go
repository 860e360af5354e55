package bpmn

import (
	"os"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
)

// TestDocsExample parses the worked example of docs/bpmn.md, so that the documentation cannot
// drift from what Parse accepts.
func TestDocsExample(t *testing.T) {
	md, err := os.ReadFile("../../../docs/bpmn.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(md), "```xml\n")
	example, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed {
		t.Fatal("docs/bpmn.md has no xml example")
	}
	d, err := Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Main()
	if got := firstWaits(p); !equalKinds(got, map[string]Kind{"Activity_Greet": KindServiceTask}) {
		t.Errorf("first waits = %v", got)
	}
	call := p.Elements["Activity_Call"]
	if len(call.Boundaries) != 1 || call.User.Assignee.Groups[0] != "sales" || len(call.User.Form) != 2 || call.User.Due != "PT4H" {
		t.Errorf("call = %+v %+v", call, call.User)
	}
	if unwrapFEEL(p.Flows["Flow_Qualified"].Condition) != "score >= 50" || p.Elements["Event_Answer"].Message.Variable != "answer" {
		t.Error("condition or message wait misread")
	}
	if len(d.Diagram.Shapes) != len(p.Elements) || len(d.Diagram.Edges) != len(p.Flows) {
		t.Errorf("DI has %d shapes and %d edges", len(d.Diagram.Shapes), len(d.Diagram.Edges))
	}
	vars := map[string]any{"customerName": "", "answer": "", "score": 0, "lead": map[string]any{}, "interested": false, "note": ""}
	err = p.CheckExpressions(func(x Expression) error {
		env := vars
		if x.Use == UseOutput {
			env = map[string]any{"item": map[string]any{}}
		}
		_, err := expr.Compile(x.Source, expr.Env(withFEEL(env)))
		return err
	})
	if err != nil {
		t.Error(err)
	}
}
