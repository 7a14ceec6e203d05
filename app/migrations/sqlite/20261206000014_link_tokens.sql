-- The links the portal mails (SQLite). Keep in step with ../postgres/ of
-- the same name.
--
-- One row per link: an invitation, a password reset, an address
-- confirmation (domain::link_token). Only the token's SHA-256 is stored.
-- A link is used by setting `used_at` (once: the update requires it NULL);
-- a newer link of the same kind voids the older by moving its
-- `expires_at` to that moment, so the row still counts for the hourly
-- limit. `email` is the address an address confirmation confirms.
CREATE TABLE link_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('invitation', 'reset', 'address')),
    email       TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX link_tokens_user ON link_tokens (user_id, kind);
CREATE INDEX link_tokens_expires ON link_tokens (expires_at);

-- An invited account: no password yet (`password_hash` is empty and the
-- password step treats it as unknown, so no guess can succeed) until the
-- invitation's link is used. `pending_email` is an address waiting for
-- its link (the invitation's, or a new address's confirmation); `email`
-- is only ever a confirmed address, the one notices and reset links go to.
ALTER TABLE users ADD COLUMN invitation_pending INTEGER NOT NULL DEFAULT 0
    CHECK (invitation_pending IN (0, 1));
ALTER TABLE users ADD COLUMN pending_email TEXT;
