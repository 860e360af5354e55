package channel_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"golang.org/x/crypto/bcrypt"
)

// fixture is a live chat with an http channel and an online operator.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	chat     *chat.Service
	lc       *chat.LiveChat
	http     *chat.Channel
	operator *auth.User
}

func newFixture(t *testing.T, db *store.DB, webhook string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: db, chat: chat.New(db, nil)}
	a := auth.New(db, nil)
	a.BcryptCost = bcrypt.MinCost
	g, err := a.CreateGroup(f.ctx, "Operators")
	f.must(err)
	u, err := a.CreateUser(f.ctx, auth.NewUser{Login: "op", DisplayName: "Olga", Password: "password-op"})
	f.must(err)
	f.must(a.AddMember(f.ctx, g.ID, u.ID))
	_, err = a.SetPresence(f.ctx, u.ID, auth.Online)
	f.must(err)
	f.operator, err = a.User(f.ctx, u.ID)
	f.must(err)
	f.lc, err = f.chat.CreateLiveChat(f.ctx, chat.NewLiveChat{Name: "Support", OperatorGroups: []string{g.ID}, SupervisorGroups: []string{g.ID}})
	f.must(err)
	f.http, err = f.chat.CreateChannel(f.ctx, f.lc.ID, chat.NewChannel{Type: chat.ChannelHTTP, Name: "Bridge", WebhookURL: webhook})
	f.must(err)
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// service starts a channel service with fast retries; it stops when the returned func is
// called or the test ends.
func (f *fixture) service(cfg channel.WebhookConfig) (*channel.Service, func()) {
	cfg.BaseBackoff, cfg.Poll = 20*time.Millisecond, 100*time.Millisecond
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	svc := channel.New(f.db, f.chat, cfg, nil)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	f.t.Cleanup(stop)
	return svc, stop
}

// reply has a customer write through the http channel and the operator answer.
func (f *fixture) reply(svc *channel.Service, chatID, text string) *chat.Message {
	f.t.Helper()
	r, err := svc.Receive(f.ctx, chat.ChannelKeyOwner(f.http.ID), f.http.ID, channel.Inbound{ExternalChatID: chatID, Text: "hi"})
	f.must(err)
	m, err := f.chat.PostMessage(f.ctx, chat.Reply{SessionID: r.SessionID, Text: text, By: chat.UserActor(f.operator)})
	f.must(err)
	return m
}

// waitDelivery waits until the message's delivery is no longer pending and returns it.
func (f *fixture) waitDelivery(svc *channel.Service, messageID string) *channel.Delivery {
	f.t.Helper()
	return f.waitDeliveryOn(svc, f.http.ID, messageID)
}

// waitDeliveryOn is waitDelivery for a message of the channel's session.
func (f *fixture) waitDeliveryOn(svc *channel.Service, channelID, messageID string) *channel.Delivery {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		list, err := svc.Deliveries(f.ctx, f.lc.ID, channelID, "", store.Page{})
		f.must(err)
		for _, d := range list.Items {
			if d.MessageID == messageID && d.State != channel.Pending {
				return d
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatalf("the delivery of %s did not finish", messageID)
	return nil
}

// receiver is a webhook endpoint that answers with the next status of its script, then 200.
type receiver struct {
	mu       sync.Mutex
	script   []int
	requests []*http.Request
	bodies   []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.requests, rc.bodies = append(rc.requests, r), append(rc.bodies, string(body))
	status := http.StatusOK
	if len(rc.script) > 0 {
		status, rc.script = rc.script[0], rc.script[1:]
	}
	rc.mu.Unlock()
	w.WriteHeader(status)
	_, _ = w.Write([]byte("status " + http.StatusText(status)))
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.requests)
}

func TestWebhookRetriesThenDelivers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rc := &receiver{script: []int{500, 503}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		f := newFixture(t, db, srv.URL+"/hook")
		svc, _ := f.service(channel.WebhookConfig{})
		m := f.reply(svc, "tg-1", "Hello from Olga")
		d := f.waitDelivery(svc, m.ID)
		if d.State != channel.Delivered || d.Attempts != 3 || d.LastError != "" {
			t.Fatalf("delivery %+v, want delivered on the third attempt", d)
		}
		if n := rc.count(); n != 3 {
			t.Fatalf("the receiver got %d requests, want 3", n)
		}
		for i, r := range rc.requests {
			if r.Header.Get("Idempotency-Key") != m.ID || r.Header.Get("X-Parley-Attempt") != string(rune('1'+i)) {
				t.Fatalf("request %d headers %v", i, r.Header)
			}
		}
		var p channel.Payload
		if err := json.Unmarshal([]byte(rc.bodies[2]), &p); err != nil {
			t.Fatal(err)
		}
		if p.ExternalChatID != "tg-1" || p.Message.Text != "Hello from Olga" || p.Message.AuthorName != "Olga" || p.Message.Author != chat.AuthorOperator {
			t.Fatalf("payload %+v", p)
		}
	})
}

func TestWebhookGivesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rc := &receiver{script: []int{500, 500, 500, 500}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		f := newFixture(t, db, srv.URL)
		svc, _ := f.service(channel.WebhookConfig{MaxAttempts: 3})
		d := f.waitDelivery(svc, f.reply(svc, "tg-1", "lost").ID)
		if d.State != channel.Failed || d.Attempts != 3 || !strings.Contains(d.LastError, "HTTP 500") || d.FinishedAt == nil {
			t.Fatalf("delivery %+v, want failed after 3 attempts with the error kept", d)
		}
		// A 4xx other than 408/425/429 is not tried again.
		rc.mu.Lock()
		rc.script = []int{http.StatusBadRequest}
		rc.mu.Unlock()
		d = f.waitDelivery(svc, f.reply(svc, "tg-2", "refused").ID)
		if d.State != channel.Failed || d.Attempts != 1 || !strings.Contains(d.LastError, "HTTP 400") {
			t.Fatalf("delivery %+v, want failed at once", d)
		}
		failed, err := svc.Deliveries(f.ctx, f.lc.ID, f.http.ID, channel.Failed, store.Page{})
		f.must(err)
		if len(failed.Items) != 2 {
			t.Fatalf("%d failed deliveries listed, want 2", len(failed.Items))
		}
	})
}

// TestWebhookSurvivesRestart queues a reply while no sender runs, lets one sender fail it once
// and stop, and has a new one (a restarted node) deliver it.
func TestWebhookSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rc := &receiver{script: []int{503}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		f := newFixture(t, db, srv.URL)
		idle := channel.New(db, f.chat, channel.WebhookConfig{}, nil)
		m := f.reply(idle, "tg-1", "before the restart")
		_, stop := f.service(channel.WebhookConfig{BaseBackoff: time.Second})
		for rc.count() < 1 {
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		svc, _ := f.service(channel.WebhookConfig{})
		if d := f.waitDelivery(svc, m.ID); d.State != channel.Delivered || d.Attempts != 2 {
			t.Fatalf("delivery %+v after the restart", d)
		}
	})
}

func TestHTTPInbound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "")
		svc := channel.New(db, f.chat, channel.WebhookConfig{}, nil)
		owner := chat.ChannelKeyOwner(f.http.ID)
		in := channel.Inbound{ExternalChatID: "wa-7", Text: "hello", ExternalMessageID: "m1",
			Customer: chat.CustomerInfo{Name: "Ann", Phone: "+7 999 123-45-67"}}
		first, err := svc.Receive(f.ctx, owner, f.http.ID, in)
		f.must(err)
		again, err := svc.Receive(f.ctx, owner, f.http.ID, in)
		f.must(err)
		if !again.Duplicate || again.MessageID != first.MessageID {
			t.Fatalf("repeat %+v, first %+v", again, first)
		}
		_, err = svc.Receive(f.ctx, "channel:chn_other", f.http.ID, in)
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("another channel's key: %v, want forbidden", err)
		}
		_, err = svc.Receive(f.ctx, owner, f.http.ID, channel.Inbound{Text: "x"})
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "external_chat_id") {
			t.Fatalf("missing chat id: %v", err)
		}
		var s *chat.Session
		f.must(db.Read(f.ctx, func(tx *store.Tx) (err error) {
			s, err = f.chat.SessionTx(f.ctx, tx, first.SessionID)
			return err
		}))
		if s.Customer.Phone != "+79991234567" || s.Customer.Identity != "wa-7" || s.MessageCount != 1 {
			t.Fatalf("session %+v", s)
		}
	})
}
