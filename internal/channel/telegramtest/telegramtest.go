// Package telegramtest is a local Telegram Bot API for tests, on a real socket: it answers
// getMe, setWebhook, deleteWebhook, getUpdates, getFile, file downloads, sendMessage,
// sendPhoto and sendDocument as the Bot API documents them, including its errors (401 for a
// token it does not know, 409 for getUpdates while a webhook is set, and whatever a test
// scripts with Fail, such as 429 with retry_after). In webhook mode it posts each update to
// the registered URL with the secret_token header, as Telegram does.
package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sent is a message the bot sent.
type Sent struct {
	Method  string // sendMessage, sendPhoto or sendDocument
	ChatID  int64
	Text    string // sendMessage's text or a file's caption
	Name    string // the uploaded file's name
	Type    string // the uploaded part's Content-Type
	Data    []byte
	Attempt int // how many calls of this method came before, failed ones included
}

// Failure is a scripted refusal of the next call of a method.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int
}

// Server is the fake Bot API of one bot.
type Server struct {
	URL   string
	Token string
	// Username is the bot's username, as getMe answers.
	Username string

	t        testing.TB
	mu       sync.Mutex
	updates  []json.RawMessage // not yet confirmed by an offset
	nextID   int64
	webhook  string
	secret   string
	sent     []Sent
	calls    map[string]int
	failures map[string][]Failure
	files    map[string]file
	wake     chan struct{}
	client   *http.Client
	// polling and maxPolling count getUpdates calls in flight, now and at most.
	polling, maxPolling int
}

type file struct {
	path string
	data []byte
}

// New starts the fake for a bot with the given token; it stops when the test ends.
func New(t testing.TB, token string) *Server {
	s := &Server{Token: token, Username: "parley_test_bot", t: t, nextID: 1000, calls: map[string]int{},
		failures: map[string][]Failure{}, files: map[string]file{}, wake: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Second}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+s.Token+"/"); ok && r.Method == http.MethodGet {
		s.serveFile(w, rest)
		return
	}
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !ok || !strings.HasPrefix(r.URL.Path, "/bot") || r.Method != http.MethodPost {
		answerError(w, 404, "Not Found", 0)
		return
	}
	if token != s.Token {
		answerError(w, 401, "Unauthorized", 0)
		return
	}
	s.mu.Lock()
	attempt := s.calls[method]
	s.calls[method]++
	var fail *Failure
	if q := s.failures[method]; len(q) > 0 {
		fail, s.failures[method] = &q[0], q[1:]
	}
	s.mu.Unlock()
	if fail != nil {
		answerError(w, fail.Code, fail.Description, fail.RetryAfter)
		return
	}
	params, data, err := readParams(r)
	if err != nil {
		answerError(w, 400, "Bad Request: "+err.Error(), 0)
		return
	}
	s.method(w, r, method, params, data, attempt)
}

func (s *Server) method(w http.ResponseWriter, r *http.Request, method string, p map[string]any, up *upload, attempt int) {
	switch method {
	case "getMe":
		answer(w, map[string]any{"id": s.botID(), "is_bot": true, "first_name": "Parley Test", "username": s.Username})
	case "setWebhook":
		s.mu.Lock()
		s.webhook, s.secret = str(p["url"]), str(p["secret_token"])
		s.mu.Unlock()
		answer(w, true)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook, s.secret = "", ""
		s.mu.Unlock()
		answer(w, true)
	case "getUpdates":
		s.getUpdates(w, r, p)
	case "getFile":
		s.mu.Lock()
		f, ok := s.files[str(p["file_id"])]
		s.mu.Unlock()
		if !ok {
			answerError(w, 400, "Bad Request: invalid file_id", 0)
			return
		}
		answer(w, map[string]any{"file_id": p["file_id"], "file_unique_id": "u" + str(p["file_id"]), "file_size": len(f.data), "file_path": f.path})
	case "sendMessage", "sendPhoto", "sendDocument":
		s.send(w, method, p, up, attempt)
	default:
		answerError(w, 404, "Not Found: method not found", 0)
	}
}

func (s *Server) send(w http.ResponseWriter, method string, p map[string]any, up *upload, attempt int) {
	chatID, err := strconv.ParseInt(str(p["chat_id"]), 10, 64)
	if err != nil {
		answerError(w, 400, "Bad Request: chat not found", 0)
		return
	}
	m := Sent{Method: method, ChatID: chatID, Attempt: attempt}
	switch method {
	case "sendMessage":
		m.Text = str(p["text"])
		if m.Text == "" {
			answerError(w, 400, "Bad Request: message text is empty", 0)
			return
		}
	default:
		if up == nil {
			answerError(w, 400, "Bad Request: there is no file in the request", 0)
			return
		}
		m.Text, m.Name, m.Type, m.Data = str(p["caption"]), up.name, up.contentType, up.data
	}
	s.mu.Lock()
	s.sent = append(s.sent, m)
	id := len(s.sent)
	s.mu.Unlock()
	answer(w, map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chatID, "type": "private"}})
}

// getUpdates answers the updates from the offset on, forgetting those before it as Telegram
// does, and waits up to the timeout (at most 2s here) for one when there are none.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]any) {
	s.mu.Lock()
	s.polling++
	s.maxPolling = max(s.maxPolling, s.polling)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling--
		s.mu.Unlock()
	}()
	offset, _ := strconv.ParseInt(str(p["offset"]), 10, 64)
	timeout, _ := strconv.Atoi(str(p["timeout"]))
	deadline := time.Now().Add(min(time.Duration(timeout)*time.Second, 2*time.Second))
	for {
		s.mu.Lock()
		if s.webhook != "" {
			s.mu.Unlock()
			answerError(w, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 0)
			return
		}
		var keep []json.RawMessage
		for _, u := range s.updates {
			if updateID(u) >= offset {
				keep = append(keep, u)
			}
		}
		s.updates = keep
		wake := s.wake
		s.mu.Unlock()
		if len(keep) > 0 || time.Now().After(deadline) {
			answer(w, append([]json.RawMessage{}, keep...))
			return
		}
		select {
		case <-wake:
		case <-time.After(time.Until(deadline)):
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) serveFile(w http.ResponseWriter, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		if f.path == path {
			_, _ = w.Write(f.data)
			return
		}
	}
	http.NotFound(w, nil)
}

func (s *Server) botID() int64 {
	id, _ := strconv.ParseInt(strings.SplitN(s.Token, ":", 2)[0], 10, 64)
	return id
}

func updateID(raw json.RawMessage) int64 {
	var u struct {
		UpdateID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &u)
	return u.UpdateID
}

func answer(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func answerError(w http.ResponseWriter, code int, description string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": code, "description": description}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

type upload struct {
	name, contentType string
	data              []byte
}

// readParams reads a call's parameters from a JSON body, a form or a multipart form with at
// most one file, as the Bot API accepts them.
func readParams(r *http.Request) (map[string]any, *upload, error) {
	p := map[string]any{}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		body, _ := io.ReadAll(r.Body)
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil, nil
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		return p, nil, dec.Decode(&p)
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(50 << 20); err != nil {
			return nil, nil, err
		}
		for k, v := range r.MultipartForm.Value {
			p[k] = v[0]
		}
		for _, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			data, _ := io.ReadAll(f)
			f.Close()
			return p, &upload{name: fhs[0].Filename, contentType: fhs[0].Header.Get("Content-Type"), data: data}, nil
		}
		return p, nil, nil
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.Form {
			p[k] = v[0]
		}
		return p, nil, nil
	}
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}
