-- Accounts over their whole life (SQLite). Keep in step with ../postgres/.

-- 'Account blokkeren': set while blocked. A blocked account's password,
-- passkeys and links all answer 'geblokkeerd'; its sessions are ended.
ALTER TABLE users ADD COLUMN blocked_at INTEGER;
-- Blocked by the dormant rule (not by a beheerder): the Logboek and the
-- user's mail say why.
ALTER TABLE users ADD COLUMN blocked_dormant INTEGER NOT NULL DEFAULT 0
    CHECK (blocked_dormant IN (0, 1));
-- The week's warning before a dormant account is blocked, sent once per
-- quiet spell (a login after it clears the claim).
ALTER TABLE users ADD COLUMN dormant_warned_at INTEGER;
-- The dormant rule counts from the last login, the account's creation or
-- its last unblocking, whichever is latest: an unblocked account is not
-- blocked again at once for the quiet time before its block.
ALTER TABLE users ADD COLUMN unblocked_at INTEGER;

-- 'Niet ingelogd in … dagen', and whether such accounts are blocked.
ALTER TABLE offices ADD COLUMN dormant_days INTEGER NOT NULL DEFAULT 180;
ALTER TABLE offices ADD COLUMN dormant_block INTEGER NOT NULL DEFAULT 0
    CHECK (dormant_block IN (0, 1));

-- A removed account's rows in the Logboek: the actor id is set to NULL by
-- the foreign key, so the id is kept here to name 'verwijderde gebruiker #id'.
ALTER TABLE audit_log ADD COLUMN actor_removed_id INTEGER;

-- 'Gebruikers importeren': the uploaded file, kept from its preview until
-- it is imported (then emptied), and the import's outcome.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    office_id    INTEGER NOT NULL REFERENCES offices (id),
    by_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The file as uploaded, base64; '' once imported.
    content      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    imported_at  INTEGER,
    -- The counts, as the Logboek's entry gives them.
    summary      TEXT
);
CREATE INDEX imports_office ON imports (office_id, id);

-- The invitations an import still has to send, at a steady pace, each
-- claimed by the one instance that sends it.
CREATE TABLE import_invitations (
    import_id  INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at    INTEGER,
    PRIMARY KEY (import_id, user_id)
);
CREATE INDEX import_invitations_waiting ON import_invitations (sent_at, import_id);

-- How each session logged in (domain::login_method, RFC 8176's names):
-- kept through renewals; a 'Ja' that comes into force ends the sessions
-- the password alone made. NULL: a waiting login, or a session from
-- before this column.
ALTER TABLE sessions ADD COLUMN login_method TEXT;
