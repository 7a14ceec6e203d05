-- Step-up, password throttling, confirmed numbers (SQLite). Keep in step
-- with ../postgres/.

-- When this session last proved its user again (password + current factor);
-- changes to how the account logs in need that within ten minutes.
ALTER TABLE sessions ADD COLUMN stepped_up_at INTEGER;

-- 0 while a number set by a beheerder waits for its owner to enter a code
-- sent to it at their next login.
ALTER TABLE users ADD COLUMN mobile_confirmed INTEGER NOT NULL DEFAULT 1
    CHECK (mobile_confirmed IN (0, 1));

-- Failed passwords, keyed 'account:<login name>' or 'address:<ip>'. Each
-- try is counted here before the password is checked.
CREATE TABLE login_throttle (
    key            TEXT PRIMARY KEY,
    failed_count   INTEGER NOT NULL DEFAULT 0,
    lockout_level  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL DEFAULT 0
);

-- SMS codes are now an HMAC under a server key named by the stored value;
-- codes made before (salted SHA-256) simply stop matching, and they live
-- five minutes at most.
