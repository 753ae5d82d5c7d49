-- eConsults: a grass-root doctor's question about a patient to a specialist
-- or a core hospital's queue, the thread of messages that follows, and the
-- structured opinion. A referral remembers the consult it came from.

CREATE TABLE consults (
    id                       TEXT PRIMARY KEY,
    patient_id               TEXT NOT NULL REFERENCES patients (id),
    status                   TEXT NOT NULL,
    urgency                  TEXT NOT NULL,
    version                  INTEGER NOT NULL,
    requester_institution_id TEXT NOT NULL REFERENCES institutions (id),
    requester_user_id        TEXT NOT NULL REFERENCES users (id),
    target_institution_id    TEXT NOT NULL REFERENCES institutions (id),
    specialist_user_id       TEXT NOT NULL DEFAULT '',
    sub_specialty            TEXT NOT NULL DEFAULT '',
    question                 TEXT NOT NULL,
    summary                  TEXT NOT NULL,
    diagnoses                TEXT NOT NULL,
    opinion                  TEXT NOT NULL DEFAULT '',
    submitted_at             TIMESTAMP NOT NULL,
    paused_since             TIMESTAMP NULL,
    paused_seconds           BIGINT NOT NULL DEFAULT 0,
    answered_at              TIMESTAMP NULL,
    response_seconds         BIGINT NULL,
    referral_id              TEXT NOT NULL DEFAULT '',
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);
CREATE INDEX consults_target ON consults (target_institution_id, status, id);
CREATE INDEX consults_requester ON consults (requester_institution_id, status, id);
CREATE INDEX consults_specialist ON consults (specialist_user_id, status, id);

CREATE TABLE consult_messages (
    id             TEXT PRIMARY KEY,
    consult_id     TEXT NOT NULL REFERENCES consults (id),
    version        INTEGER NOT NULL,
    action         TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    username       TEXT NOT NULL,
    institution_id TEXT NOT NULL,
    body           TEXT NOT NULL DEFAULT '',
    at             TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX consult_messages_version ON consult_messages (consult_id, version);

ALTER TABLE referrals ADD COLUMN consult_id TEXT NOT NULL DEFAULT '';
