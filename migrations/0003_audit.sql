-- The audit trail. Rows are inserted in the transaction of the action they
-- record with seq, prev_hash and hash empty; the sealer fills those three in
-- commit order, chaining each row to the one before by a keyed hash.

CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    at             TIMESTAMP NOT NULL,
    user_id        TEXT NOT NULL DEFAULT '',
    username       TEXT NOT NULL DEFAULT '',
    institution_id TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    patient_id     TEXT NOT NULL DEFAULT '',
    target_type    TEXT NOT NULL DEFAULT '',
    target_id      TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    request_id     TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT '',
    seq            BIGINT NULL,
    prev_hash      TEXT NULL,
    hash           TEXT NULL
);
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;
CREATE INDEX audit_log_patient ON audit_log (patient_id, id);
CREATE INDEX audit_log_user ON audit_log (user_id, id);
