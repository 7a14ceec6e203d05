-- What became of each SMS (SQLite). Keep in step with ../postgres/ of the
-- same name.
--
-- One row per SMS, codes and notices alike. `reference` is ours, random,
-- made before the first provider is asked: CM.com echoes it in its
-- reports, Twilio's status callback URL carries it (signed with the rest).
-- `provider` is the one asked last (after a failover, the next one);
-- `status` only moves forward (domain::delivery). Rows go with the SMS
-- codes, a day after sending: a report later than that is refused anyway.
CREATE TABLE sms_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    office_id    INTEGER NOT NULL REFERENCES offices (id),
    -- The code's context (a login's session key, …); NULL for a notice.
    context_key  TEXT,
    phone        TEXT NOT NULL,
    reference    TEXT NOT NULL UNIQUE,
    provider     TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT,
    created_at   INTEGER NOT NULL,
    status_at    INTEGER NOT NULL
);
CREATE INDEX sms_messages_context ON sms_messages (context_key, id);
CREATE INDEX sms_messages_created ON sms_messages (created_at);
