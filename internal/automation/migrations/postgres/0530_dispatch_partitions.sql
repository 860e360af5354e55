-- On PostgreSQL the dispatcher follows each part of the outbox (chat 0220) with its own cursor,
-- so that several nodes dispatch at once (see partitions.go). Each part's cursor starts where
-- the single cursor was: no event is handled twice or skipped across the change.
INSERT INTO outbox_cursors (consumer, seq, updated_at)
SELECT 'automation/' || p, COALESCE((SELECT seq FROM outbox_cursors WHERE consumer = 'automation'), 0), 0
FROM generate_series(0, 15) AS p
ON CONFLICT (consumer) DO NOTHING;
