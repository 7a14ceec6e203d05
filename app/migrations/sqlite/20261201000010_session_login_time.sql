-- The absolute session limit counts from the login, also through every
-- step-up (which renews the session under a new id and a new created_at).
-- Keep in step with ../postgres/.
ALTER TABLE sessions ADD COLUMN logged_in_at INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET logged_in_at = created_at;
