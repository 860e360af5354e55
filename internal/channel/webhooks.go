package channel

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/parleychat/parley/internal/auth"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/egress"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// WebhookConfig tunes the delivery queue of replies: webhooks of http channels and mail of
// email channels. Zero fields take the defaults in brackets.
type WebhookConfig struct {
	// MaxAttempts is how often a delivery is tried before it fails for good [10].
	MaxAttempts int
	// BaseBackoff is the wait after the first failure; each further failure doubles it [1s],
	// up to MaxBackoff [10m].
	BaseBackoff, MaxBackoff time.Duration
	// Timeout bounds one attempt [10s]; Lease, how long a sender owns a claimed delivery before
	// another may take it over [1m]. Lease must exceed Timeout.
	Timeout, Lease time.Duration
	// Poll is the safety-net interval of the queue and the sender [5s].
	Poll time.Duration
	// Senders is how many deliveries one node posts at once [8].
	Senders int
	// Client posts the deliveries [a client with Timeout].
	Client *http.Client
	// SMTPRelay is the host:port of the relay that sends email replies. Without one, email
	// deliveries fail at once with the reason [none].
	SMTPRelay string
	// SMTPRelayUser and SMTPRelayPassword, when set, log in to the relay with AUTH PLAIN,
	// which is only ever sent over TLS (or to a relay on this host) [no AUTH].
	SMTPRelayUser, SMTPRelayPassword string
	// SMTPRelayTLS says how the relay connection is protected [RelayTLSAuto].
	SMTPRelayTLS RelayTLS
	// SMTPRelayTLSConfig verifies the relay's certificate, for a relay with a private CA; its
	// ServerName is set to the relay's host [the system's roots].
	SMTPRelayTLSConfig *tls.Config
	// Telegram tunes the telegram channels (telegram.go).
	Telegram TelegramConfig
	// FetchClient downloads the files an http channel hands over by URL [egress.Client with
	// private networks refused].
	FetchClient *http.Client
}

func (c WebhookConfig) withDefaults() WebhookConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.Senders <= 0 {
		c.Senders = 8
	}
	def(&c.BaseBackoff, time.Second)
	def(&c.MaxBackoff, 10*time.Minute)
	def(&c.Timeout, 10*time.Second)
	def(&c.Lease, time.Minute)
	def(&c.Poll, 5*time.Second)
	if c.Lease <= c.Timeout {
		c.Lease = 2 * c.Timeout
	}
	if c.SMTPRelayTLS == "" {
		c.SMTPRelayTLS = RelayTLSAuto
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.Timeout}
	}
	c.Telegram = c.Telegram.withDefaults()
	if c.FetchClient == nil {
		c.FetchClient = egress.Client(false)
		c.FetchClient.Timeout = 30 * time.Second
	}
	return c
}

// DeliveryState is where a delivery is.
type DeliveryState string

// The delivery states.
const (
	Pending   DeliveryState = "pending"
	Delivered DeliveryState = "delivered"
	Failed    DeliveryState = "failed"
)

// claimed is a delivery a sender owns until its lease ends.
type claimed struct {
	id, lease, url, payload, messageID string
	// secret signs the webhook delivery; "" sends it unsigned.
	secret string
	// token is a telegram channel's bot token; "" once the channel was deleted.
	token   string
	kind    chat.ChannelType
	attempt int
}

