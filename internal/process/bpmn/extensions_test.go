package bpmn

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
)

func ext(tag, id, content string) string {
	return `<bpmn:` + tag + ` id="` + id + `"><bpmn:extensionElements>` + content + `</bpmn:extensionElements></bpmn:` + tag + `>`
}

func TestParleyTask(t *testing.T) {
	p := mustParse(t, doc(around("T", ext("serviceTask", "T", `
<parley:task type="livechat.reply" retries="5">
  <parley:input name="text" value="Hello {{customer.name}}"/>
  <parley:input name="delay" expression="2 * 60"/>
  <parley:output variable="sent" expression="result.id"/>
</parley:task>`))))
	want := &ServiceTask{Type: TypeReply, Retries: 5,
		Inputs:  []Input{{Name: "text", Value: "Hello {{customer.name}}"}, {Name: "delay", Expression: "2 * 60"}},
		Outputs: []Output{{Variable: "sent", Expression: "result.id"}}}
	if got := p.Elements["T"].Service; !reflect.DeepEqual(got, want) || got.External() {
		t.Errorf("service = %+v, want %+v", got, want)
	}
}

func TestParleyTaskProblems(t *testing.T) {
	tests := []struct{ content, phrase string }{
		{`<parley:task type="livechat.reply"/>`, `needs the input "text"`},
		{`<parley:task type="http"><parley:input name="method" value="GET"/></parley:task>`, `needs the input "url"`},
		{`<parley:task/>`, "parley:task on T has no type"},
		{`<parley:task type="x" retries="many"/>`, "retries=\"many\" must be a whole number"},
		{`<parley:task type="x"><parley:input name="a" value="{{ a + }}"/></parley:task>`, "the input a"},
		{`<parley:task type="x"><parley:input name="a" value="{{ a"/></parley:task>`, "not closed"},
		{`<parley:task type="x"><parley:input name="a" value="1" expression="1"/></parley:task>`, "both value and expression"},
		{`<parley:task type="x"><parley:input value="1"/></parley:task>`, "has no name"},
		{`<parley:task type="x"><parley:output variable="not ok" expression="1"/></parley:task>`, "must name a variable"},
		{`<parley:task type="x"><parley:header/></parley:task>`, "may only contain parley:input and parley:output"},
		{`<parley:tsk type="x"/>`, "the extension element parley:tsk is not allowed on serviceTask (T)"},
		{`<parley:assignee user="a"/>`, "parley:assignee is not allowed on serviceTask"},
		{`<zeebe:taskDefinition type="=kind"/>`, "is an expression"},
	}
	for _, tt := range tests {
		wantProblem(t, doc(around("T", ext("serviceTask", "T", tt.content))), "T", tt.phrase)
	}
}

func TestZeebeAndCamundaServiceTask(t *testing.T) {
	p := mustParse(t, doc(around("T", ext("serviceTask", "T", `
<zeebe:taskDefinition type="crm-sync" retries="2"/>
<zeebe:ioMapping><zeebe:input source="=lead.email" target="email"/><zeebe:input source="static" target="mode"/>
  <zeebe:output source="=result.score" target="score"/></zeebe:ioMapping>
<zeebe:taskHeaders><zeebe:header key="region" value="eu"/></zeebe:taskHeaders>`))))
	want := &ServiceTask{Type: "crm-sync", Retries: 2,
		Inputs:  []Input{{Name: "email", Expression: feelPrefix + `"lead.email")`}, {Name: "mode", Expression: `"static"`}},
		Outputs: []Output{{Variable: "score", Expression: feelPrefix + `"result.score")`}},
		Headers: map[string]string{"region": "eu"}}
	if got := p.Elements["T"].Service; !reflect.DeepEqual(got, want) || !got.External() {
		t.Errorf("service = %+v, want %+v", got, want)
	}
	p = mustParse(t, doc(around("T", `<bpmn:serviceTask id="T" camunda:type="external" camunda:topic="invoice"/>`)))
	if got := p.Elements["T"].Service.Type; got != "invoice" {
		t.Errorf("camunda topic type = %q", got)
	}
	wantProblem(t, doc(around("T", `<bpmn:serviceTask id="T" camunda:class="com.acme.Thing"/>`)), "T", "camunda:class (Java code")
	wantProblem(t, doc(around("T", `<bpmn:serviceTask id="T"/>`)), "T", "serviceTask (T) has no task type")
}

