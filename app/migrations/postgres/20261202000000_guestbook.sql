-- The guestbook's entries, newest last by id (PostgreSQL; ids are never
-- reused, as with SQLite's AUTOINCREMENT).
CREATE TABLE IF NOT EXISTS guestbook (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
);
