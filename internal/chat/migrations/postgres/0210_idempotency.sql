-- Creates accept an Idempotency-Key (API.md): see 0110. Live chats had the key already; they
-- gain the request's fingerprint, and their keys become unique per caller, so a key sent again
-- with another name is refused instead of creating a second live chat. Earlier duplicates, if
-- any, keep the key on the first one only.
ALTER TABLE live_chats ADD COLUMN idempotency_hash TEXT;
UPDATE live_chats SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND EXISTS (
    SELECT 1 FROM live_chats t2 WHERE t2.created_by = live_chats.created_by AND t2.idempotency_key = live_chats.idempotency_key
    AND (t2.created_at < live_chats.created_at OR (t2.created_at = live_chats.created_at AND t2.id < live_chats.id)));
CREATE UNIQUE INDEX live_chats_idempotency ON live_chats(created_by, idempotency_key);

ALTER TABLE channels ADD COLUMN created_by TEXT;
ALTER TABLE channels ADD COLUMN idempotency_key TEXT;
ALTER TABLE channels ADD COLUMN idempotency_hash TEXT;
CREATE UNIQUE INDEX channels_idempotency ON channels(created_by, idempotency_key);
