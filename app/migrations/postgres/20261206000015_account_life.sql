-- Accounts over their whole life (PostgreSQL). Keep in step with ../sqlite/
-- of the same name, which explains the columns.
ALTER TABLE users ADD COLUMN blocked_at BIGINT;
ALTER TABLE users ADD COLUMN blocked_dormant BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN dormant_warned_at BIGINT;
ALTER TABLE users ADD COLUMN unblocked_at BIGINT;

ALTER TABLE offices ADD COLUMN dormant_days INTEGER NOT NULL DEFAULT 180;
ALTER TABLE offices ADD COLUMN dormant_block BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE audit_log ADD COLUMN actor_removed_id BIGINT;
