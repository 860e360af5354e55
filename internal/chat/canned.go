package chat

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// CannedResponse is a ready text staff insert while replying. LiveChatID is empty for a
// global one, offered in every live chat. Placeholders ({customer.name}, {operator.name},
// {liveChat.name}) are filled in when the text is inserted, not stored filled.
type CannedResponse struct {
	ID         string    `json:"id"`
	LiveChatID string    `json:"live_chat_id"`
	Title      string    `json:"title"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// CannedInput is a canned response's title and text, as created or replaced.
type CannedInput struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// MaxCannedTitle is the longest title, in characters.
const MaxCannedTitle = 200

// CannedPlaceholders are the placeholders a canned response may hold.
var CannedPlaceholders = []string{"{customer.name}", "{operator.name}", "{liveChat.name}"}

var placeholderRE = regexp.MustCompile(`\{[A-Za-z]+\.[A-Za-z]+\}`)

func (in *CannedInput) check() error {
	in.Title = strings.TrimSpace(in.Title)
	var list errs.List
	if in.Title == "" {
		list.Add("title", "is required")
	} else if utf8.RuneCountInString(in.Title) > MaxCannedTitle {
		list.Add("title", "is longer than %d characters", MaxCannedTitle)
	}
	if strings.TrimSpace(in.Text) == "" {
		list.Add("text", "is required")
	}
	for _, p := range placeholderRE.FindAllString(in.Text, -1) {
		if !slices.Contains(CannedPlaceholders, p) {
			list.Add("text", "unknown placeholder %s: use %s", p, strings.Join(CannedPlaceholders, ", "))
			break
		}
	}
	if err := list.Err(); err != nil {
		return err
	}
	return checkText(in.Text)
}

// CannedResponses returns the canned responses usable in the live chat: the global ones and
// its own, by title. Its staff may read them.
func (s *Service) CannedResponses(ctx context.Context, u *auth.User, liveChatID string) (list store.List[*CannedResponse], err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if _, err := getLiveChat(ctx, tx, liveChatID); err != nil {
			return err
		}
		if err := allow(ctx, tx, u, policy.LiveChatRead, liveChatID); err != nil {
			return err
		}
		list.Items, err = listCanned(ctx, tx, liveChatID)
		return err
	})
	return list, err
}

// CreateCannedResponse adds a canned response to the live chat, or a global one when
// liveChatID is empty: administrators for any, supervisors for their own live chat.
func (s *Service) CreateCannedResponse(ctx context.Context, u *auth.User, liveChatID string, in CannedInput) (c *CannedResponse, err error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := mayManageCanned(ctx, tx, u, liveChatID); err != nil {
			return err
		}
		now := tx.Now()
		c = &CannedResponse{ID: store.NewID("cnr"), LiveChatID: liveChatID, Title: in.Title, Text: in.Text, CreatedAt: now, UpdatedAt: now}
		_, err := tx.Exec(ctx, `INSERT INTO canned_responses (id, live_chat_id, title, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, nullable(liveChatID), c.Title, c.Text, store.TS(now), store.TS(now))
		if err != nil {
			return err
		}
		return auth.Audit(ctx, tx, "canned.create", "canned_response", c.ID, in)
	})
	return c, err
}

// UpdateCannedResponse replaces a canned response's title and text.
func (s *Service) UpdateCannedResponse(ctx context.Context, u *auth.User, id string, in CannedInput) (c *CannedResponse, err error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if c, err = manageableCanned(ctx, tx, u, id); err != nil {
			return err
		}
		c.Title, c.Text, c.UpdatedAt = in.Title, in.Text, tx.Now()
		if _, err := tx.Exec(ctx, "UPDATE canned_responses SET title = ?, text = ?, updated_at = ? WHERE id = ?",
			c.Title, c.Text, store.TS(c.UpdatedAt), id); err != nil {
			return err
		}
		return auth.Audit(ctx, tx, "canned.update", "canned_response", id, in)
	})
	return c, err
}

// DeleteCannedResponse removes a canned response.
func (s *Service) DeleteCannedResponse(ctx context.Context, u *auth.User, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := manageableCanned(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM canned_responses WHERE id = ?", id); err != nil {
			return err
		}
		return auth.Audit(ctx, tx, "canned.delete", "canned_response", id, map[string]string{"title": c.Title})
	})
}

// mayManageCanned checks that the user may manage the live chat's canned responses; the
// global ones (liveChatID empty) belong to no live chat, so only administrators pass.
func mayManageCanned(ctx context.Context, tx *store.Tx, u *auth.User, liveChatID string) error {
	if liveChatID != "" {
		if _, err := getLiveChat(ctx, tx, liveChatID); err != nil {
			return err
		}
	}
	return allow(ctx, tx, u, policy.CannedManage, liveChatID)
}

// manageableCanned loads a canned response the user may change.
func manageableCanned(ctx context.Context, tx *store.Tx, u *auth.User, id string) (*CannedResponse, error) {
	c, err := scanCanned(tx.QueryRow(ctx, "SELECT "+cannedColumns+" FROM canned_responses WHERE id = ?", id))
	if err != nil {
		return nil, store.NotFound(err, "canned response %q not found", id)
	}
	return c, mayManageCanned(ctx, tx, u, c.LiveChatID)
}

const cannedColumns = "id, COALESCE(live_chat_id, ''), title, text, created_at, updated_at"

func scanCanned(row interface{ Scan(...any) error }) (*CannedResponse, error) {
	var c CannedResponse
	var created, updated store.Timestamp
	if err := row.Scan(&c.ID, &c.LiveChatID, &c.Title, &c.Text, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = created.Time, updated.Time
	return &c, nil
}

func listCanned(ctx context.Context, tx *store.Tx, liveChatID string) ([]*CannedResponse, error) {
	rows, err := tx.Query(ctx, "SELECT "+cannedColumns+` FROM canned_responses
		WHERE live_chat_id IS NULL OR live_chat_id = ? ORDER BY title, id`, liveChatID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []*CannedResponse{}
	for rows.Next() {
		c, err := scanCanned(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, c)
	}
	return items, rows.Err()
}