// claimDue takes up to Senders due deliveries under a new lease. Rows another node is
// claiming right now are skipped, not waited for.
func (s *Service) claimDue(ctx context.Context) (out []claimed, err error) {
	lease := store.NewID("lse")
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT id, channel_id, message_id, payload, attempts FROM channel_deliveries
			WHERE state = ? AND next_at <= ? ORDER BY next_at LIMIT ?`+tx.SkipLocked(), string(Pending), store.TS(tx.Now()), s.cfg.Senders)
		if err != nil {
			return err
		}
		var channels []string
		for rows.Next() {
			var c claimed
			var channelID string
			if err := rows.Scan(&c.id, &channelID, &c.messageID, &c.payload, &c.attempt); err != nil {
				rows.Close()
				return err
			}
			c.attempt++
			c.lease = lease
			out, channels = append(out, c), append(channels, channelID)
		}
		rows.Close()
		for i := range out {
			if err := s.lease(ctx, tx, &out[i], channels[i]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return out, err
}

// lease records the claim and reads the channel's type and current webhook URL.
func (s *Service) lease(ctx context.Context, tx *store.Tx, c *claimed, channelID string) error {
	if err := tx.QueryRow(ctx, "SELECT type, webhook_url FROM channels WHERE id = ?", channelID).Scan(&c.kind, &c.url); err != nil {
		return err
	}
	var err error
	if c.secret, err = auth.WebhookSecret(ctx, tx, chat.ChannelKeyOwner(channelID)); err != nil {
		return err
	}
	if c.kind == chat.ChannelTelegram {
		if c.token, err = botToken(ctx, tx, channelID); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, "UPDATE channel_deliveries SET attempts = ?, lease = ?, next_at = ? WHERE id = ?",
		c.attempt, c.lease, store.TS(tx.Now().Add(s.cfg.Lease)), c.id)
	return err
}

// send makes one attempt at a delivery, by mail for an email channel, else by webhook.
func (s *Service) send(ctx context.Context, c claimed) (permanent bool, err error) {
	switch c.kind {
	case chat.ChannelEmail:
		return s.mail(ctx, c)
	case chat.ChannelTelegram:
		return s.telegram(ctx, c)
	}
	return s.post(ctx, c)
}

// post sends one webhook delivery. It returns nil on a 2xx answer; permanent is true when trying again
// cannot help (no URL, or a 4xx answer other than 408, 425 and 429).
func (s *Service) post(ctx context.Context, c claimed) (permanent bool, err error) {
	if c.url == "" {
		return true, fmt.Errorf("the channel has no webhook URL")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader(c.payload))
	if err != nil {
		return true, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook/1")
	req.Header.Set("Idempotency-Key", c.messageID)
	req.Header.Set("X-Parley-Delivery", c.id)
	req.Header.Set("X-Parley-Attempt", strconv.Itoa(c.attempt))
	if c.secret != "" {
		// The receiver checks that the delivery comes from Parley and is fresh (docs/security.md).
		now := time.Now()
		req.Header.Set("Parley-Timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("Parley-Signature", auth.SignWebhook(c.secret, now, []byte(c.payload)))
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	code := resp.StatusCode
	permanent = code >= 400 && code < 500 && code != 408 && code != 425 && code != 429
	return permanent, fmt.Errorf("HTTP %d: %s", code, bytes.TrimSpace(snippet))
}

// record writes an attempt's outcome, if this sender still holds the lease: delivered; or
// failed for good when the error is permanent or the attempts are used up; or pending again
// after a backoff. Consoles are told (DeliveryOutcomesChannel).
func (s *Service) record(ctx context.Context, c claimed, permanent bool, sendErr error) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.Notify(ctx, DeliveryOutcomesChannel); err != nil {
			return err
		}
		now := tx.Now()
		switch {
		case sendErr == nil:
			_, err := tx.Exec(ctx, "UPDATE channel_deliveries SET state = ?, last_error = '', finished_at = ? WHERE id = ? AND lease = ?",
				string(Delivered), store.TS(now), c.id, c.lease)
			return err
		case permanent || c.attempt >= s.cfg.MaxAttempts:
			msg := fmt.Sprintf("gave up after %d attempts: %v", c.attempt, sendErr)
			_, err := tx.Exec(ctx, "UPDATE channel_deliveries SET state = ?, last_error = ?, finished_at = ? WHERE id = ? AND lease = ?",
				string(Failed), msg, store.TS(now), c.id, c.lease)
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE channel_deliveries SET next_at = ?, last_error = ? WHERE id = ? AND lease = ?",
			store.TS(now.Add(s.retryIn(c.attempt, sendErr))), sendErr.Error(), c.id, c.lease)
		return err
	})
}

// retryIn is the wait before the next attempt: as long as the receiver asked for (a Bot API
// 429 answer's retry_after), else the backoff.
func (s *Service) retryIn(attempt int, sendErr error) time.Duration {
	var be *botError
	if errors.As(sendErr, &be) && be.RetryAfter > 0 {
		return be.RetryAfter
	}
	return s.backoff(attempt)
}

// backoff is the wait after the attempt-th failure: BaseBackoff doubled per failure, capped at
// MaxBackoff, less up to a fifth at random so that failed deliveries do not return in step.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.cfg.MaxBackoff
	if attempt < 31 && s.cfg.BaseBackoff<<(attempt-1) < d {
		d = s.cfg.BaseBackoff << (attempt - 1)
	}
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// sendDue claims and sends one round of due deliveries; it reports whether it found any.
func (s *Service) sendDue(ctx context.Context) (bool, error) {
	batch, err := s.claimDue(ctx)
	if err != nil || len(batch) == 0 {
		return false, err
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(batch))
	for _, c := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			permanent, sendErr := s.send(ctx, c)
			if sendErr != nil {
				s.log.Warn("delivery failed", "channel_type", c.kind, "delivery", c.id, "attempt", c.attempt, "err", sendErr)
			}
			errc <- s.record(context.WithoutCancel(ctx), c, permanent, sendErr)
		}()
	}
	wg.Wait()
	close(errc)
	var first error
	for err := range errc {
		if first == nil {
			first = err
		}
	}
	return true, first
}

// nextDue returns how long until the earliest pending delivery is due, at most Poll.
func (s *Service) nextDue(ctx context.Context) time.Duration {
	wait := s.cfg.Poll
	_ = s.db.Read(ctx, func(tx *store.Tx) error {
		var next store.Timestamp
		err := tx.QueryRow(ctx, "SELECT MIN(next_at) FROM channel_deliveries WHERE state = ?", string(Pending)).Scan(&next)
		if err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(tx.Now()), 5*time.Millisecond))
		}
		return err
	})
	return wait
}

// runSender sends deliveries as they become due.
func (s *Service) runSender(ctx context.Context) {
	wake, cancel := s.db.Subscribe(deliveriesChannel)
	defer cancel()
	for ctx.Err() == nil {
		found, err := s.sendDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("delivery sender failed", "err", err)
		}
		if found && err == nil {
			continue
		}
		timer := time.NewTimer(s.nextDue(ctx))
		select {
		case <-ctx.Done():
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Run queues and sends deliveries (webhooks, mail, Telegram) and keeps the telegram
// channels' bots fed, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.runQueue(ctx) }()
	go func() { defer wg.Done(); s.runSender(ctx) }()
	go func() { defer wg.Done(); s.runTelegram(ctx) }()
	wg.Wait()
}

// Delivery is one reply's delivery, by webhook or mail, as shown to administrators.
type Delivery struct {
	ID        string        `json:"id"`
	ChannelID string        `json:"channel_id"`
	SessionID string        `json:"session_id"`
	MessageID string        `json:"message_id"`
	State     DeliveryState `json:"state"`
	Attempts  int           `json:"attempts"`
	LastError string        `json:"last_error"`
	// NextAttemptAt is when a pending delivery is tried next.
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at"`
}

