-- The reference's tables, shaped like the hub's (migrations/0005_referrals.sql
-- and 0003_audit.sql) with the same indexes, so that an UPDATE of a referral
-- and the two INSERTs cost what they cost the hub. Created in a scratch
-- schema (the search_path) and filled with :rows referrals in status
-- requested before pgbench runs reference.sql against them.

CREATE TABLE ref (
    id                      BIGINT PRIMARY KEY,
    alliance_id             TEXT NOT NULL,
    patient_id              TEXT NOT NULL,
    direction               TEXT NOT NULL,
    urgency                 TEXT NOT NULL,
    priority                INTEGER NOT NULL,
    status                  TEXT NOT NULL,
    version                 INTEGER NOT NULL,
    sender_institution_id   TEXT NOT NULL,
    receiver_institution_id TEXT NOT NULL,
    clinical                TEXT NOT NULL,
    accept_due_at           TIMESTAMP NULL,
    accepted_at             TIMESTAMP NULL,
    due_at                  TIMESTAMP NULL,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
CREATE INDEX ref_incoming ON ref (receiver_institution_id, priority, due_at, id);
CREATE INDEX ref_outgoing ON ref (sender_institution_id, priority, due_at, id);
CREATE INDEX ref_patient ON ref (patient_id);
CREATE INDEX ref_open_clocks ON ref (status, accept_due_at);

CREATE TABLE audit (
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
CREATE UNIQUE INDEX audit_seq ON audit (seq);
CREATE INDEX audit_unsealed ON audit (id) WHERE seq IS NULL;
CREATE INDEX audit_patient ON audit (patient_id, id);
CREATE INDEX audit_user ON audit (user_id, id);

CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    topic        TEXT NOT NULL,
    referral_id  TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP NULL
);
CREATE INDEX outbox_pending ON outbox (published_at, id);
