-- Telegram channels: the bot behind each one and where its updates are read from. Same table
-- in both dialects.

-- token is the bot's token, kept as given because every call to the Bot API carries it; it is
-- wiped once the channel is deleted and its webhook removed (retired_at). secret is the
-- secret_token Telegram sends back on every webhook update. webhook_url is the URL registered
-- with setWebhook, '' when the bot is long-polled. update_offset is the next update_id to ask
-- getUpdates for; poll_owner and poll_until are the lease of the one node polling the bot.
CREATE TABLE telegram_bots (
    channel_id TEXT PRIMARY KEY REFERENCES channels(id),
    token TEXT NOT NULL,
    bot_id BIGINT NOT NULL,
    username TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    webhook_url TEXT NOT NULL DEFAULT '',
    update_offset BIGINT NOT NULL DEFAULT 0,
    poll_owner TEXT NOT NULL DEFAULT '',
    poll_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
