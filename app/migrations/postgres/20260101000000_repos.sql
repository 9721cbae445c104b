-- The repositories the reference app's /repos/:owner/:name page reads
-- (PostgreSQL; the same schema and rows as ../sqlite/).
CREATE TABLE IF NOT EXISTS repos (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    stargazers_count BIGINT NOT NULL,
    PRIMARY KEY (owner, name)
);

INSERT INTO repos (owner, name, stargazers_count) VALUES
    ('vercel', 'next.js', 131000),
    ('leptos-rs', 'leptos', 18900),
    ('tokio-rs', 'axum', 21800),
    ('rust-lang', 'rust', 102000)
ON CONFLICT DO NOTHING;
