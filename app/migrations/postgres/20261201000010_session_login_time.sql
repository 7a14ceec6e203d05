-- The absolute session limit counts from the login, also through every
-- step-up (which renews the session under a new id and a new created_at).
-- Keep in step with ../sqlite/.
ALTER TABLE sessions ADD COLUMN logged_in_at BIGINT;
UPDATE sessions SET logged_in_at = created_at;
ALTER TABLE sessions ALTER COLUMN logged_in_at SET NOT NULL;
