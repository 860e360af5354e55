package channel

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
)

// liveBot is a telegram channel's bot as the supervisor sees it.
type liveBot struct {
	channelID, token, webhook string
	deleted                   bool
}

// runTelegram keeps every telegram channel's bot fed on this node until ctx ends: with a
// public URL each bot gets its webhook there; without one, each bot gets a poller, of which
// only the lease holder across all nodes calls getUpdates. A deleted channel's bot loses its
// webhook and its token. The supervisor looks at the bots when a channel is added and every
// TelegramConfig.Every.
func (s *Service) runTelegram(ctx context.Context) {
	wake, cancel := s.db.Subscribe(botsChannel)
	defer cancel()
	tick := time.NewTicker(s.cfg.Telegram.Every)
	defer tick.Stop()
	pollers := map[string]context.CancelFunc{}
	// held are the bots whose webhook could not be set, with when to try again: a URL Telegram
	// refuses would otherwise be sent again, and logged, every round.
	held := map[string]time.Time{}
	var wg sync.WaitGroup
	defer func() {
		for _, stop := range pollers {
			stop()
		}
		wg.Wait()
	}()
	for {
		bots, err := s.liveBots(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("telegram: reading the bots failed", "err", err)
		}
		polled := map[string]bool{}
		for _, b := range bots {
			switch {
			case b.deleted:
				s.retireBot(ctx, b)
			case s.cfg.Telegram.PublicURL != "":
				if time.Now().Before(held[b.channelID]) {
					continue
				}
				delete(held, b.channelID)
				if !s.registerWebhook(ctx, b) {
					held[b.channelID] = time.Now().Add(webhookRetry)
				}
			default:
				polled[b.channelID] = true
				if pollers[b.channelID] == nil {
					pctx, stop := context.WithCancel(ctx)
					pollers[b.channelID] = stop
					wg.Add(1)
					go func() { defer wg.Done(); s.pollBot(pctx, b.channelID) }()
				}
			}
		}
		for id, stop := range pollers {
			if err == nil && !polled[id] {
				stop()
				delete(pollers, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
	}
}

// liveBots lists the bots not yet retired, with whether their channel was deleted.
func (s *Service) liveBots(ctx context.Context) (out []liveBot, err error) {
	err = s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT b.channel_id, b.token, b.webhook_url, c.deleted_at IS NOT NULL FROM telegram_bots b
			JOIN channels c ON c.id = b.channel_id WHERE b.retired_at IS NULL ORDER BY b.channel_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b liveBot
			if err := rows.Scan(&b.channelID, &b.token, &b.webhook, &b.deleted); err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}

// webhookPath is where Telegram posts a channel's updates, below the public URL.
func webhookPath(channelID string) string { return "/api/v1/channels/" + channelID + "/telegram" }

// webhookRetry is how long a node waits before it tries again to set a webhook that failed.
const webhookRetry = time.Minute

// registerWebhook points the bot's webhook at this installation, unless it already is. It
// reports false when that failed.
func (s *Service) registerWebhook(ctx context.Context, b liveBot) bool {
	url := s.cfg.Telegram.PublicURL + webhookPath(b.channelID)
	if b.webhook == url {
		return true
	}
	var secret string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT secret FROM telegram_bots WHERE channel_id = ?", b.channelID).Scan(&secret)
	})
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		err = s.bot(b.token).setWebhook(cctx, url, secret)
		cancel()
	}
	if err != nil {
		s.botFailed(ctx, b.channelID, "setting the webhook", err)
		return false
	}
	s.log.Info("telegram: webhook registered", "channel", b.channelID, "url", url)
	s.updateBot(ctx, "UPDATE telegram_bots SET webhook_url = ?, poll_owner = '', last_error = '' WHERE channel_id = ?", url, b.channelID)
	return true
}

// retireBot removes a deleted channel's webhook and forgets its token. A Bot API refusal
// (a token revoked meanwhile) does not keep the token: only an unreachable API does, until
// the next round.
func (s *Service) retireBot(ctx context.Context, b liveBot) {
	if b.webhook != "" {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		err := s.bot(b.token).deleteWebhook(cctx)
		cancel()
		var be *botError
		if err != nil && !errors.As(err, &be) {
			s.log.Warn("telegram: removing a deleted channel's webhook failed; trying again", "channel", b.channelID, "err", err)
			return
		}
	}
	s.updateBot(ctx, "UPDATE telegram_bots SET token = '', secret = '', webhook_url = '', poll_owner = '', retired_at = ? WHERE channel_id = ?",
		store.TS(s.db.Now()), b.channelID)
	s.log.Info("telegram: a deleted channel's bot was let go", "channel", b.channelID)
}

// botFailed records why talking to a bot failed, for the administrator to see on the
// channel, and logs it.
func (s *Service) botFailed(ctx context.Context, channelID, doing string, err error) {
	if ctx.Err() != nil {
		return
	}
	s.log.Warn("telegram: "+doing+" failed", "channel", channelID, "err", err)
	s.updateBot(ctx, "UPDATE telegram_bots SET last_error = ? WHERE channel_id = ?", truncateRunes(doing+": "+err.Error(), 500), channelID)
}

func (s *Service) updateBot(ctx context.Context, query string, args ...any) {
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
	if err != nil && ctx.Err() == nil {
		s.log.Error("telegram: updating a bot failed", "err", err)
	}
}

