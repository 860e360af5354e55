package chat

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// CustomerInfo is what customers tell about themselves; an empty field is unknown. Phones are
// kept in E.164 and emails with a lower-cased domain, so that the snapshot's customer.phone
// and customer.email are valid values of the phone and email types.
type CustomerInfo struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// normalize checks s as a value of a text-shaped kind and returns its canonical form, or the
// reason it is refused.
func normalize(kind value.Kind, s string) (string, string) {
	v, err := value.FromNative(value.Type{Kind: kind}, s)
	var e *errs.Error
	if errors.As(err, &e) {
		return "", e.Message
	}
	if err != nil {
		return "", err.Error()
	}
	return v.Native().(string), ""
}

// normalize trims and checks the fields, naming each bad one as customer.<field>.
func (c *CustomerInfo) normalize() error {
	var list errs.List
	c.Name = strings.TrimSpace(c.Name)
	if utf8.RuneCountInString(c.Name) > 200 {
		list.Add("customer.name", "must be at most 200 characters")
	}
	var reason string
	if c.Phone = strings.TrimSpace(c.Phone); c.Phone != "" {
		if c.Phone, reason = normalize(value.KindPhone, c.Phone); reason != "" {
			list.Add("customer.phone", "%s", reason)
		}
	}
	if c.Email = strings.TrimSpace(c.Email); c.Email != "" {
		if c.Email, reason = normalize(value.KindEmail, c.Email); reason != "" {
			list.Add("customer.email", "%s", reason)
		}
	}
	return list.Err()
}

// label is how a customer is called in a session's name when they gave no name.
func (c Customer) label() string {
	for _, s := range []string{c.Name, c.Email, c.Phone} {
		if s != "" {
			return s
		}
	}
	return "Customer " + c.ID[max(0, len(c.ID)-6):]
}

// findOrCreateCustomer returns the id of the channel's customer with that identity, creating
// it when new. Concurrent first messages of one customer meet on the unique key and share the
// row.
func findOrCreateCustomer(ctx context.Context, tx *store.Tx, channelID, identity string, info CustomerInfo) (string, error) {
	now := store.TS(tx.Now())
	_, err := tx.Exec(ctx, `INSERT INTO customers (id, channel_id, identity, name, phone, email, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, identity) DO NOTHING`,
		store.NewID("cus"), channelID, identity, info.Name, info.Phone, info.Email, now, now)
	if err != nil {
		return "", err
	}
	var id string
	err = tx.QueryRow(ctx, "SELECT id FROM customers WHERE channel_id = ? AND identity = ?", channelID, identity).Scan(&id)
	return id, err
}

// updateCustomer records what a returning customer tells anew; fields they leave empty keep
// what was known.
func updateCustomer(ctx context.Context, tx *store.Tx, sess *Session, info CustomerInfo) error {
	c := &sess.Customer
	changed := false
	for _, f := range []struct {
		old *string
		new string
	}{{&c.Name, info.Name}, {&c.Phone, info.Phone}, {&c.Email, info.Email}} {
		if f.new != "" && f.new != *f.old {
			*f.old, changed = f.new, true
		}
	}
	if !changed {
		return nil
	}
	forgetSessions(tx) // cached sessions hold what this changes
	_, err := tx.Exec(ctx, "UPDATE customers SET name = ?, phone = ?, email = ?, updated_at = ? WHERE id = ?",
		c.Name, c.Phone, c.Email, store.TS(tx.Now()), c.ID)
	return err
}
