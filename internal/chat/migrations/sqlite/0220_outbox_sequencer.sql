-- PostgreSQL's outbox gains a sequencer and partitions in 0220 (see sequencer.go). SQLite's
-- single writer takes seqs from outbox_counter without contention and has one dispatcher, so
-- its outbox keeps its shape; this records the version only.
SELECT 1;
