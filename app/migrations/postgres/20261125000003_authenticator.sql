-- Authenticator apps (PostgreSQL). Keep in step with ../sqlite/.

CREATE TABLE authenticators (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    key_id         TEXT NOT NULL,
    secret_sealed  TEXT NOT NULL,
    bound_at       BIGINT NOT NULL,
    last_step      BIGINT NOT NULL
);

CREATE TABLE authenticator_enrolments (
    user_id         BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    key_id          TEXT NOT NULL,
    secret_sealed   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    pending_mobile  TEXT
);
