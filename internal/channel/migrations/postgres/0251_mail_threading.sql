-- The Message-ID an emailed reply was sent with, so that a customer's answer naming it in
-- In-Reply-To or References is found in its session, and the next reply can list it in its
-- References. Empty for webhook deliveries. Same in both dialects.
ALTER TABLE channel_deliveries ADD COLUMN mail_message_id TEXT NOT NULL DEFAULT '';
CREATE INDEX channel_deliveries_mail ON channel_deliveries(channel_id, mail_message_id);
