-- Files uploaded at /files, newest last by id: the bytes beside the name,
-- the content type and the note the upload came with (PostgreSQL; ids are
-- never reused, as with SQLite's AUTOINCREMENT).
CREATE TABLE IF NOT EXISTS files (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    note TEXT NOT NULL,
    data BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
