-- The bytes of stored files, for the database file store: in the database, every node of a
-- cluster reads the same files and a backup of the database holds them too.
CREATE TABLE file_data (
    id TEXT PRIMARY KEY,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
