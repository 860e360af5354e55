package server

import (
	"context"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/automation"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/process"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
	"github.com/parleychat/parley/internal/workspace"
)

// demoSiteChat is the live chat /demo/site embeds.
const demoSiteChat = "Website"

// demoWebsite creates the "Website" live chat, whose widget /demo/site shows, a crm/leads app
// and the published "New lead" process bound to the live chat's session_created: so a
// customer who writes on the demo site becomes a lead and a call-back task, and the newcomer
// sees the seed's feature work end to end.
func (s *Server) demoWebsite(ctx context.Context) error {
	admin, err := s.Auth.UserByLogin(ctx, "admin")
	if err != nil {
		return err
	}
	ctx = auth.WithPrincipal(ctx, &auth.Principal{User: admin})
	lc, err := s.demoWebsiteChat(ctx)
	if err != nil {
		return err
	}
	if err := s.demoLeadsApp(ctx, admin.ID); err != nil {
		return err
	}
	if err := s.demoLeadProcess(ctx); err != nil {
		return err
	}
	_, err = s.Automation.SaveBinding(ctx, lc.ID, chat.EventSessionCreated, automation.BindingInput{Process: "new-lead",
		Inputs: map[string]string{"customer_name": "customer.name", "customer_phone": "customer.phone",
			"first_message": "lastMessage.text", "session": "session"}})
	if err == nil {
		s.log.Info("demo site ready", "page", "/demo/site", "live_chat", lc.Name, "live_chat_id", lc.ID, "widget", "/widget/"+lc.ID)
	}
	return err
}

func (s *Server) demoWebsiteChat(ctx context.Context) (*chat.LiveChat, error) {
	ops, err := s.Auth.GroupByName(ctx, "Support operators")
	if err != nil {
		return nil, err
	}
	sups, err := s.Auth.GroupByName(ctx, "Support supervisors")
	if err != nil {
		return nil, err
	}
	return s.Chat.CreateLiveChat(ctx, chat.NewLiveChat{Name: demoSiteChat, Description: "The chat button on the company website",
		OperatorGroups: []string{ops.ID}, SupervisorGroups: []string{sups.ID}})
}

func (s *Server) demoLeadsApp(ctx context.Context, by string) error {
	if _, err := s.Workspaces.CreateWorkspace(ctx, workspace.NewWorkspace{Code: "crm", Name: "CRM", By: by}); err != nil {
		return err
	}
	_, err := s.Workspaces.CreateApp(ctx, "crm", workspace.NewApp{Code: "leads", Name: "Leads", By: by, Fields: []workspace.NewField{
		{Code: "name", Title: "Name", Type: "string", Required: true},
		{Code: "phone", Title: "Phone", Type: "phone"},
		{Code: "message", Title: "Message", Type: "string"},
		{Code: "session", Title: "Session", Type: "session"},
	}})
	return err
}

func (s *Server) demoLeadProcess(ctx context.Context) error {
	vars := []process.Variable{
		{Name: "customer_name", Type: value.Type{Kind: value.KindString}, Required: true, Title: "Customer name"},
		{Name: "customer_phone", Type: value.Type{Kind: value.KindPhone}, Title: "Customer phone"},
		{Name: "first_message", Type: value.Type{Kind: value.KindString}, Title: "First message"},
		{Name: "session", Type: value.Type{Kind: value.KindSession}, Title: "Session"},
	}
	if _, err := s.Processes.CreateDraft(ctx, process.Draft{Code: "new-lead", Name: "New lead", Scope: "crm/leads",
		Variables: vars, BPMN: newLeadBPMN}); err != nil {
		return err
	}
	_, err := s.Processes.Publish(ctx, "new-lead")
	return err
}

// newLeadBPMN records the customer as a lead, then asks for a call back: the session's
// operator when it has one, else the supervisors, who are sure to exist.
const newLeadBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:parley="https://parley.dev/schema/bpmn/1" id="Definitions_NewLead" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="NewLead" name="New lead" isExecutable="true">
    <bpmn:startEvent id="Start" name="Customer writes">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:serviceTask id="CreateLead" name="Create the lead">
      <bpmn:extensionElements>
        <parley:task type="app.createItem">
          <parley:input name="app" value="crm/leads" />
          <parley:input name="name" expression="customer_name" />
          <parley:input name="phone" expression="customer_phone" />
          <parley:input name="message" expression="first_message" />
          <parley:input name="session" expression="session" />
        </parley:task>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:userTask id="CallBack" name="Call back the customer">
      <bpmn:extensionElements>
        <parley:assignee sessionOperator="true" group="Support supervisors" />
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End" name="Called back">
      <bpmn:incoming>Flow_3</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start" targetRef="CreateLead" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="CreateLead" targetRef="CallBack" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="CallBack" targetRef="End" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_NewLead">
    <bpmndi:BPMNPlane id="Plane_NewLead" bpmnElement="NewLead">
      <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="CreateLead_di" bpmnElement="CreateLead"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="CallBack_di" bpmnElement="CallBack"><dc:Bounds x="400" y="80" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="562" y="102" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2"><di:waypoint x="340" y="120" /><di:waypoint x="400" y="120" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_3_di" bpmnElement="Flow_3"><di:waypoint x="500" y="120" /><di:waypoint x="562" y="120" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`

// DemoSiteLiveChat returns the live chat /demo/site embeds: "Website" when it exists, else the
// first live chat. It reads as the system rather than a user: the demo site is public.
func (s *Server) DemoSiteLiveChat(ctx context.Context) (string, error) {
	system := &auth.User{Groups: []auth.GroupRef{{ID: auth.AdministratorsID}}}
	list, err := s.Chat.LiveChats(ctx, system, store.Page{Limit: 100})
	if err != nil {
		return "", err
	}
	for _, lc := range list.Items {
		if lc.Name == demoSiteChat {
			return lc.ID, nil
		}
	}
	if len(list.Items) == 0 {
		return "", errs.New(errs.NotFound, "There is no live chat yet: run parley serve --demo, or create one in Administration.")
	}
	return list.Items[0].ID, nil
}
