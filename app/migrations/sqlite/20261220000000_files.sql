-- Files uploaded at /files, newest last by id: the bytes beside the name,
-- the content type and the note the upload came with.
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    note TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL
);
