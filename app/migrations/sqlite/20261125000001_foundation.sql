-- Foundation schema (SQLite). Keep in step with ../postgres/ of the same name.
-- Times are Unix seconds; booleans are 0/1 integers.

CREATE TABLE offices (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE branches (
    id          INTEGER PRIMARY KEY,
    office_id   INTEGER NOT NULL REFERENCES offices (id),
    name        TEXT NOT NULL,
    UNIQUE (office_id, name)
);

CREATE TABLE clients (
    id                 INTEGER PRIMARY KEY,
    office_id          INTEGER NOT NULL REFERENCES offices (id),
    branch_id          INTEGER NOT NULL REFERENCES branches (id),
    name               TEXT NOT NULL,
    two_factor_policy  TEXT NOT NULL DEFAULT 'nee'
                       CHECK (two_factor_policy IN ('ja', 'nee', 'optioneel')),
    created_at         INTEGER NOT NULL
);
CREATE INDEX clients_office ON clients (office_id);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    office_id            INTEGER NOT NULL REFERENCES offices (id),
    kind                 TEXT NOT NULL CHECK (kind IN ('kantoor', 'client')),
    login_name           TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    email                TEXT,
    mobile               TEXT,
    password_hash        TEXT NOT NULL,
    branch_id            INTEGER REFERENCES branches (id),
    is_beheerder         INTEGER NOT NULL DEFAULT 0 CHECK (is_beheerder IN (0, 1)),
    -- Office users: 'Inlog met twee-factor-authenticatie', set by a beheerder.
    two_factor_required  INTEGER NOT NULL DEFAULT 0 CHECK (two_factor_required IN (0, 1)),
    -- Client users: their own choice where a client's policy is 'Optioneel'.
    two_factor_chosen    INTEGER NOT NULL DEFAULT 0 CHECK (two_factor_chosen IN (0, 1)),
    created_at           INTEGER NOT NULL,
    CHECK (kind = 'client' OR branch_id IS NOT NULL)
);
CREATE INDEX users_office ON users (office_id);

CREATE TABLE client_users (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX client_users_client ON client_users (client_id);

-- The browser holds a random token; only its SHA-256 is stored here.
CREATE TABLE sessions (
    id_hash           TEXT PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    active_client_id  INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    office_id      INTEGER REFERENCES offices (id),
    actor_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action         TEXT NOT NULL,
    subject        TEXT,
    old_value      TEXT,
    new_value      TEXT,
    at             INTEGER NOT NULL
);
CREATE INDEX audit_log_office_at ON audit_log (office_id, at);
