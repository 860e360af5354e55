package loadgen

import (
	"context"
	"fmt"
)

// waitProcess is the bound process: a start event and a user task for the administrators,
// so each instance runs to its first wait and stays there.
const waitProcess = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="d_%[1]s">
<bpmn:process id="%[1]s" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:userTask id="answer" name="Answer the customer"><bpmn:extensionElements><parley:assignee group="%[2]s"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="answer"/><bpmn:sequenceFlow id="f1" sourceRef="answer" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

// fixture is what the setup made: the administrator's token and the live chats whose
// message_received starts the wait process.
type fixture struct {
	admin   string
	chats   []string
	process string
}

// setUp logs in as the administrator and creates, over the API, the process and n live
// chats (each has its widget channel from the start) with the process bound to
// message_received. Names carry the run's id, so runs against one database do not meet.
func setUp(ctx context.Context, c *client, password, run string, n int) (*fixture, error) {
	var login struct{ Token string }
	if err := c.do(ctx, "POST", "/api/v1/auth/login", "", map[string]string{"login": "admin", "password": password}, 200, &login); err != nil {
		return nil, fmt.Errorf("log in as admin (give --admin-password): %w", err)
	}
	f := &fixture{admin: login.Token, process: "bench_" + run}
	group, err := adminGroup(ctx, c, f.admin)
	if err != nil {
		return nil, err
	}
	bpmn := fmt.Sprintf(waitProcess, f.process, group.Name)
	if err := c.do(ctx, "POST", "/api/v1/processes", f.admin, map[string]any{"code": f.process, "name": "Bench " + run,
		"scope": "global", "bpmn": bpmn}, 201, nil); err != nil {
		return nil, fmt.Errorf("create the process: %w", err)
	}
	if err := c.do(ctx, "POST", "/api/v1/processes/"+f.process+"/publish", f.admin, nil, 201, nil); err != nil {
		return nil, fmt.Errorf("publish the process: %w", err)
	}
	for i := range n {
		id, err := f.liveChat(ctx, c, group.ID, fmt.Sprintf("Bench %s %d", run, i+1))
		if err != nil {
			return nil, err
		}
		f.chats = append(f.chats, id)
	}
	return f, nil
}

type group struct{ ID, Name string }

// adminGroup finds the Administrators group, which always exists: the live chats' operators
// and the task's candidates.
func adminGroup(ctx context.Context, c *client, token string) (group, error) {
	var groups struct{ Items []group }
	if err := c.do(ctx, "GET", "/api/v1/groups?limit=200", token, nil, 200, &groups); err != nil {
		return group{}, fmt.Errorf("list groups: %w", err)
	}
	for _, g := range groups.Items {
		if g.Name == "Administrators" {
			return g, nil
		}
	}
	return group{}, fmt.Errorf("no Administrators group among %d groups", len(groups.Items))
}

func (f *fixture) liveChat(ctx context.Context, c *client, groupID, name string) (string, error) {
	var lc struct{ ID string }
	if err := c.do(ctx, "POST", "/api/v1/livechats", f.admin, map[string]any{"name": name,
		"operator_groups": []string{groupID}, "supervisor_groups": []string{groupID}}, 201, &lc); err != nil {
		return "", fmt.Errorf("create live chat %s: %w", name, err)
	}
	if err := c.do(ctx, "PUT", "/api/v1/livechats/"+lc.ID+"/automation/message_received", f.admin,
		map[string]any{"process": f.process, "inputs": map[string]string{}, "enabled": true}, 200, nil); err != nil {
		return "", fmt.Errorf("bind the process to %s: %w", name, err)
	}
	return lc.ID, nil
}
