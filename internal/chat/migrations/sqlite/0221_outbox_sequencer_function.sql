-- PostgreSQL's outbox sequencer becomes one function call in 0221; SQLite has no sequencer.
SELECT 1;
