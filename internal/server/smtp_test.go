package server_test

import (
	"context"
	"net/http"
	"net/smtp"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
	"github.com/parleychat/parley/internal/store"
)

// TestEmailWiring starts the server with an SMTP listener and no relay: a mail opens a
// session, and the operator's reply is listed as a failed delivery that says why.
func TestEmailWiring(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{Configure: func(c *server.Config) {
		c.SMTPAddr = "127.0.0.1:0"
		c.Webhooks = channel.WebhookConfig{Poll: 50 * time.Millisecond}
	}})
	ctx, srv := context.Background(), env.Server
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	g := env.Group("Ops")
	opID, _ := env.User("olga", g)
	_, err := srv.Auth.SetPresence(ctx, opID, auth.Online)
	must(err)
	op, err := srv.Auth.User(ctx, opID)
	must(err)
	lc, err := srv.Chat.CreateLiveChat(ctx, chat.NewLiveChat{Name: "Support", OperatorGroups: []string{g}, SupervisorGroups: []string{g}})
	must(err)
	ch, err := srv.Chat.CreateChannel(ctx, lc.ID, chat.NewChannel{Type: chat.ChannelEmail, Name: "Mail", Address: "help@example.com"})
	must(err)
	msg := "From: ann@example.org\r\nSubject: Hello\r\nMessage-ID: <w1@example.org>\r\n\r\nAre you there?\r\n"
	must(smtp.SendMail(smtpAddr(t, srv), nil, "ann@example.org", []string{"HELP@example.com"}, []byte(msg)))
	var sessionID string
	must(srv.DB.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT id FROM sessions WHERE channel_id = ? AND name = ?", ch.ID, "Hello").Scan(&sessionID)
	}))
	_, err = srv.Chat.PostMessage(ctx, chat.Reply{SessionID: sessionID, Text: "Yes", By: chat.UserActor(op)})
	must(err)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var list struct{ Items []channel.Delivery }
		env.MustDo(http.MethodGet, "/api/v1/livechats/"+lc.ID+"/channels/"+ch.ID+"/deliveries?state=failed", env.Admin, nil, http.StatusOK, &list)
		if len(list.Items) == 1 {
			return
		}
	}
	t.Fatal("the reply was not recorded as a failed delivery")
}

// smtpAddr waits for the server's SMTP listener, which starts with Serve.
func smtpAddr(t *testing.T, srv *server.Server) string {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if a := srv.SMTP.Addr(); a != nil {
			return a.String()
		}
	}
	t.Fatal("the SMTP listener did not start")
	return ""
}
