package httpapi_test

import (
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// TestMessagePublishTTLAndID publishes over HTTP: a message with a ttl that no instance waits
// for is kept, a repeat of its message_id says it is a duplicate, and a ttl that is not an
// ISO 8601 duration of at most a week is refused naming the field.
func TestMessagePublishTTLAndID(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		msg := map[string]any{"name": "ping", "correlation_key": "k", "ttl": "PT1H", "message_id": "m-1"}
		var res struct{ Delivered, Buffered, Duplicate any }
		env.MustDo("POST", "/api/v1/messages", env.Admin, msg, 200, &res)
		if res.Delivered != 0.0 || res.Buffered != true || res.Duplicate != false {
			t.Fatalf("first publish: %+v", res)
		}
		env.MustDo("POST", "/api/v1/messages", env.Admin, msg, 200, &res)
		if res.Delivered != 0.0 || res.Buffered != false || res.Duplicate != true {
			t.Fatalf("repeat: %+v", res)
		}
		for _, ttl := range []string{"an hour", "P8D"} {
			wantError(t, env.Do("POST", "/api/v1/messages", env.Admin,
				map[string]any{"name": "ping", "correlation_key": "k", "ttl": ttl}), 422, "ttl")
		}
	})
}

// boundaryDiagram waits at a person's task that the message "withdrawn", keyed by the
// instance's ticket, interrupts.
const boundaryDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="review"/>
<bpmn:boundaryEvent id="withdrawn" attachedToRef="review"><bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent>
<bpmn:endEvent id="done"/><bpmn:endEvent id="dropped"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done"/>
<bpmn:sequenceFlow id="f3" sourceRef="withdrawn" targetRef="dropped"/>
</bpmn:process>
<bpmn:message id="m" name="withdrawn"><bpmn:extensionElements><zeebe:subscription correlationKey="=ticket"/></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>`

// TestMessageInterruptsTask publishes over HTTP to a message boundary event: the task is
// cancelled and the instance leaves by the boundary.
func TestMessageInterruptsTask(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "withdraw", "name": "Withdraw", "scope": "global",
			"variables": []any{map[string]any{"name": "ticket", "type": "string"}}, "bpmn": boundaryDiagram}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/withdraw/publish", env.Admin, nil, 201, nil)
		var inst struct{ ID string }
		env.MustDo("POST", "/api/v1/processes/withdraw/instances", env.Admin, map[string]any{"inputs": map[string]any{"ticket": "T-9"}}, 201, &inst)
		var res struct{ Delivered any }
		env.MustDo("POST", "/api/v1/messages", env.Admin, map[string]any{"name": "withdrawn", "correlation_key": "T-9"}, 200, &res)
		if res.Delivered != 1.0 {
			t.Fatalf("delivered %v", res.Delivered)
		}
		var got struct {
			State string
			Tasks []struct{ State string }
		}
		env.MustDo("GET", "/api/v1/instances/"+inst.ID, env.Admin, nil, 200, &got)
		if got.State != "completed" || len(got.Tasks) != 1 || got.Tasks[0].State != "cancelled" {
			t.Fatalf("instance %+v", got)
		}
	})
}

// startDiagram starts on the message "signup" and waits at a person's task.
const startDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:message id="m" name="signup"/>
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>
<bpmn:userTask id="welcome"/><bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="welcome"/>
<bpmn:sequenceFlow id="f2" sourceRef="welcome" targetRef="done"/>
</bpmn:process>
</bpmn:definitions>`

// TestMessageStartsProcess publishes over HTTP a message without a correlation key that a
// message start event waits for: the answer counts the instance started; a variable of the
// wrong type is refused naming it, and a message that starts nothing needs a key.
func TestMessageStartsProcess(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "signup", "name": "Signup", "scope": "global",
			"variables": []any{map[string]any{"name": "plan", "type": "integer"}}, "bpmn": startDiagram}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/signup/publish", env.Admin, nil, 201, nil)
		var res struct{ Delivered, Started, Buffered any }
		env.MustDo("POST", "/api/v1/messages", env.Admin, map[string]any{"name": "signup", "variables": map[string]any{"plan": 2}}, 200, &res)
		if res.Started != 1.0 || res.Delivered != 0.0 || res.Buffered != false {
			t.Fatalf("publish: %+v", res)
		}
		wantError(t, env.Do("POST", "/api/v1/messages", env.Admin, map[string]any{"name": "signup", "variables": map[string]any{"plan": "gold"}}), 422, "plan")
		wantError(t, env.Do("POST", "/api/v1/messages", env.Admin, map[string]any{"name": "other"}), 422, "correlation_key")
	})
}
