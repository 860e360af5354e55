package server

import (
	"context"

	"github.com/parleychat/parley/internal/chat"
)

// demoLiveChat creates the live chat "Support", served by the demo groups, with one customer
// conversation waiting in it, so that an operator who logs in has something to answer.
func (s *Server) demoLiveChat(ctx context.Context) error {
	ops, err := s.Auth.GroupByName(ctx, "Support operators")
	if err != nil {
		return err
	}
	sups, err := s.Auth.GroupByName(ctx, "Support supervisors")
	if err != nil {
		return err
	}
	lc, err := s.Chat.CreateLiveChat(ctx, chat.NewLiveChat{Name: "Support", Description: "Questions from the website",
		OperatorGroups: []string{ops.ID}, SupervisorGroups: []string{sups.ID}})
	if err != nil {
		return err
	}
	_, err = s.Chat.Receive(ctx, chat.Inbound{ChannelID: lc.Channels[0].ID, Identity: "demo-visitor",
		Customer: chat.CustomerInfo{Name: "Ann Example", Phone: "+14155550123", Email: "ann@example.com"},
		Subject:  "Where is my order?", Text: "Hello! I ordered a lamp last week and it has not arrived yet."})
	if err == nil {
		s.log.Info("demo live chat created", "live_chat", lc.Name, "live_chat_id", lc.ID, "widget", "/widget/"+lc.ID)
	}
	return err
}
