package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/server/servertest"
)

// taskDiagram offers one user task to the group "opsa", A's operators.
const taskDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:userTask id="check" name="Check"><bpmn:extensionElements><parley:assignee group="opsa"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/><bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

// syncDiagram waits for an outside worker's crm.sync job, then replies in its session, which
// fails (an incident) when it has none.
const syncDiagram = `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D">
<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:serviceTask id="sync"><bpmn:extensionElements><parley:task type="crm.sync"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="reply"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="hi"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sync"/><bpmn:sequenceFlow id="f2" sourceRef="sync" targetRef="reply"/><bpmn:sequenceFlow id="f3" sourceRef="reply" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

// matrixWorld is a server with live chats A and B and a credential for every role; fresh
// gives each row a new session of A with an instance and its task.
type matrixWorld struct {
	t      *testing.T
	env    *servertest.Env
	ids    map[string]string
	tokens []string
	// logins are the staff roles' logins by cell index, for logging in again.
	logins map[int]string
}

func newMatrixWorld(t *testing.T, env *servertest.Env) *matrixWorld {
	w := &matrixWorld{t: t, env: env, ids: map[string]string{}, tokens: make([]string, len(matrixRoles)),
		logins: map[int]string{6: "bob", 7: "otto", 8: "olga", 9: "sam"}}
	w.ids["opsA"], w.ids["supsA"] = env.Group("opsa"), env.Group("supsa")
	opsB := env.Group("opsb")
	w.ids["onOp"], _ = env.User("olga", w.ids["opsA"])
	env.User("otto", w.ids["opsA"])
	env.User("sam", w.ids["supsA"])
	env.User("bob", opsB)
	w.ids["user"], _ = env.User("mallory")
	w.ids["group"] = opsB
	w.ids["A"] = w.liveChat("A", w.ids["opsA"], w.ids["supsA"])
	w.ids["B"] = w.liveChat("B", opsB, opsB)
	w.ids["chanA"], w.tokens[4] = w.httpChannel(w.ids["A"])
	_, w.tokens[3] = w.httpChannel(w.ids["B"])
	_, w.tokens[1] = w.widget(w.ids["B"])
	var key struct{ Key string }
	env.MustDo("POST", "/api/v1/worker-keys", env.Admin, map[string]any{"name": "crm"}, 201, &key)
	w.tokens[5], w.tokens[10] = key.Key, env.Admin
	for code, xml := range map[string]string{"done": doneDiagram, "spare": doneDiagram, "check": taskDiagram, "sync": syncDiagram} {
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": code, "name": code, "scope": "global", "bpmn": xml}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/"+code+"/publish", env.Admin, nil, 201, nil)
	}
	setupCRM(env)
	var item struct{ ID string }
	env.MustDo("POST", itemsPath, env.Admin, map[string]any{"values": map[string]any{"name": "Ann"}}, 201, &item)
	w.ids["item"] = item.ID
	w.login()
	w.presences()
	return w
}

func (w *matrixWorld) liveChat(name, ops, sups string) string {
	var lc struct{ ID string }
	w.env.MustDo("POST", "/api/v1/livechats", w.env.Admin, map[string]any{"name": name,
		"operator_groups": []string{ops}, "supervisor_groups": []string{sups}}, 201, &lc)
	return lc.ID
}

func (w *matrixWorld) httpChannel(liveChat string) (id, key string) {
	var ch struct {
		ID     string
		APIKey string `json:"api_key"`
	}
	w.env.MustDo("POST", "/api/v1/livechats/"+liveChat+"/channels", w.env.Admin, map[string]any{"type": "http", "name": "Messenger"}, 201, &ch)
	return ch.ID, ch.APIKey
}

func (w *matrixWorld) widget(liveChat string) (session, visitor string) {
	var ws struct {
		SessionID    string `json:"session_id"`
		VisitorToken string `json:"visitor_token"`
	}
	w.env.MustDo("POST", "/api/v1/widget/"+liveChat+"/sessions", "", map[string]any{"customer": map[string]any{"name": "Ann"}, "text": "Hello"}, 201, &ws)
	return ws.SessionID, ws.VisitorToken
}

// login logs the staff roles in (again, after a row revoked their tokens).
func (w *matrixWorld) login() {
	for i, login := range w.logins {
		w.tokens[i] = w.env.Login(login, login+"-password")
	}
	w.env.Admin = w.env.Login("admin", servertest.AdminPassword)
	w.tokens[10] = w.env.Admin
}

// presences puts every staff role back: online, but for the offline operator.
func (w *matrixWorld) presences() {
	for i := range w.logins {
		p := "online"
		if i == 7 {
			p = "offline"
		}
		w.env.MustDo("PUT", "/api/v1/me/presence", w.tokens[i], map[string]any{"presence": p}, 200, nil)
	}
}

// fresh makes a new session of A (its visitor is A's visitor) with an instance linked to it
// whose task is offered to A's operators.
func (w *matrixWorld) fresh() {
	w.ids["sess"], w.tokens[2] = w.widget(w.ids["A"])
	var inst struct{ ID string }
	w.env.MustDo("POST", w.fill("/api/v1/sessions/{sess}/processes"), w.env.Admin, map[string]any{"process": "check"}, 201, &inst)
	var full struct{ Tasks []struct{ ID string } }
	w.env.MustDo("GET", "/api/v1/instances/"+inst.ID, w.env.Admin, nil, 200, &full)
	if len(full.Tasks) != 1 {
		w.t.Fatalf("instance %s has %d tasks, want 1", inst.ID, len(full.Tasks))
	}
	w.ids["inst"], w.ids["task"] = inst.ID, full.Tasks[0].ID
}

func (w *matrixWorld) throwawayUser() {
	var u struct{ ID string }
	w.env.MustDo("POST", "/api/v1/users", w.env.Admin, map[string]any{"login": "temp", "display_name": "T", "password": "temp-password"}, 201, &u)
	w.ids["xuser"] = u.ID
}

func (w *matrixWorld) throwawayKey() {
	var k struct{ ID string }
	w.env.MustDo("POST", "/api/v1/worker-keys", w.env.Admin, map[string]any{"name": "temp"}, 201, &k)
	w.ids["xkey"] = k.ID
}

func (w *matrixWorld) throwawayChat() { w.ids["C"] = w.liveChat("C", w.ids["opsA"], w.ids["supsA"]) }

func (w *matrixWorld) throwawayChannel() {
	var ch struct{ ID string }
	w.env.MustDo("POST", w.fill("/api/v1/livechats/{A}/channels"), w.env.Admin, map[string]any{"type": "http", "name": "Temp"}, 201, &ch)
	w.ids["xchan"] = ch.ID
}

// job starts the sync process for a waiting crm.sync job.
func (w *matrixWorld) job() {
	w.env.MustDo("POST", "/api/v1/processes/sync/instances", w.env.Admin, map[string]any{"inputs": map[string]any{}}, 201, nil)
	var jobs struct{ Items []struct{ ID string } }
	w.env.MustDo("GET", "/api/v1/jobs?type=crm.sync", w.env.Admin, nil, 200, &jobs)
	if len(jobs.Items) == 0 {
		w.t.Fatal("no crm.sync job")
	}
	w.ids["job"] = jobs.Items[0].ID
}

// incident completes a sync job: the reply step, without a session, stops with an incident.
func (w *matrixWorld) incident() {
	var inst struct{ ID string }
	w.env.MustDo("POST", "/api/v1/processes/sync/instances", w.env.Admin, map[string]any{"inputs": map[string]any{}}, 201, &inst)
	var jobs struct {
		Items []struct {
			ID         string
			InstanceID string `json:"instance_id"`
		}
	}
	w.env.MustDo("GET", "/api/v1/jobs?type=crm.sync&limit=100", w.env.Admin, nil, 200, &jobs)
	for _, j := range jobs.Items {
		if j.InstanceID == inst.ID {
			w.env.MustDo("POST", "/api/v1/jobs/"+j.ID+"/complete", w.env.Admin, map[string]any{"variables": map[string]any{}}, 204, nil)
		}
	}
	waitState(w.t, w.env, inst.ID, "incident")
	var list struct{ Items []struct{ ID string } }
	w.env.MustDo("GET", "/api/v1/incidents", w.env.Admin, nil, 200, &list)
	if len(list.Items) == 0 {
		w.t.Fatal("no incident")
	}
	w.ids["incident"] = list.Items[0].ID
}

// fill puts the world's ids into a path or a JSON text.
func (w *matrixWorld) fill(s string) string {
	for k, v := range w.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func (w *matrixWorld) fillBody(body any) any {
	if body == nil {
		return nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.fill(string(data))
}

// cannedInA makes a canned response of live chat A, for the rows that change or delete one.
func (w *matrixWorld) cannedInA() {
	var c struct{ ID string }
	w.env.MustDo("POST", w.fill("/api/v1/livechats/{A}/canned-responses"), w.env.Admin, map[string]any{"title": "Hi", "text": "Hello {customer.name}"}, 201, &c)
	w.ids["cannedA"] = c.ID
}

// attachment has A's visitor send a file in the fresh session.
func (w *matrixWorld) attachment() {
	r := w.env.Upload(w.fill("/api/v1/widget/sessions/{sess}/messages"), w.tokens[2], nil,
		servertest.File{Name: "note.txt", Data: []byte("a file")})
	var m struct{ Attachments []struct{ ID string } }
	r.JSON(w.t, &m)
	if r.Status != 201 || len(m.Attachments) != 1 {
		w.t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	w.ids["att"] = m.Attachments[0].ID
}
