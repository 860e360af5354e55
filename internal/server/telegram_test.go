package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/channel/telegramtest"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store/storetest"
)

const tgToken = "700100200:AAF-test-token-for-parley-e2e"

// greetBPMN replies to the customer's message from the process.
const greetBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" id="d_greet">
<bpmn:process id="greet" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:serviceTask id="say" name="Say"><bpmn:extensionElements><parley:task type="livechat.reply"><parley:input name="text" value="We got: {{ text }}"/></parley:task></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="say"/><bpmn:sequenceFlow id="f1" sourceRef="say" targetRef="end"/>
</bpmn:process></bpmn:definitions>`

// publicFront stands for the internet address of the server: Telegram posts to it, and it
// passes the requests on to the server once it runs.
func publicFront(t *testing.T) (public string, point func(target string)) {
	var target atomic.Pointer[httputil.ReverseProxy]
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := target.Load(); p != nil {
			p.ServeHTTP(w, r)
			return
		}
		http.Error(w, "not yet", http.StatusBadGateway)
	}))
	t.Cleanup(front.Close)
	return front.URL, func(to string) {
		u, _ := url.Parse(to)
		target.Store(httputil.NewSingleHostReverseProxy(u))
	}
}

// TestTelegramOverHTTP adds a telegram channel through the API with a public URL: the bot's
// webhook is registered, a customer's message posted by Telegram starts the process bound to
// message_received, whose reply reaches the customer's chat through sendMessage; an update
// without the secret is refused, and no answer shows the whole token.
func TestTelegramOverHTTP(t *testing.T) {
	dialects := []string{"sqlite"}
	if storetest.PostgresURL(t) != "" {
		dialects = append(dialects, "postgres")
	}
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) { telegramOverHTTP(t, dialect) })
	}
}

func telegramOverHTTP(t *testing.T, dialect string) {
	bot := telegramtest.New(t, tgToken)
	public, point := publicFront(t)
	env := servertest.Start(t, dialect, servertest.Options{Configure: func(c *server.Config) {
		c.PublicURL, c.TelegramAPIURL = public, bot.URL
		c.Webhooks = channel.WebhookConfig{Poll: 50 * time.Millisecond, Telegram: channel.TelegramConfig{Every: 50 * time.Millisecond}}
	}})
	point(env.URL)
	g := env.Group("Ops")
	var lc struct{ ID string }
	env.MustDo("POST", "/api/v1/livechats", env.Admin, map[string]any{"name": "Shop", "operator_groups": []string{g}, "supervisor_groups": []string{g}}, 201, &lc)
	env.MustDo("POST", "/api/v1/processes", env.Admin, map[string]any{"code": "greet", "name": "Greet", "scope": "global",
		"variables": []map[string]any{{"name": "text", "type": "string"}}, "bpmn": greetBPMN}, 201, nil)
	env.MustDo("POST", "/api/v1/processes/greet/publish", env.Admin, nil, 201, nil)
	env.MustDo("PUT", "/api/v1/livechats/"+lc.ID+"/automation/message_received", env.Admin,
		map[string]any{"process": "greet", "inputs": map[string]string{"text": "lastMessage.text"}, "enabled": true}, 200, nil)

	base := "/api/v1/livechats/" + lc.ID + "/channels"
	bad := env.Do("POST", base, env.Admin, map[string]any{"type": "telegram", "name": "Telegram", "bot_token": "700100200:AAwrong"})
	if bad.Status != 422 || !strings.Contains(bad.ErrorMessage(), "bot_token") || strings.Contains(string(bad.Body), "AAwrong") {
		t.Fatalf("a wrong token: %d %s", bad.Status, bad.Body)
	}
	var ch struct {
		ID  string
		Bot struct{ Username, Token, Mode string }
	}
	created := env.MustDo("POST", base, env.Admin, map[string]any{"type": "telegram", "name": "Telegram", "bot_token": tgToken}, 201, &ch)
	if ch.Bot.Username != "parley_test_bot" || ch.Bot.Token != "700100200:…-e2e" || strings.Contains(string(created.Body), "AAF-test") {
		t.Fatalf("created %s", created.Body)
	}
	var hook string
	waitUntil(t, "the webhook is registered", func() bool { hook, _ = bot.Webhook(); return hook != "" })
	if hook != public+"/api/v1/channels/"+ch.ID+"/telegram" {
		t.Fatalf("webhook %s", hook)
	}
	if status := bot.Post(hook, "not-the-secret", []byte(`{"update_id": 1}`)); status != http.StatusUnauthorized {
		t.Fatalf("an update without the secret: %d", status)
	}
	ann := telegramtest.User{ID: 4242, FirstName: "Ann", Username: "ann"}
	id, status := bot.AddUpdate(telegramtest.Message(ann, map[string]any{"text": "Where is order 42?"}))
	if status != http.StatusOK {
		t.Fatalf("the update was answered %d", status)
	}
	if status := bot.Repeat(id, telegramtest.Message(ann, map[string]any{"text": "Where is order 42?"})); status != http.StatusOK {
		t.Fatalf("the repeated update was answered %d", status)
	}
	waitUntil(t, "the process's reply reaches the chat", func() bool { return len(bot.Sent()) > 0 })
	if s := bot.Sent(); len(s) != 1 || s[0].ChatID != ann.ID || s[0].Text != "We got: Where is order 42?" {
		t.Fatalf("sent %+v", s)
	}

	var sessions struct{ Items []struct{ ID, Name string } }
	env.MustDo("GET", "/api/v1/sessions?live_chat="+lc.ID, env.Admin, nil, 200, &sessions)
	if len(sessions.Items) != 1 {
		t.Fatalf("sessions %+v", sessions.Items)
	}
	var msgs struct {
		Items []struct {
			Text, Author string
			Delivery     *struct{ State string }
		}
	}
	waitUntil(t, "the reply is delivered", func() bool {
		env.MustDo("GET", "/api/v1/sessions/"+sessions.Items[0].ID+"/messages", env.Admin, nil, 200, &msgs)
		n := len(msgs.Items)
		return n == 2 && msgs.Items[1].Delivery != nil && msgs.Items[1].Delivery.State == "delivered"
	})
	if msgs.Items[0].Text != "Where is order 42?" || msgs.Items[1].Author != "process" {
		t.Fatalf("messages %+v", msgs.Items)
	}
	list := env.MustDo("GET", base, env.Admin, nil, 200, nil)
	if !strings.Contains(string(list.Body), `"mode":"webhook"`) || strings.Contains(string(list.Body), "AAF-test") {
		t.Fatalf("channels %s", list.Body)
	}
	documentBothWays(t, env, bot, ann, sessions.Items[0].ID)
}

// documentBothWays has the customer send a PDF through Telegram, which staff download from
// the session, and the operator answer with a PDF, which reaches the chat by sendDocument.
func documentBothWays(t *testing.T, env *servertest.Env, bot *telegramtest.Server, ann telegramtest.User, sessionID string) {
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	bot.AddFile("doc-1", "documents/file_1.pdf", pdf)
	if _, status := bot.AddUpdate(telegramtest.Message(ann, map[string]any{"caption": "My invoice",
		"document": map[string]any{"file_id": "doc-1", "file_name": "invoice.pdf", "mime_type": "application/pdf"}})); status != http.StatusOK {
		t.Fatalf("the document update was answered %d", status)
	}
	var msgs struct {
		Items []struct {
			Text        string
			Attachments []struct{ ID, Name, ContentType string }
		}
	}
	env.MustDo("GET", "/api/v1/sessions/"+sessionID+"/messages", env.Admin, nil, 200, &msgs)
	var got []byte
	for _, m := range msgs.Items {
		if m.Text == "My invoice" && len(m.Attachments) == 1 && m.Attachments[0].Name == "invoice.pdf" {
			got = env.MustDo("GET", "/api/v1/attachments/"+m.Attachments[0].ID, env.Admin, nil, 200, nil).Body
		}
	}
	if string(got) != string(pdf) {
		t.Fatalf("the customer's document is not in the session: %+v", msgs.Items)
	}
	if r := env.Upload("/api/v1/sessions/"+sessionID+"/messages", env.Admin, map[string]string{"text": "Here is the label"},
		servertest.File{Name: "label.pdf", Data: pdf}); r.Status != http.StatusCreated {
		t.Fatalf("the reply with a file: %d %s", r.Status, r.Body)
	}
	waitUntil(t, "the operator's document reaches the chat", func() bool {
		for _, s := range bot.Sent() {
			if s.Method == "sendDocument" && s.Name == "label.pdf" && s.Text == "Here is the label" && string(s.Data) == string(pdf) {
				return true
			}
		}
		return false
	})
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}
