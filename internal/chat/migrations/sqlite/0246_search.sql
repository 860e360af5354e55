-- Full-text search over customers, message text and private notes, in SQLite's own FTS5
-- index. Each index is an external-content table: it stores only the index, reading the text
-- from its table by rowid, and triggers keep it in step inside the transaction that writes
-- the row, so a committed message is found at once and a rolled-back one never. unicode61
-- folds case and diacritics for every script, so Cyrillic or Greek is found like Latin.
-- A trigger's body ends on its END's line: the migration runner splits at lines ending in ';'.
-- The index is keyed by rowid, which a manual VACUUM may renumber in these tables (their keys
-- are text); after one, INSERT INTO messages_fts(messages_fts) VALUES ('rebuild'), and the same
-- for session_notes_fts and customers_fts, rebuilds the indexes from the tables.
CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
INSERT INTO messages_fts(rowid, text) SELECT rowid, text FROM messages;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text); END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text); INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text); END;

CREATE VIRTUAL TABLE session_notes_fts USING fts5(text, content='session_notes', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
INSERT INTO session_notes_fts(rowid, text) SELECT rowid, text FROM session_notes;
CREATE TRIGGER session_notes_fts_insert AFTER INSERT ON session_notes BEGIN
    INSERT INTO session_notes_fts(rowid, text) VALUES (new.rowid, new.text); END;
CREATE TRIGGER session_notes_fts_delete AFTER DELETE ON session_notes BEGIN
    INSERT INTO session_notes_fts(session_notes_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END;

CREATE VIRTUAL TABLE customers_fts USING fts5(name, email, phone, content='customers', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
INSERT INTO customers_fts(rowid, name, email, phone) SELECT rowid, name, email, phone FROM customers;
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts(rowid, name, email, phone) VALUES (new.rowid, new.name, new.email, new.phone); END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name, email, phone) VALUES ('delete', old.rowid, old.name, old.email, old.phone); END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF name, email, phone ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name, email, phone) VALUES ('delete', old.rowid, old.name, old.email, old.phone); INSERT INTO customers_fts(rowid, name, email, phone) VALUES (new.rowid, new.name, new.email, new.phone); END;
