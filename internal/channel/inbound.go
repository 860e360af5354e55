package channel

import (
	"context"
	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
)

// Inbound is a customer message an outside messenger delivers to an http channel.
type Inbound struct {
	// ExternalChatID is the messenger's id of the conversation: one customer of the channel.
	ExternalChatID string            `json:"external_chat_id"`
	Customer       chat.CustomerInfo `json:"customer"`
	Subject        string            `json:"subject"`
	Text           string            `json:"text"`
	// ExternalMessageID, when given, makes a repeated delivery store once.
	ExternalMessageID string `json:"external_message_id"`
	// Attachments are files Parley downloads from the given URLs.
	Attachments []InboundAttachment `json:"attachments,omitempty"`
	// Files are files sent along in a multipart/form-data body.
	Files []chat.NewFile `json:"-"`
}

// InboundResult says where an inbound message went.
type InboundResult struct {
	SessionID string `json:"session_id"`
	MessageID string `json:"message_id"`
	// Duplicate is true when the external_message_id had been delivered before: nothing new
	// was stored and this is the first delivery's result.
	Duplicate bool `json:"duplicate"`
}

func (in Inbound) check() error {
	var list errs.List
	switch {
	case in.ExternalChatID == "":
		list.Add("external_chat_id", "is required: the messenger's id of the conversation")
	case len(in.ExternalChatID) > 255:
		list.Add("external_chat_id", "must be at most 255 bytes")
	}
	if len(in.ExternalMessageID) > 255 {
		list.Add("external_message_id", "must be at most 255 bytes")
	}
	return list.Err()
}

// Receive stores an inbound message of the http channel. keyOwner is the owner of the API key
// the request came with: it must be this channel's.
func (s *Service) Receive(ctx context.Context, keyOwner, channelID string, in Inbound) (*InboundResult, error) {
	key := &auth.Principal{APIKeyOwner: keyOwner}
	if err := policy.Can(key, policy.ChannelInbound, policy.Resource{ChannelID: channelID}); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	dedup := ""
	if in.ExternalMessageID != "" {
		dedup = "ext:" + in.ExternalMessageID
	}
	files := in.Files
	if len(in.Attachments) > 0 {
		fetched, err := s.fetchAttachments(ctx, in.Attachments)
		if err != nil {
			return nil, err
		}
		files = append(files, fetched...)
	}
	r, err := s.chat.Receive(ctx, chat.Inbound{ChannelID: channelID, Identity: in.ExternalChatID, Customer: in.Customer,
		Subject: in.Subject, Text: in.Text, DedupKey: dedup, Files: files})
	if err != nil {
		return nil, err
	}
	s.received.add(chat.ChannelHTTP, r)
	return &InboundResult{SessionID: r.Session.ID, MessageID: r.Message.ID, Duplicate: r.Duplicate}, nil
}
