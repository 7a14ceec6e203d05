-- Recovery codes ('herstelcodes') (SQLite). Keep in step with ../postgres/.

-- Ten single-use codes per set. Only a keyed hash is kept (`keyid$mac`,
-- HMAC-SHA256 under the server key over the user id and the code), so a
-- copy of the database alone cannot try codes. A new set deletes the old.
CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The last login per user, for the beheerder's list of a client's users.
CREATE INDEX audit_log_actor_action ON audit_log (actor_user_id, action, at);