func TestUserTaskAssignment(t *testing.T) {
	tests := []struct {
		element string
		want    Assignee
	}{
		{ext("userTask", "T", `<parley:assignee user="ann" group="sales, support"/>`), Assignee{User: "ann", Groups: []string{"sales", "support"}}},
		{ext("userTask", "T", `<parley:assignee sessionOperator="true"/>`), Assignee{SessionOperator: true}},
		{ext("userTask", "T", `<parley:assignee userVariable="reviewer"/>`), Assignee{UserVariable: "reviewer"}},
		{ext("userTask", "T", `<zeebe:assignmentDefinition assignee="=boss" candidateGroups="a,b"/>`), Assignee{UserVariable: "boss", Groups: []string{"a", "b"}}},
		{ext("userTask", "T", `<zeebe:assignmentDefinition assignee="demo"/>`), Assignee{User: "demo"}},
		{`<bpmn:userTask id="T" camunda:assignee="${reviewer}" camunda:candidateGroups="management"/>`, Assignee{UserVariable: "reviewer", Groups: []string{"management"}}},
		{ext("userTask", "T", `<parley:assignee user="p"/><zeebe:assignmentDefinition assignee="z"/>`), Assignee{User: "p"}},
		{`<bpmn:userTask id="T"/>`, Assignee{}},
		{ext("userTask", "T", `<zeebe:assignmentDefinition assignee="=&quot;kermit_&quot; + string(loopCounter)"/>`),
			Assignee{Expression: feelPrefix + `"\"kermit_\" + string(loopCounter)")`, ExpressionRaw: `="kermit_" + string(loopCounter)`}},
		{`<bpmn:userTask id="T" camunda:assignee="${team}-#{n + 1}.lead"/>`,
			Assignee{Expression: `string(team) + "-" + string(n + 1) + ".lead"`, ExpressionRaw: "${team}-#{n + 1}.lead"}},
	}
	for _, tt := range tests {
		p := mustParse(t, doc(around("T", tt.element)))
		if got := p.Elements["T"].User.Assignee; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: assignee = %+v, want %+v", tt.element, got, tt.want)
		}
	}
}

func TestUserTaskAssignmentProblems(t *testing.T) {
	tests := []struct{ element, phrase string }{
		{ext("userTask", "T", `<parley:assignee user="a" sessionOperator="true"/>`), "more than one of user, userVariable and sessionOperator"},
		{ext("userTask", "T", `<zeebe:assignmentDefinition assignee="=&quot;kermit_&quot; +"/>`), `zeebe:assignmentDefinition assignee "=\"kermit_\" +" on T cannot be read`},
		{`<bpmn:userTask id="T" camunda:assignee="kermit_${loopCounter"/>`, `camunda:assignee "kermit_${loopCounter" on T cannot be read: the ${ at "${loopCounter" is not closed with }`},
		{`<bpmn:userTask id="T" camunda:assignee="kermit_${pick(a)}"/>`, "function call pick(...) is not supported"},
		{ext("userTask", "T", `<zeebe:assignmentDefinition candidateGroups="=[&quot;a&quot;]"/>`), "are an expression"},
		{ext("userTask", "T", `<zeebe:assignmentDefinition candidateUsers="a,b"/>`), "candidateUsers on T is not supported"},
		{`<bpmn:userTask id="T" camunda:candidateUsers="a"/>`, "camunda:candidateUsers on T is not supported"},
		{ext("userTask", "T", `<parley:due duration="1 hour"/>`), "parley:due on T cannot be read"},
		{ext("userTask", "T", `<parley:form><parley:input/></parley:form>`), "may only contain parley:field"},
	}
	for _, tt := range tests {
		wantProblem(t, doc(around("T", tt.element)), "T", tt.phrase)
	}
}

func TestUserTaskFormAndDue(t *testing.T) {
	p := mustParse(t, doc(around("T", ext("userTask", "T", `<zeebe:formDefinition formKey="ignored"/>
<parley:form><parley:field variable="approved" label="Approve?" required="true"/><parley:field variable="note"/></parley:form>
<parley:due duration="PT1H"/>`))))
	u := p.Elements["T"].User
	want := []FormField{{Variable: "approved", Label: "Approve?", Required: true}, {Variable: "note"}}
	if !reflect.DeepEqual(u.Form, want) {
		t.Errorf("form = %+v", u.Form)
	}
	created := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	if due, ok := u.DueAt(created); !ok || !due.Equal(created.Add(time.Hour)) {
		t.Errorf("due = %s %v", due, ok)
	}
	if _, ok := (&UserTask{}).DueAt(created); ok {
		t.Error("a task without parley:due has no due time")
	}
}

func TestScriptTask(t *testing.T) {
	p := mustParse(t, doc(around("T", ext("scriptTask", "T", `<parley:script>
<parley:assign variable="total" expression="price * qty"/><parley:assign variable="big" expression="=total &gt; 100"/></parley:script>`))))
	want := []Assignment{{Variable: "total", Expression: "price * qty", ExpressionRaw: "price * qty"},
		{Variable: "big", Expression: feelPrefix + `"total > 100")`, ExpressionRaw: "=total > 100"}}
	if got := p.Elements["T"].Script.Assignments; !reflect.DeepEqual(got, want) {
		t.Errorf("assignments = %+v", got)
	}
	p = mustParse(t, doc(around("T", ext("scriptTask", "T", `<zeebe:script expression="=true" resultVariable="breakfastPrepared"/>`))))
	if got := p.Elements["T"].Script.Assignments; len(got) != 1 || got[0].Variable != "breakfastPrepared" || unwrapFEEL(got[0].Expression) != "true" {
		t.Errorf("zeebe script = %+v", got)
	}
}

