-- PostgreSQL's outbox sequencer wakes the other nodes from its own run in 0263; SQLite has no sequencer.
SELECT 1;
