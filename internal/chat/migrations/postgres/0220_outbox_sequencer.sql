-- The outbox's order without a lock (see sequencer.go). A writer no longer takes its seq from
-- outbox_counter, whose row lock made every event-writing transaction in the cluster commit one
-- at a time: it inserts its events with seq NULL, numbered by wid in insert order, and after its
-- commit the sequencer gives the committed events their seqs in wid order. wid's identity must
-- keep PostgreSQL's default CACHE 1, so that wids follow the order of the inserts across
-- connections: a session's later event is inserted after the earlier one committed (the
-- session row's lock), so it has the larger wid and is never sequenced first.
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE outbox ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN wid BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE outbox ADD PRIMARY KEY (wid);
-- part divides the events among dispatchers by session (chat.PartitionOf computes the same).
ALTER TABLE outbox ADD COLUMN part SMALLINT NOT NULL DEFAULT 0;
UPDATE outbox SET part = (ascii(substr(session_id, length(session_id) - 1, 1)) * 31
    + ascii(substr(session_id, length(session_id) - 2, 1))) % 16;
CREATE UNIQUE INDEX outbox_seq ON outbox (seq);
CREATE INDEX outbox_unsequenced ON outbox (wid) WHERE seq IS NULL;
CREATE INDEX outbox_part_seq ON outbox (part, seq);
DROP TABLE outbox_counter;
