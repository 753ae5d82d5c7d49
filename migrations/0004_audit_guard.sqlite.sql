-- Append-only guard for the audit trail (SQLite). See the PostgreSQL file.
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_seal_only BEFORE UPDATE ON audit_log
WHEN OLD.seq IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.user_id IS NOT OLD.user_id
  OR NEW.username IS NOT OLD.username OR NEW.institution_id IS NOT OLD.institution_id
  OR NEW.action IS NOT OLD.action OR NEW.patient_id IS NOT OLD.patient_id
  OR NEW.target_type IS NOT OLD.target_type OR NEW.target_id IS NOT OLD.target_id
  OR NEW.ip IS NOT OLD.ip OR NEW.request_id IS NOT OLD.request_id OR NEW.detail IS NOT OLD.detail
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
