-- Passkeys (WebAuthn) (SQLite). Keep in step with ../postgres/.

-- One row per passkey. `passkey` is webauthn-rs's serialised credential
-- (public key, counter, backup flags: nothing secret); the counter and the
-- flags are also columns, so that a use is stored only against the counter
-- it was judged with. `credential_id` is unique across all users: a
-- credential belongs to one account.
CREATE TABLE passkeys (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id   TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    passkey         TEXT NOT NULL,
    counter         INTEGER NOT NULL,
    backup_eligible INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
    backup_state    INTEGER NOT NULL CHECK (backup_state IN (0, 1)),
    -- The authenticator's model (AAGUID), for an allow-list later.
    aaguid          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- The user handle passkeys carry (a random UUID, never the row id), set
-- with the first passkey; a passwordless login finds the account by it.
ALTER TABLE users ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX users_passkey_handle ON users (passkey_handle);

-- A ceremony begun (registration or assertion): webauthn-rs's serialised
-- state with its challenge, so any instance can finish it. Used once (the
-- row is deleted by the use), and only within five minutes.
CREATE TABLE passkey_ceremonies (
    id            TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL,
    -- The session it belongs to; '' for a passwordless login.
    session_hash  TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_created ON passkey_ceremonies (created_at);

-- Per office: passkeys at all, and passkeys instead of the password.
ALTER TABLE offices ADD COLUMN passkeys_allowed INTEGER NOT NULL DEFAULT 1 CHECK (passkeys_allowed IN (0, 1));
ALTER TABLE offices ADD COLUMN passkeys_passwordless INTEGER NOT NULL DEFAULT 1 CHECK (passkeys_passwordless IN (0, 1));
