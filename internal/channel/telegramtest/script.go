package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// User is who writes to the bot.
type User struct {
	ID                            int64
	FirstName, LastName, Username string
}

func (u User) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Username != "" {
		m["username"] = u.Username
	}
	return m
}

// Message is a message in the private chat with from; fields are added to it as the Bot
// API names them ("text", "caption", "photo", "document", "contact", …).
func Message(from User, fields map[string]any) map[string]any {
	m := map[string]any{"message_id": time.Now().UnixNano() % 1_000_000, "date": time.Now().Unix(), "from": from.json(),
		"chat": map[string]any{"id": from.ID, "type": "private", "first_name": from.FirstName}}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

// GroupMessage is a message from from in a group chat.
func GroupMessage(from User, text string) map[string]any {
	m := Message(from, map[string]any{"text": text})
	m["chat"] = map[string]any{"id": -100123, "type": "group", "title": "Friends"}
	return m
}

// AddUpdate makes message the bot's next update and returns its update_id. Polled, it is
// answered to getUpdates; with a webhook set, it is posted there at once, and the status of
// that post is returned as well (0 when polled).
func (s *Server) AddUpdate(message map[string]any) (updateID int64, status int) {
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	raw, _ := json.Marshal(map[string]any{"update_id": id, "message": message})
	hook, secret := s.webhook, s.secret
	if hook == "" {
		s.updates = append(s.updates, raw)
		close(s.wake)
		s.wake = make(chan struct{})
	}
	s.mu.Unlock()
	if hook == "" {
		return id, 0
	}
	return id, s.Post(hook, secret, raw)
}

// Repeat sends an update again with the same update_id, as Telegram does when it was not
// sure the first delivery arrived.
func (s *Server) Repeat(updateID int64, message map[string]any) (status int) {
	raw, _ := json.Marshal(map[string]any{"update_id": updateID, "message": message})
	s.mu.Lock()
	hook, secret := s.webhook, s.secret
	if hook == "" {
		s.updates = append(s.updates, raw)
		close(s.wake)
		s.wake = make(chan struct{})
	}
	s.mu.Unlock()
	if hook == "" {
		return 0
	}
	return s.Post(hook, secret, raw)
}

// Post posts a raw update to url with secret as the secret token header ("" leaves it
// out) and returns the status.
func (s *Server) Post(url, secret string, raw []byte) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Webhook is the registered webhook URL and secret token ("" when polled).
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook, s.secret
}

// AddFile makes a file downloadable under fileID.
func (s *Server) AddFile(fileID, path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[fileID] = file{path: path, data: data}
}

// Fail scripts the next calls of method to be refused, one failure per call, in order.
func (s *Server) Fail(method string, failures ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], failures...)
}

// Sent returns what the bot sent so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent{}, s.sent...)
}

// Calls is how often method was called, refused calls included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// MaxPolling is the most getUpdates calls that were in flight at once: Telegram answers a
// second one with 409 Conflict, so a well-behaved client never makes two.
func (s *Server) MaxPolling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxPolling
}

// Pending is how many updates wait to be confirmed by getUpdates' offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}
