-- The beheerder's 'Logboek' (SQLite). Keep in step with ../postgres/.

-- Its pages are read newest first per office and paged by id; a filter by
-- user reads the rows they did and the rows about them (by login name),
-- a filter by kind the rows of one action.
CREATE INDEX audit_log_office_id ON audit_log (office_id, id);
CREATE INDEX audit_log_actor_id ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_office_subject_id ON audit_log (office_id, subject, id);
CREATE INDEX audit_log_office_action_id ON audit_log (office_id, action, id);
