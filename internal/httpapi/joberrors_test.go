package httpapi_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

const chargeDiagram = `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D">
<bpmn:error id="Declined" errorCode="card_declined"/>
<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:serviceTask id="charge"><bpmn:extensionElements><parley:task type="pay.charge"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:boundaryEvent id="declined" attachedToRef="charge"><bpmn:errorEventDefinition errorRef="Declined"/></bpmn:boundaryEvent>
<bpmn:endEvent id="paid"/><bpmn:endEvent id="refused"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge"/><bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="paid"/>
<bpmn:sequenceFlow id="f3" sourceRef="declined" targetRef="refused"/>
</bpmn:process></bpmn:definitions>`

// TestJobErrorAndFail drives an outside worker through the API: a failure with retries keeps
// the job, a malformed report is refused naming its field, an error with variables takes the
// error boundary, and a failure with no retries left becomes an incident quoting the worker.
func TestJobErrorAndFail(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "charge", "name": "Charge",
			"variables": []any{map[string]any{"name": "reason", "type": "string"}}, "bpmn": chargeDiagram}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/charge/publish", env.Admin, nil, 201, nil)
		start := func() string {
			var inst instanceBody
			env.MustDo("POST", "/api/v1/processes/charge/instances", env.Admin, map[string]any{"inputs": map[string]any{}}, 201, &inst)
			return inst.ID
		}
		jobOf := func(instance string) string {
			var jobs struct {
				Items []struct {
					ID         string
					InstanceID string `json:"instance_id"`
				}
			}
			env.MustDo("GET", "/api/v1/jobs?type=pay.charge", env.Admin, nil, 200, &jobs)
			for _, j := range jobs.Items {
				if j.InstanceID == instance {
					return j.ID
				}
			}
			return ""
		}
		declined, failing := start(), start()

		job := jobOf(declined)
		env.MustDo("POST", "/api/v1/jobs/"+job+"/fail", env.Admin, map[string]any{"error": "timeout", "retries": 2, "retry_backoff": "soon"}, 422, nil)
		env.MustDo("POST", "/api/v1/jobs/"+job+"/fail", env.Admin, map[string]any{"error": "timeout", "retries": 2}, 204, nil)
		env.MustDo("POST", "/api/v1/jobs/"+job+"/error", env.Admin, map[string]any{"code": "card_declined", "variables": map[string]any{"reason": 5}}, 422, nil)
		env.MustDo("POST", "/api/v1/jobs/"+job+"/error", env.Admin, map[string]any{"code": "card_declined", "message": "expired",
			"variables": map[string]any{"reason": "expired"}}, 204, nil)
		env.MustDo("POST", "/api/v1/jobs/"+job+"/complete", env.Admin, map[string]any{}, 404, nil)
		var inst instanceBody
		env.MustDo("GET", "/api/v1/instances/"+declined, env.Admin, nil, 200, &inst)
		if inst.State != "completed" || inst.Variables["reason"] != "expired" || !hasStep(inst, "declined") {
			t.Fatalf("after the error: %+v", inst)
		}

		env.MustDo("POST", "/api/v1/jobs/"+jobOf(failing)+"/fail", env.Admin, map[string]any{"error": "bank down", "retries": 0}, 204, nil)
		var incidents struct {
			Items []struct{ Element, Error string }
		}
		env.MustDo("GET", "/api/v1/incidents", env.Admin, nil, 200, &incidents)
		if len(incidents.Items) != 1 || incidents.Items[0].Element != "charge" || !strings.Contains(incidents.Items[0].Error, "bank down") {
			t.Fatalf("incidents %+v", incidents)
		}
	})
}

func hasStep(inst instanceBody, element string) bool {
	for _, h := range inst.History {
		if h.Element == element {
			return true
		}
	}
	return false
}
