-- Step-up, password throttling, confirmed numbers (PostgreSQL). Keep in
-- step with ../sqlite/.

ALTER TABLE sessions ADD COLUMN stepped_up_at BIGINT;

ALTER TABLE users ADD COLUMN mobile_confirmed BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE login_throttle (
    key            TEXT PRIMARY KEY,
    failed_count   BIGINT NOT NULL DEFAULT 0,
    lockout_level  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL DEFAULT 0
);
