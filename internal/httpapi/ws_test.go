package httpapi_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/realtime"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store"
)

// frame is what the sockets send: a hello, a chat event (staff) or a widget frame.
type frame struct {
	Type      string
	Seq       int64
	SessionID string `json:"session_id"`
	Snapshot  struct {
		LiveChat    struct{ Name string }  `json:"liveChat"`
		LastMessage *struct{ Text string } `json:"lastMessage"`
	}
	Message *struct{ Text, Author string }
}

// socket is a test client's WebSocket.
type socket struct {
	t    *testing.T
	conn *websocket.Conn
	last int64
	// hello is the socket's first frame: its seq is where the stream starts.
	hello frame
}

// dial connects to path with the token in the Authorization header (or, when query is true,
// in ?access_token=, as browsers do) and reads the hello frame, after which the socket is
// sure to get every new event.
func dial(t *testing.T, env *servertest.Env, path, token string, query bool) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(env.URL, "http") + path
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
	if query {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "access_token=" + token
	} else {
		opts.HTTPHeader.Set("Authorization", "Bearer "+token)
	}
	conn, resp, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		t.Fatalf("dial %s: %v (response %v)", path, err, resp)
	}
	t.Cleanup(func() { conn.CloseNow() })
	s := &socket{t: t, conn: conn}
	if s.hello = s.next(); s.hello.Type != "hello" {
		t.Fatalf("first frame %+v, want hello", s.hello)
	}
	return s
}

// next reads one frame, failing after a few seconds.
func (s *socket) next() frame {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var f frame
	if err := wsjson.Read(ctx, s.conn, &f); err != nil {
		s.t.Fatalf("read a frame: %v", err)
	}
	if f.Type != "hello" {
		s.last = f.Seq
	}
	return f
}

// expect reads frames until one of type typ arrives, failing if a frame of another session
// than sessionID arrives first.
func (s *socket) expect(typ, sessionID string) frame {
	s.t.Helper()
	for {
		f := s.next()
		if f.SessionID != "" && f.SessionID != sessionID {
			s.t.Fatalf("got an event of session %s while waiting for %s of %s", f.SessionID, typ, sessionID)
		}
		if f.Type == typ {
			return f
		}
	}
}

func TestWebSocketsEndToEnd(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		op := dial(t, env, "/api/v1/ws", c.op, false)
		stranger := dial(t, env, "/api/v1/ws", c.stranger, true)

		// A customer message on the widget reaches the operator's socket.
		id, visitor := c.startWidget(c.liveChat, "Is anyone there?")
		op.expect("session_created", id)
		if f := op.expect("message_received", id); f.Snapshot.LastMessage == nil || f.Snapshot.LastMessage.Text != "Is anyone there?" {
			t.Fatalf("message_received %+v", f)
		}

		// The operator's reply reaches the customer's widget socket, and nothing else does.
		widget := dial(t, env, "/api/v1/widget/sessions/"+id+"/ws", visitor, true)
		env.MustDo("POST", "/api/v1/sessions/"+id+"/take", c.op, nil, 200, nil)
		env.MustDo("POST", "/api/v1/sessions/"+id+"/messages", c.op, map[string]any{"text": "Yes, hello!"}, 201, nil)
		if f := widget.next(); f.Type != "message" || f.Message == nil || f.Message.Text != "Yes, hello!" || f.Message.Author != "operator" {
			t.Fatalf("widget frame %+v", f)
		}
		op.expect("message_sent", id)

		// The stranger sees nothing of Support: the first event they get is of their live chat.
		other, _ := c.startWidget(c.otherChat, "sales question")
		if f := stranger.next(); f.SessionID != other || f.Snapshot.LiveChat.Name != "Sales" {
			t.Fatalf("the stranger got %+v, want the Sales session %s", f, other)
		}

		// A reconnect with the cursor replays what was missed while away.
		cursor := op.last
		op.conn.Close(websocket.StatusNormalClosure, "")
		env.MustDo("POST", "/api/v1/widget/sessions/"+id+"/messages", visitor, map[string]any{"text": "while you were away"}, 201, nil)
		back := dial(t, env, "/api/v1/ws?cursor="+strconv.FormatInt(cursor, 10), c.op, false)
		if f := back.expect("message_received", id); f.Snapshot.LastMessage.Text != "while you were away" {
			t.Fatalf("replayed %+v", f)
		}
	})
}

func TestWebSocketAccess(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, visitor := c.startWidget(c.liveChat, "hi")
		other, _ := c.startWidget(c.liveChat, "me too")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cases := map[string]struct {
			path, token string
			status      int
		}{
			"no credentials":          {"/api/v1/ws", "", 401},
			"a visitor on the staff":  {"/api/v1/ws", visitor, 401},
			"another session":         {"/api/v1/widget/sessions/" + other + "/ws", visitor, 403},
			"staff on a widget":       {"/api/v1/widget/sessions/" + id + "/ws", c.op, 401},
			"a cursor that is no seq": {"/api/v1/ws?cursor=abc", c.op, 422},
		}
		for name, k := range cases {
			h := http.Header{}
			if k.token != "" {
				h.Set("Authorization", "Bearer "+k.token)
			}
			_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(env.URL, "http")+k.path, &websocket.DialOptions{HTTPHeader: h})
			if err == nil || resp == nil || resp.StatusCode != k.status {
				t.Errorf("%s: %v %v, want HTTP %d", name, err, resp, k.status)
			}
		}
	})
}

