package httpapi

import (
	"net/http"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/channel"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
)

func (s *Server) registerChannels() {
	if s.Chat == nil || s.Channels == nil {
		return
	}
	s.handle("GET /api/v1/livechats/{id}/channels", admin, op{action: policy.ChannelConfigure, summary: "A live chat's channels", out: store.List[*chat.Channel]{}}, s.handleChannelList)
	s.handle("POST /api/v1/livechats/{id}/channels", admin, op{action: policy.ChannelConfigure, required: []string{"type", "name"}, summary: "Add a channel; an http channel's answer carries its API key, shown once: a repeat with the same Idempotency-Key answers with the channel without it. A telegram channel's bot_token is checked with Telegram's getMe and never shown again whole",
		in: chat.NewChannel{}, out: chat.Channel{}, status: http.StatusCreated, idempotent: true}, s.handleChannelCreate)
	s.handle("PATCH /api/v1/livechats/{id}/channels/{channelId}", admin, op{action: policy.ChannelConfigure, summary: "Change a channel's name, address or webhook URL",
		in: chat.ChannelPatch{}, out: chat.Channel{}}, s.handleChannelPatch)
	s.handle("DELETE /api/v1/livechats/{id}/channels/{channelId}", admin, op{action: policy.ChannelConfigure, summary: "Retire a channel: it takes no more messages and its API key stops working; its sessions stay",
		status: http.StatusNoContent}, s.handleChannelDelete)
	s.handle("GET /api/v1/livechats/{id}/channels/{channelId}/deliveries", admin, op{action: policy.ChannelConfigure, summary: "An http channel's webhook deliveries, newest first, with attempts and errors",
		out: store.List[*channel.Delivery]{}, query: []string{"state", "limit", "cursor"}}, s.handleDeliveryList)
	s.handle("POST /api/v1/livechats/{id}/channels/{channelId}/webhook-secret", admin, op{action: policy.ChannelConfigure,
		summary: "Replace an http channel's webhook signing secret; the answer shows the new one once", out: webhookSecret{}}, s.handleWebhookSecretRotate)
	s.handle("POST /api/v1/channels/{channelId}/inbound", apiKey, op{action: policy.ChannelInbound, required: []string{"external_chat_id"}, summary: "An outside messenger delivers a customer message (API key of this channel); a repeated external_message_id is stored once. Files come as attachments [{url, name}] that Parley downloads (public addresses only, unless --http-allow-private), or in a multipart/form-data body (the same fields, customer_name/customer_phone/customer_email, and parts named files)",
		in: channel.Inbound{}, form: formSchema(inboundFormFields...), out: channel.InboundResult{}, status: http.StatusCreated, also: []int{http.StatusOK}, fails: []int{http.StatusTooManyRequests}}, s.handleInbound)
}

// handleChannelList handles GET /api/v1/livechats/{id}/channels.
func (s *Server) handleChannelList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Chat.Channels(r.Context(), r.PathValue("id"))
	if err == nil {
		err = s.Channels.DescribeChannels(r.Context(), list.Items...)
	}
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleChannelCreate handles POST /api/v1/livechats/{id}/channels.
func (s *Server) handleChannelCreate(w http.ResponseWriter, r *http.Request) error {
	var in chat.NewChannel
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := auth.AdminFrom(r.Context())
	if err != nil {
		return err
	}
	if in.Idempotency, err = idempotency(r, u.ID, in); err != nil {
		return err
	}
	in.By = u.ID
	ch, err := s.Channels.CreateChannel(r.Context(), r.PathValue("id"), in)
	if err == nil {
		err = s.Channels.DescribeChannels(r.Context(), ch)
	}
	if err != nil {
		return err
	}
	return created(w, ch)
}

// handleChannelPatch handles PATCH /api/v1/livechats/{id}/channels/{channelId}.
func (s *Server) handleChannelPatch(w http.ResponseWriter, r *http.Request) error {
	var in chat.ChannelPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	ch, err := s.Chat.UpdateChannel(r.Context(), r.PathValue("id"), r.PathValue("channelId"), in)
	if err == nil {
		err = s.Channels.DescribeChannels(r.Context(), ch)
	}
	if err != nil {
		return err
	}
	return ok(w, ch)
}

// handleChannelDelete handles DELETE /api/v1/livechats/{id}/channels/{channelId}.
func (s *Server) handleChannelDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Chat.DeleteChannel(r.Context(), r.PathValue("id"), r.PathValue("channelId")); err != nil {
		return err
	}
	return noContent(w)
}

// handleDeliveryList handles GET /api/v1/livechats/{id}/channels/{channelId}/deliveries.
func (s *Server) handleDeliveryList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	state := channel.DeliveryState(r.URL.Query().Get("state"))
	list, err := s.Channels.Deliveries(r.Context(), r.PathValue("id"), r.PathValue("channelId"), state, p)
	if err != nil {
		return err
	}
	return ok(w, list)
}

// handleInbound handles POST /api/v1/channels/{channelId}/inbound. A repeat of an
// external_message_id answers 200 with the first delivery's result and "duplicate": true.
func (s *Server) handleInbound(w http.ResponseWriter, r *http.Request) error {
	in, err := s.readInbound(r)
	if err != nil {
		return err
	}
	owner := auth.FromContext(r.Context()).APIKeyOwner
	if err := check("deliveries with this API key", time.Now(), limitKey{s.limits.inbound, owner}); err != nil {
		return err
	}
	res, err := s.Channels.Receive(r.Context(), owner, r.PathValue("channelId"), in)
	if err != nil {
		return err
	}
	if res.Duplicate {
		return ok(w, res)
	}
	return created(w, res)
}

// webhookSecret is the answer to a rotation: the new secret, shown once.
type webhookSecret struct {
	WebhookSecret string `json:"webhook_secret"`
}

// handleWebhookSecretRotate handles POST /api/v1/livechats/{id}/channels/{channelId}/webhook-secret.
func (s *Server) handleWebhookSecretRotate(w http.ResponseWriter, r *http.Request) error {
	secret, err := s.Chat.RotateWebhookSecret(r.Context(), r.PathValue("id"), r.PathValue("channelId"))
	if err != nil {
		return err
	}
	return ok(w, webhookSecret{secret})
}
