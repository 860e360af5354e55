-- Full-text search over customers, message text and private notes, in PostgreSQL's own
-- tsvector and GIN indexes. The vectors are generated columns, so they are computed in the
-- statement that writes the row, inside its transaction. The 'simple' configuration only
-- lowercases and never stems, so every language is found the same way, Cyrillic included.
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);

ALTER TABLE session_notes ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
CREATE INDEX session_notes_search ON session_notes USING GIN (search);

ALTER TABLE customers ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', name || ' ' || email || ' ' || phone)) STORED;
CREATE INDEX customers_search ON customers USING GIN (search);
