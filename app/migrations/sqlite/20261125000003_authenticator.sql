-- Authenticator apps (SQLite). Keep in step with ../postgres/.

-- A bound app. The secret is sealed (XChaCha20-Poly1305) under the key
-- named by key_id. last_step is the newest TOTP time step accepted: a step
-- is accepted only when it is newer, so every code works once.
CREATE TABLE authenticators (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    key_id         TEXT NOT NULL,
    secret_sealed  TEXT NOT NULL,
    bound_at       INTEGER NOT NULL,
    last_step      INTEGER NOT NULL
);

-- A binding being set up: it replaces the bound app only once confirmed,
-- and lapses ten minutes after created_at.
CREATE TABLE authenticator_enrolments (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    key_id          TEXT NOT NULL,
    secret_sealed   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    pending_mobile  TEXT
);