// polledBot is what the lease holder needs to poll a bot.
type polledBot struct {
	token, webhook string
	offset         int64
}

// leaseBot takes or renews the lease of polling a bot: it is taken when free, expired, or
// already owner's. ok is false when another node holds it.
func (s *Service) leaseBot(ctx context.Context, channelID, owner string) (b polledBot, ok bool, err error) {
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		res, err := tx.Exec(ctx, `UPDATE telegram_bots SET poll_owner = ?, poll_until = ? WHERE channel_id = ? AND retired_at IS NULL
			AND (poll_owner = ? OR poll_until < ?) AND channel_id IN (SELECT id FROM channels WHERE deleted_at IS NULL)`,
			owner, store.TS(now.Add(s.cfg.Telegram.Lease)), channelID, owner, store.TS(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		ok = true
		return tx.QueryRow(ctx, "SELECT token, webhook_url, update_offset FROM telegram_bots WHERE channel_id = ?", channelID).
			Scan(&b.token, &b.webhook, &b.offset)
	})
	return b, ok, err
}

// pollBot long-polls one bot for as long as this node holds its lease, and tries to take the
// lease every TelegramConfig.Every while another node holds it. The offset lives in the
// database, so a node that takes over goes on where the last one stopped; an update read
// twice across a takeover is stored once by its update_id.
func (s *Service) pollBot(ctx context.Context, channelID string) {
	owner := store.NewID("tgp")
	defer s.updateBot(context.WithoutCancel(ctx), "UPDATE telegram_bots SET poll_until = 0 WHERE channel_id = ? AND poll_owner = ?", channelID, owner)
	for ctx.Err() == nil {
		wait := s.cfg.Telegram.Every
		b, ok, err := s.leaseBot(ctx, channelID, owner)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("telegram: taking the poll lease failed", "channel", channelID, "err", err)
		case ok:
			wait = s.pollOnce(ctx, channelID, b)
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
	}
}

// pollOnce makes one getUpdates call and stores what it brings. It returns how long to wait
// before the next call: none after a good call, retry_after after a 429, Every after other
// failures.
func (s *Service) pollOnce(ctx context.Context, channelID string, b polledBot) time.Duration {
	api := s.bot(b.token)
	if b.webhook != "" {
		// getUpdates is refused while a webhook is set: this node polls, so the installation
		// no longer has a public URL.
		if err := api.deleteWebhook(ctx); err != nil {
			s.botFailed(ctx, channelID, "removing the webhook to poll", err)
			return s.cfg.Telegram.Every
		}
		s.updateBot(ctx, "UPDATE telegram_bots SET webhook_url = '' WHERE channel_id = ?", channelID)
	}
	ups, err := api.getUpdates(ctx, b.offset, s.cfg.Telegram.PollTimeout)
	var be *botError
	switch {
	case err == nil:
	case errors.As(err, &be) && be.Code == http.StatusConflict:
		// A webhook Parley did not set (another program, or a node started with --public-url)
		// keeps getUpdates from working. The bot is this channel's: the webhook goes.
		s.botFailed(ctx, channelID, "polling for updates", err)
		if err := api.deleteWebhook(ctx); err != nil {
			s.botFailed(ctx, channelID, "removing a webhook to poll", err)
		}
		return s.cfg.Telegram.Every
	case errors.As(err, &be) && be.RetryAfter > 0:
		s.botFailed(ctx, channelID, "polling for updates", err)
		return be.RetryAfter
	default:
		s.botFailed(ctx, channelID, "polling for updates", err)
		return s.cfg.Telegram.Every
	}
	if len(ups) == 0 {
		// A quiet poll after a failure still shows the bot works again.
		s.updateBot(ctx, "UPDATE telegram_bots SET last_error = '' WHERE channel_id = ? AND last_error <> ''", channelID)
		return 0
	}
	next, err := s.storeUpdates(ctx, channelID, b.token, ups)
	if next > b.offset {
		s.updateBot(ctx, "UPDATE telegram_bots SET update_offset = ?, last_error = '' WHERE channel_id = ? AND update_offset < ?", next, channelID, next)
	}
	if err != nil {
		s.botFailed(ctx, channelID, "storing an update", err)
		return s.cfg.Telegram.Every
	}
	return 0
}

// storeUpdates stores polled updates in order and returns the offset after the last one
// stored or skipped. An update Parley refuses (errs with a code other than internal) is
// skipped with a warning, or it would come back for ever; any other failure stops the batch
// so that the update is polled again.
func (s *Service) storeUpdates(ctx context.Context, channelID, token string, ups []json.RawMessage) (next int64, err error) {
	for _, raw := range ups {
		var u tgUpdate
		if err := json.Unmarshal(raw, &u); err != nil {
			s.log.Warn("telegram: an update that is not JSON is skipped", "channel", channelID, "err", err)
			continue
		}
		_, err := s.receiveUpdate(ctx, channelID, token, u)
		if err != nil && errs.CodeOf(err) == errs.Internal {
			return next, err
		}
		if err != nil {
			s.log.Warn("telegram: an update was refused and is skipped", "channel", channelID, "update_id", u.UpdateID, "err", err)
		}
		next = max(next, u.UpdateID+1)
	}
	return next, nil
}
