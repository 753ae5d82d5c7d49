-- Append-only guard for the audit trail (PostgreSQL). A row may be updated
-- once, by the sealer, to set seq/prev_hash/hash; it may never be deleted or
-- have its content changed.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF OLD.seq IS NOT NULL
       OR ROW(NEW.id, NEW.at, NEW.user_id, NEW.username, NEW.institution_id, NEW.action, NEW.patient_id,
              NEW.target_type, NEW.target_id, NEW.ip, NEW.request_id, NEW.detail)
          IS DISTINCT FROM
          ROW(OLD.id, OLD.at, OLD.user_id, OLD.username, OLD.institution_id, OLD.action, OLD.patient_id,
              OLD.target_type, OLD.target_id, OLD.ip, OLD.request_id, OLD.detail) THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
