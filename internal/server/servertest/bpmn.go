package servertest

// OneStep is a BPMN file whose executable process runs one element, which must have the id
// "step", between a start and an end event: enough to publish a process that waits at a user
// task or calls another process.
func OneStep(step string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="start"/>` + step + `<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step"/>
<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>`
}
