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