func TestScriptTaskProblems(t *testing.T) {
	tests := []struct{ element, phrase string }{
		{`<bpmn:scriptTask id="T"/>`, "scriptTask (T) has no script"},
		{`<bpmn:scriptTask id="T" scriptFormat="javascript"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>`, "scriptFormat javascript"},
		{ext("scriptTask", "T", `<parley:script><parley:assign variable="x" expression="1 +"/></parley:script>`), "not a valid expression"},
		{ext("scriptTask", "T", `<parley:script><parley:assign variable="" expression="1"/></parley:script>`), "must name a variable"},
		{ext("scriptTask", "T", `<parley:script><parley:set variable="x" expression="1"/></parley:script>`), "may only contain parley:assign"},
		{ext("scriptTask", "T", `<zeebe:script expression="=count(x" resultVariable="n"/>`), `expected ","`},
	}
	for _, tt := range tests {
		wantProblem(t, doc(around("T", tt.element)), "T", tt.phrase)
	}
}

func TestMessageWait(t *testing.T) {
	p := mustParse(t, doc(around("M", `<bpmn:intermediateCatchEvent id="M"><bpmn:extensionElements><parley:message variable="reply"/></bpmn:extensionElements>
<bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>`)))
	m := p.Elements["M"]
	if m.Kind != KindMessageCatch || *m.Message != (MessageWait{Variable: "reply"}) {
		t.Errorf("message wait = %+v", m.Message)
	}
	wantProblem(t, doc(around("M", `<bpmn:intermediateCatchEvent id="M"><bpmn:extensionElements><parley:message variable="a b"/></bpmn:extensionElements>
<bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>`)), "M", "must name a variable")
}

func TestCorrelationKeyProblems(t *testing.T) {
	body := around("M", `<bpmn:intermediateCatchEvent id="M"><bpmn:messageEventDefinition messageRef="Msg"/></bpmn:intermediateCatchEvent>`)
	data := strings.Replace(string(doc(body)), "</bpmn:definitions>", `<bpmn:message id="Msg" name="order">
<bpmn:extensionElements><zeebe:subscription correlationKey="=order[1"/></bpmn:extensionElements></bpmn:message></bpmn:definitions>`, 1)
	wantProblem(t, []byte(data), "M", "correlation key")
}

// TestCheckExpressions shows the hook the engine uses to type-check against declared variables.
func TestCheckExpressions(t *testing.T) {
	p := mustParse(t, doc(`<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/><bpmn:exclusiveGateway id="G" default="d"/>
<bpmn:sequenceFlow id="s" sourceRef="S" targetRef="G"/>
<bpmn:sequenceFlow id="c" sourceRef="G" targetRef="R"><bpmn:conditionExpression>=price &gt;= 0</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="d" sourceRef="G" targetRef="E"/><bpmn:sequenceFlow id="r" sourceRef="R" targetRef="E"/>`+
		ext("serviceTask", "R", `<parley:task type="livechat.reply"><parley:input name="text" value="Price {{ price }} for {{ nme }}"/></parley:task>`)))
	got := p.Expressions()
	want := []Expression{{Element: "c", Use: UseCondition, Source: feelPrefix + `"price >= 0")`},
		{Element: "R", Use: UseTemplate, Name: "text", Source: "price"}, {Element: "R", Use: UseTemplate, Name: "text", Source: "nme"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("expressions = %+v", got)
	}
	env := map[string]any{"price": 0.0, "name": ""}
	err := p.CheckExpressions(func(x Expression) error {
		opts := []expr.Option{expr.Env(withFEEL(env))}
		if x.Use == UseCondition {
			opts = append(opts, expr.AsBool())
		}
		_, err := expr.Compile(x.Source, opts...)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `R: the template expression "nme" of R does not compile`) {
		t.Errorf("CheckExpressions = %v", err)
	}
	if p.CheckExpressions(func(Expression) error { return nil }) != nil {
		t.Error("no failures must give nil")
	}
	if err := p.CheckExpressions(func(Expression) error { return errors.New("x") }); err == nil {
		t.Error("failures must give an error")
	}
}

func TestIgnoredAndForeignExtensions(t *testing.T) {
	p := mustParse(t, doc(around("T", ext("task", "T", `<zeebe:properties><zeebe:property name="a" value="b"/></zeebe:properties>
<camunda:properties/><other:thing xmlns:other="urn:other-tool"/>`))))
	if p.Elements["T"].Kind != KindTask {
		t.Errorf("kind = %s", p.Elements["T"].Kind)
	}
}
