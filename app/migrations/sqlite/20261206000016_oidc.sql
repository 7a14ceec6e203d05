-- Tweestap in front of the office's other applications: the OpenID
-- Connect provider ('Koppelingen') and what it keeps (SQLite). Keep in step
-- with ../postgres/ of the same name.

-- A session's stable name towards applications (OIDC `sid`): kept through
-- every renewal of the session id, so a back-channel logout names the
-- login the application received.
ALTER TABLE sessions ADD COLUMN sid TEXT;
UPDATE sessions SET sid = lower(hex(randomblob(16)));
CREATE INDEX sessions_sid ON sessions (sid);

-- The user's `sub` towards applications: random, given at the first login
-- through a koppeling, never changed.
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject);

CREATE TABLE oidc_applications (
    id               INTEGER PRIMARY KEY,
    office_id        INTEGER NOT NULL REFERENCES offices (id),
    client_id        TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    -- SHA-256 of the secret shown once; NULL: a public client (PKCE only).
    secret_hash      TEXT,
    -- One per line, each matched exactly.
    redirect_uris    TEXT NOT NULL,
    -- Back-channel logout; NULL: none.
    logout_uri       TEXT,
    for_office_users INTEGER NOT NULL,
    -- 'geen', 'alle' or 'gekozen' (then oidc_application_clients).
    for_clients      TEXT NOT NULL,
    -- 'twee' or 'passkey' (domain::oidc::Strength).
    strength         TEXT NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER
);
CREATE INDEX oidc_applications_office ON oidc_applications (office_id);

CREATE TABLE oidc_application_clients (
    application_id INTEGER NOT NULL REFERENCES oidc_applications (id) ON DELETE CASCADE,
    client_id      INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (application_id, client_id)
);

-- Authorization codes: by their hash, used once within a minute.
CREATE TABLE oidc_codes (
    code_hash      TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES oidc_applications (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid            TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT,
    nonce          TEXT,
    auth_time      INTEGER NOT NULL,
    login_method   TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);

CREATE TABLE oidc_access_tokens (
    token_hash     TEXT PRIMARY KEY,
    -- The code it came from: a second use of that code revokes it.
    code_hash      TEXT NOT NULL,
    application_id INTEGER NOT NULL REFERENCES oidc_applications (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid            TEXT NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX oidc_access_tokens_code ON oidc_access_tokens (code_hash);
CREATE INDEX oidc_access_tokens_expiry ON oidc_access_tokens (expires_at);

-- Which application received which session's login: when that session
-- ends, however it ends, the application is told (back-channel logout).
-- No foreign key to users: a removed user's applications are told too.
CREATE TABLE oidc_grants (
    sid            TEXT NOT NULL,
    application_id INTEGER NOT NULL REFERENCES oidc_applications (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    subject        TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (sid, application_id)
);

-- Logout tokens to send: claimed by one instance at a time, retried.
CREATE TABLE oidc_logout_deliveries (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES oidc_applications (id) ON DELETE CASCADE,
    sid            TEXT NOT NULL,
    subject        TEXT NOT NULL,
    user_id        INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL,
    claimed_until  INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX oidc_logout_deliveries_due ON oidc_logout_deliveries (next_at);

-- ES256 signing keys (domain::signing_keys): the private key sealed under
-- the portal's key file, like the authenticator secrets.
CREATE TABLE oidc_signing_keys (
    kid            TEXT PRIMARY KEY,
    -- One key per generation, so two instances rotating at once make one.
    generation     INTEGER NOT NULL UNIQUE,
    sealing_key_id TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    public_x       TEXT NOT NULL,
    public_y       TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    signs_from     INTEGER NOT NULL
);
