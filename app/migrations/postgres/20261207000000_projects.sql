-- The dashboard's projects, shared by every signed-in user (PostgreSQL).
CREATE TABLE IF NOT EXISTS projects (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL
);

INSERT INTO projects (id, name) VALUES
    (1, 'Alpha'),
    (2, 'Beta'),
    (3, 'Gamma')
ON CONFLICT (id) DO NOTHING;
