-- Trusted browsers ('Dit apparaat 30 dagen onthouden') (SQLite). Keep in
-- step with ../postgres/.

-- The browser holds a random token in its own cookie; only its SHA-256 is
-- kept, with the user, a description and the dates. Any change to how the
-- account logs in deletes the user's rows.
CREATE TABLE trusted_browsers (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL
);
CREATE INDEX trusted_browsers_user ON trusted_browsers (user_id);

-- Days a browser may be trusted, per office (0: never).
ALTER TABLE offices ADD COLUMN trust_days INTEGER NOT NULL DEFAULT 30;

-- A message for the session's user after login (e.g. the phone's clock is
-- off), shown once.
ALTER TABLE sessions ADD COLUMN notice TEXT;
