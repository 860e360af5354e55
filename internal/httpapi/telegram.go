package httpapi

import (
	"io"
	"net/http"

	"github.com/parleychat/parley/internal/auth/policy"
)

func (s *Server) registerTelegram() {
	if s.Channels == nil {
		return
	}
	// Telegram holds no Parley credential: the way in is the secret_token Parley registered
	// with setWebhook, which Telegram sends back on every update and the service checks.
	s.handle("POST /api/v1/channels/{channelId}/telegram", public, op{action: policy.ChannelTelegram,
		summary: "Telegram posts a telegram channel's bot updates here (its webhook), with the channel's secret in X-Telegram-Bot-Api-Secret-Token; other callers get 401",
		// The body is a Bot API Update, with more fields than Parley reads and more to come.
		in: map[string]any{}, out: struct{}{}}, s.handleTelegramUpdate)
}

// handleTelegramUpdate handles POST /api/v1/channels/{channelId}/telegram. An update is
// answered 200 once stored, or when it is of a kind Parley ignores, so that Telegram does not
// send it again; a failure to store it answers an error and Telegram tries again later.
func (s *Server) handleTelegramUpdate(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	if err := s.Channels.ReceiveTelegram(r.Context(), r.PathValue("channelId"), r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), body); err != nil {
		return err
	}
	return ok(w, struct{}{})
}