// Deliveries returns a page of an http or email channel's deliveries, newest first; state, when not
// empty, keeps one state.
func (s *Service) Deliveries(ctx context.Context, liveChatID, channelID string, state DeliveryState, p store.Page) (list store.List[*Delivery], err error) {
	if err := p.Check(); err != nil {
		return list, err
	}
	if state != "" && state != Pending && state != Delivered && state != Failed {
		return list, errs.Field("state", "must be pending, delivered or failed, not %q", state)
	}
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		if err := checkChannel(ctx, tx, liveChatID, channelID); err != nil {
			return err
		}
		list, err = listDeliveries(ctx, tx, channelID, state, p)
		return err
	})
	return list, err
}

func checkChannel(ctx context.Context, tx *store.Tx, liveChatID, channelID string) error {
	ok, err := tx.Exists(ctx, "SELECT 1 FROM channels WHERE id = ? AND live_chat_id = ?", channelID, liveChatID)
	if err == nil && !ok {
		return errs.New(errs.NotFound, "channel %q not found in live chat %q", channelID, liveChatID)
	}
	return err
}

func listDeliveries(ctx context.Context, tx *store.Tx, channelID string, state DeliveryState, p store.Page) (store.List[*Delivery], error) {
	q, args := "SELECT id, channel_id, session_id, message_id, state, attempts, last_error, next_at, created_at, finished_at FROM channel_deliveries WHERE channel_id = ?", []any{channelID}
	if state != "" {
		q, args = q+" AND state = ?", append(args, string(state))
	}
	if p.Cursor != "" {
		q, args = q+" AND id < ?", append(args, p.Cursor)
	}
	rows, err := tx.Query(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, p.Size()+1)...)
	if err != nil {
		return store.List[*Delivery]{}, err
	}
	defer rows.Close()
	var items []*Delivery
	for rows.Next() {
		var d Delivery
		var next, created, finished store.Timestamp
		if err := rows.Scan(&d.ID, &d.ChannelID, &d.SessionID, &d.MessageID, &d.State, &d.Attempts, &d.LastError, &next, &created, &finished); err != nil {
			return store.List[*Delivery]{}, err
		}
		d.CreatedAt = created.Time
		if d.State == Pending {
			d.NextAttemptAt = &next.Time
		}
		if !finished.IsZero() {
			d.FinishedAt = &finished.Time
		}
		items = append(items, &d)
	}
	return store.Cut(items, p, func(d *Delivery) string { return d.ID }), rows.Err()
}

// MessageDeliveries sets the Delivery of each message that has a delivery row: the console
// shows whether a reply reached the customer. The lookup goes by message id, which is unique.
func (s *Service) MessageDeliveries(ctx context.Context, messages []*chat.Message) error {
	if len(messages) == 0 {
		return nil
	}
	byID := make(map[string]*chat.Message, len(messages))
	args := make([]any, 0, len(messages))
	for _, m := range messages {
		byID[m.ID] = m
		args = append(args, m.ID)
	}
	return s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT message_id, state, attempts, last_error FROM channel_deliveries WHERE message_id "+store.In(len(args)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var d chat.MessageDelivery
			if err := rows.Scan(&id, &d.State, &d.Attempts, &d.Error); err != nil {
				return err
			}
			byID[id].Delivery = &d
		}
		return rows.Err()
	})
}
