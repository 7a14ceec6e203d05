-- Two-factor login by SMS code (SQLite). Keep in step with ../postgres/.

-- A session is either waiting for its second factor or logged in. The
-- waiting one may carry a mobile number typed at login, saved to the user
-- only once a code sent to it has been entered.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'active'
    CHECK (stage IN ('second_factor', 'active'));
ALTER TABLE sessions ADD COLUMN pending_mobile TEXT;

-- Every SMS code sent. Only a salted hash of the code is kept.
CREATE TABLE sms_codes (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    office_id     INTEGER NOT NULL REFERENCES offices (id),
    -- The login (pending session) the code belongs to.
    session_hash  TEXT NOT NULL,
    phone         TEXT NOT NULL,
    code_hash     TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    used_at       INTEGER,
    send_failed   INTEGER NOT NULL DEFAULT 0 CHECK (send_failed IN (0, 1))
);
CREATE INDEX sms_codes_session ON sms_codes (session_hash, id);
CREATE INDEX sms_codes_user_created ON sms_codes (user_id, created_at);
CREATE INDEX sms_codes_office_created ON sms_codes (office_id, created_at);

-- Failed second-factor codes per account, and the lockout they lead to.
-- One row per user that ever failed or asked for a code; updating it is
-- also how concurrent requests for one account take turns.
CREATE TABLE code_throttle (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failed_count   INTEGER NOT NULL DEFAULT 0,
    lockout_level  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0,
    turn           INTEGER NOT NULL DEFAULT 0
);
