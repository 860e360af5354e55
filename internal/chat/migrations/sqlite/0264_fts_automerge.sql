-- Each group commit writes its messages to messages_fts as one new segment, about 130 a
-- second under load. FTS5 merged segments once 4 of a level were there, so each message was
-- rewritten at every level on its way up; merging at 16 rewrites it about half as often,
-- for a search that reads more, smaller segments (docs/performance.md, "the search index
-- merged less often").
INSERT INTO messages_fts(messages_fts, rank) VALUES ('automerge', 16);
