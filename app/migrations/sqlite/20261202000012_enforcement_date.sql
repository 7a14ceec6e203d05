-- 'Verplicht vanaf', the overview and its reminders (SQLite). Keep in step
-- with ../postgres/ of the same name.

-- A client's 'Ja' may apply from a date on ('YYYY-MM-DD', a day in the
-- Netherlands; only with 'ja'). `two_factor_since` is the moment 'Ja'
-- applies (set, or the date's midnight in Amsterdam), derived from the
-- policy when it is saved, for the overview's "not logged in since".
ALTER TABLE clients ADD COLUMN two_factor_from TEXT;
ALTER TABLE clients ADD COLUMN two_factor_since INTEGER;
UPDATE clients SET two_factor_since = COALESCE(
    (SELECT MAX(a.at) FROM audit_log a
      WHERE a.office_id = clients.office_id AND a.action = 'client.two_factor_policy'
        AND a.subject = clients.name AND a.new_value = 'Ja'),
    created_at)
 WHERE two_factor_policy = 'ja';

-- The same for an office user's switch.
ALTER TABLE users ADD COLUMN two_factor_required_from TEXT;
ALTER TABLE users ADD COLUMN two_factor_required_since INTEGER;
UPDATE users SET two_factor_required_since = created_at WHERE two_factor_required = 1;

-- When the user last completed a login; the audit log's rows are purged
-- after a while, this stays.
ALTER TABLE users ADD COLUMN last_login_at INTEGER;
UPDATE users SET last_login_at =
    (SELECT MAX(a.at) FROM audit_log a WHERE a.actor_user_id = users.id AND a.action = 'login.ok');

-- The overview counts per client; these keep each count an index lookup.
CREATE INDEX users_office_kind ON users (office_id, kind);

-- A reminder by mail of an announced date, once per user, date and
-- reminder (7 or 1 days before): the row is claimed before the mail goes,
-- so of several instances one sends it.
CREATE TABLE deadline_reminders (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deadline     TEXT NOT NULL,
    days_before  INTEGER NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, deadline, days_before)
);

-- 'Later' on the notice of an announced date: the date it was clicked for,
-- for this session only. A new date, or a new login, shows it again.
ALTER TABLE sessions ADD COLUMN deadline_later TEXT;
