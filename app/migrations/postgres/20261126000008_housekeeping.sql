-- Housekeeping (PostgreSQL): the purge finds what has lapsed through an index
-- instead of reading whole tables, and several instances take turns through
-- one row per job. Keep in step with ../sqlite/.

-- The purge's lookups, oldest first. Sessions by last use only: one
-- refused for its absolute age is no longer used, so its idle time runs out
-- too, and one index less is cheaper for every login.
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX sms_codes_created ON sms_codes (created_at);
CREATE INDEX authenticator_enrolments_created ON authenticator_enrolments (created_at);
CREATE INDEX trusted_browsers_expires ON trusted_browsers (expires_at);
CREATE INDEX login_throttle_updated ON login_throttle (updated_at);
CREATE INDEX audit_log_at ON audit_log (at);

-- One row per scheduled job: the instance that moves next_run_at on runs it.
CREATE TABLE housekeeping (
    job          TEXT PRIMARY KEY,
    next_run_at  BIGINT NOT NULL
);
