package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// botAPI calls the Telegram Bot API for one bot. Every method is a POST to
// <base>/bot<token>/<method> answered by {"ok": true, "result": …} or by {"ok": false,
// "error_code": …, "description": …, "parameters": {"retry_after": …}}.
//
// The token is part of every URL, so no error this client returns carries a URL: net/http's
// errors name the URL they failed on, and an error ends up in logs and in a delivery's reason.
type botAPI struct {
	base   string // such as https://api.telegram.org, without a trailing slash
	token  string
	client *http.Client
}

// botError is the Bot API's refusal of a call.
type botError struct {
	Method      string
	Code        int
	Description string
	// RetryAfter is how long to wait before calling again, from a 429 answer.
	RetryAfter time.Duration
}

func (e *botError) Error() string {
	return fmt.Sprintf("Telegram %s: %d %s", e.Method, e.Code, e.Description)
}

// botAnswer is the envelope of every Bot API answer.
type botAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// maxAnswer bounds a Bot API answer read into memory (a getUpdates answer of 100 updates
// fits many times over).
const maxAnswer = 8 << 20

// call posts params as JSON to method and decodes the result into out (nil: ignored).
func (b *botAPI) call(ctx context.Context, method string, params any, out any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	return b.do(ctx, method, "application/json", bytes.NewReader(body), out)
}

func (b *botAPI) do(ctx context.Context, method, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/bot"+b.token+"/"+method, body)
	if err != nil {
		return fmt.Errorf("telegram %s: the API URL is not usable", method)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := b.client.Do(req)
	if err != nil {
		return withoutURL(method, err)
	}
	defer resp.Body.Close()
	var a botAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswer)).Decode(&a); err != nil {
		return &botError{Method: method, Code: resp.StatusCode, Description: "the answer is not the Bot API's JSON"}
	}
	if !a.OK {
		code := a.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return &botError{Method: method, Code: code, Description: a.Description, RetryAfter: time.Duration(a.Parameters.RetryAfter) * time.Second}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(a.Result, out); err != nil {
		return fmt.Errorf("telegram %s: unexpected result: %v", method, err)
	}
	return nil
}

// withoutURL is a transport error without the URL, which holds the token.
func withoutURL(method string, err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		err = u.Err
	}
	return fmt.Errorf("telegram %s: %w", method, err)
}

// tgUser is a Telegram user or bot.
type tgUser struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
}

func (b *botAPI) getMe(ctx context.Context) (me tgUser, err error) {
	err = b.call(ctx, "getMe", struct{}{}, &me)
	return me, err
}

// setWebhook has Telegram post the bot's updates to url, each with secret in the
// X-Telegram-Bot-Api-Secret-Token header.
func (b *botAPI) setWebhook(ctx context.Context, url, secret string) error {
	return b.call(ctx, "setWebhook", map[string]any{"url": url, "secret_token": secret, "allowed_updates": allowedUpdates}, nil)
}

// deleteWebhook stops webhook delivery, so that getUpdates may be used; pending updates stay.
func (b *botAPI) deleteWebhook(ctx context.Context) error {
	return b.call(ctx, "deleteWebhook", map[string]any{"drop_pending_updates": false}, nil)
}

// allowedUpdates are the update kinds Parley asks for: new messages only.
var allowedUpdates = []string{"message"}

// getUpdates long-polls for updates from offset on, waiting up to timeout for the first.
func (b *botAPI) getUpdates(ctx context.Context, offset int64, timeout time.Duration) (ups []json.RawMessage, err error) {
	err = b.call(ctx, "getUpdates", map[string]any{"offset": offset, "timeout": int(timeout / time.Second), "allowed_updates": allowedUpdates}, &ups)
	return ups, err
}

// tgFile is getFile's answer: where a file can be downloaded for an hour.
type tgFile struct {
	FileID   string `json:"file_id"`
	FileSize int64  `json:"file_size"`
	FilePath string `json:"file_path"`
}

// download fetches a file the bot received, through getFile and the file URL, refusing one
// larger than limit bytes.
func (b *botAPI) download(ctx context.Context, fileID string, limit int64) ([]byte, error) {
	var f tgFile
	if err := b.call(ctx, "getFile", map[string]string{"file_id": fileID}, &f); err != nil {
		return nil, err
	}
	if f.FilePath == "" {
		return nil, &botError{Method: "getFile", Code: 400, Description: "no file_path in the answer"}
	}
	if f.FileSize > limit {
		return nil, fmt.Errorf("the file is %d bytes, more than the limit of %d", f.FileSize, limit)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/file/bot"+b.token+"/"+f.FilePath, nil)
	if err != nil {
		return nil, fmt.Errorf("telegram file download: the file path is not usable")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, withoutURL("file download", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &botError{Method: "file download", Code: resp.StatusCode, Description: http.StatusText(resp.StatusCode)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("the file is more than the limit of %d bytes", limit)
	}
	return data, err
}

// sendMessage sends text to a chat.
func (b *botAPI) sendMessage(ctx context.Context, chatID int64, text string) error {
	return b.call(ctx, "sendMessage", map[string]any{"chat_id": chatID, "text": text}, nil)
}

// sendFile uploads a file to a chat: method is sendPhoto (field photo) or sendDocument (field
// document); the caption may be empty.
func (b *botAPI) sendFile(ctx context.Context, method, field string, chatID int64, name, contentType string, data []byte, caption string) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("chat_id", strconv.FormatInt(chatID, 10))
	if caption != "" {
		_ = w.WriteField("caption", caption)
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+quoteless(name)+`"`)
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := part.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return b.do(ctx, method, w.FormDataContentType(), &body, nil)
}

// quoteless keeps a file name from breaking out of its quoted header parameter.
func quoteless(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, name)
}
