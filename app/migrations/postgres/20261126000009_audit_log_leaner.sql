-- One index less for every audit row (PostgreSQL). Keep in step with ../sqlite/.

-- The log's pages are read by office and id (audit_log_office_id) since
-- the lookups step; nothing reads by office and time any more, and every
-- login wrote this index for nothing.
DROP INDEX audit_log_office_at;
