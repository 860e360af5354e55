package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// WebhookSecretPrefix starts every webhook signing secret.
const WebhookSecretPrefix = "whsec_"

// NewWebhookSecret makes a new signing secret for owner's webhook deliveries (such as
// "channel:<id>"), replacing any earlier one, inside the caller's transaction, and returns it
// to be shown once.
func NewWebhookSecret(ctx context.Context, tx *store.Tx, owner string) (string, error) {
	secret, _ := NewSecret(WebhookSecretPrefix)
	_, err := tx.Exec(ctx, `INSERT INTO webhook_secrets (owner, secret, created_at) VALUES (?, ?, ?)
		ON CONFLICT (owner) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`,
		owner, secret, store.TS(tx.Now()))
	return secret, err
}

// WebhookSecret returns owner's signing secret, "" when it has none (a channel made before
// deliveries were signed, until its secret is rotated).
func WebhookSecret(ctx context.Context, tx *store.Tx, owner string) (string, error) {
	var secret string
	err := tx.QueryRow(ctx, "SELECT secret FROM webhook_secrets WHERE owner = ?", owner).Scan(&secret)
	if errs.Is(err, errs.NotFound) {
		return "", nil
	}
	return secret, err
}

// SignWebhook returns the signature of a delivery: "v1=" and the hex HMAC-SHA256, keyed with
// the secret, of the Unix timestamp, a dot and the body. The timestamp is signed so that a
// receiver can refuse old deliveries replayed.
func SignWebhook(secret string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(at.Unix(), 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}