// TestSlowSocketIsDropped lets a staff socket fall behind by more than its buffer: it is closed
// with a reason that names the cursor to reconnect with, and reconnecting loses nothing.
func TestSlowSocketIsDropped(t *testing.T) {
	opts := servertest.Options{Configure: func(cfg *server.Config) { cfg.Sockets.Buffer = 4 }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		slow := dial(t, env, "/api/v1/ws", c.op, false)
		id, _ := c.startWidget(c.liveChat, "m0")
		burst(t, env, id, 29)
		texts, cursor := []string{}, int64(-1)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			var f frame
			err := wsjson.Read(ctx, slow.conn, &f)
			if err != nil {
				if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
					t.Fatalf("the slow socket ended with %v, want try-again-later", err)
				}
				break
			}
			if f.Type == "message_received" {
				texts, cursor = append(texts, f.Snapshot.LastMessage.Text), f.Seq
			}
		}
		if cursor < 0 {
			cursor = 0
		}
		back := dial(t, env, "/api/v1/ws?cursor="+strconv.FormatInt(cursor, 10), c.op, false)
		for len(texts) < 30 {
			f := back.next()
			if f.Type == "message_received" {
				texts = append(texts, f.Snapshot.LastMessage.Text)
			}
		}
		for i, text := range texts {
			if text != "m"+strconv.Itoa(i) {
				t.Fatalf("messages %v: lost or repeated around %d", texts, i)
			}
		}
	})
}

// burst writes n customer messages m1..mn to the session in one transaction, so that their
// events reach the hub together, faster than any socket can take them.
func burst(t *testing.T, env *servertest.Env, sessionID string, n int) {
	t.Helper()
	ctx := context.Background()
	err := env.Server.DB.Tx(ctx, func(tx *store.Tx) error {
		sess, err := env.Server.Chat.SessionTx(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		for i := 1; i <= n; i++ {
			in := chat.Inbound{ChannelID: sess.ChannelID, Identity: sess.Customer.Identity, Text: "m" + strconv.Itoa(i)}
			if _, err := env.Server.Chat.ReceiveTx(ctx, tx, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStaleCursorIsRefused connects with a cursor further back than the replay window: the
// socket closes with 4410, telling the client to reload instead.
func TestStaleCursorIsRefused(t *testing.T) {
	opts := servertest.Options{Configure: func(cfg *server.Config) { cfg.Sockets.MaxReplay = 3 }}
	servertest.Each(t, opts, func(t *testing.T, env *servertest.Env) {
		c := newChatEnv(t, env)
		id, _ := c.startWidget(c.liveChat, "m0")
		burst(t, env, id, 3)
		// The hub learns of commits a moment after them (on PostgreSQL after the outbox's
		// sequencer has numbered them): wait until a new socket's hello shows it has seen more
		// than MaxReplay events, as it has by the time any real client reconnects.
		deadline := time.Now().Add(10 * time.Second)
		for {
			fresh := dial(t, env, "/api/v1/ws", c.op, false)
			fresh.conn.CloseNow()
			if fresh.hello.Seq > 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the hub still knows only %d events", fresh.hello.Seq)
			}
			time.Sleep(20 * time.Millisecond)
		}
		s := dial(t, env, "/api/v1/ws?cursor=0", c.op, false)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var f frame
		err := wsjson.Read(ctx, s.conn, &f)
		if websocket.CloseStatus(err) != realtime.StatusCursorTooOld {
			t.Fatalf("read %+v, %v; want the socket closed with 4410", f, err)
		}
	})
}

const inboxDiagram = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="check" name="Check"><bpmn:extensionElements><parley:assignee group="reviewers"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>`

// TestStaffSocketSignalsTheTaskInbox checks that the staff socket says "tasks_changed" to the
// members of the group a task is offered to when it opens, is completed and is cancelled,
// and says nothing to a user whose inbox it is not in.
func TestStaffSocketSignalsTheTaskInbox(t *testing.T) {
	servertest.Each(t, servertest.Options{}, func(t *testing.T, env *servertest.Env) {
		reviewers := env.Group("reviewers")
		_, rita := env.User("rita", reviewers)
		env.MustDo("PUT", "/api/v1/me/presence", rita, map[string]any{"presence": "online"}, 200, nil) // offline, she would complete nothing
		_, stan := env.User("stan", env.Group("sales"))
		env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "check", "name": "Check", "scope": "global", "bpmn": inboxDiagram}, 201, nil)
		env.MustDo("POST", "/api/v1/processes/check/publish", env.Admin, nil, 201, nil)
		inbox, other := dial(t, env, "/api/v1/ws", rita, false), dial(t, env, "/api/v1/ws", stan, false)

		start := func() string {
			var inst struct{ ID string }
			env.MustDo("POST", "/api/v1/processes/check/instances", env.Admin, map[string]any{"inputs": map[string]any{}}, 201, &inst)
			return inst.ID
		}
		first := start()
		inbox.expect("tasks_changed", "")
		var tasks struct {
			Items []struct{ ID, InstanceID string }
		}
		env.MustDo("GET", "/api/v1/tasks?assignee=me&state=open", rita, nil, 200, &tasks)
		if len(tasks.Items) != 1 {
			t.Fatalf("rita's inbox has %d tasks, want the one just opened", len(tasks.Items))
		}
		env.MustDo("POST", "/api/v1/tasks/"+tasks.Items[0].ID+"/complete", rita, map[string]any{"values": map[string]any{}}, 200, nil)
		inbox.expect("tasks_changed", "")

		second := start()
		inbox.expect("tasks_changed", "")
		env.MustDo("POST", "/api/v1/instances/"+second+"/cancel", env.Admin, nil, 200, nil)
		inbox.expect("tasks_changed", "")

		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		var f frame
		if err := wsjson.Read(ctx, other.conn, &f); err == nil {
			t.Fatalf("a user outside the group was sent %+v (instances %s, %s)", f, first, second)
		}
	})
}
