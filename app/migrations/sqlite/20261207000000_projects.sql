-- The dashboard's projects, shared by every signed-in user.
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

INSERT OR IGNORE INTO projects (id, name) VALUES
    (1, 'Alpha'),
    (2, 'Beta'),
    (3, 'Gamma');
