-- Two-way referral: the referrals, their timelines and attachments, the
-- idempotency keys of creates, the transactional outbox that turns every
-- committed transition into exactly one event, the per-user notification
-- inbox fed from it, SLA breaches, and per-alliance referral settings.
-- JSON-valued columns are TEXT so one file serves both dialects.

CREATE TABLE referrals (
    id                      TEXT PRIMARY KEY,
    alliance_id             TEXT NOT NULL REFERENCES alliances (id),
    patient_id              TEXT NOT NULL REFERENCES patients (id),
    direction               TEXT NOT NULL,
    urgency                 TEXT NOT NULL,
    priority                INTEGER NOT NULL,
    fast_track_suggested    BOOLEAN NOT NULL DEFAULT FALSE,
    status                  TEXT NOT NULL,
    version                 INTEGER NOT NULL,
    sender_institution_id   TEXT NOT NULL REFERENCES institutions (id),
    sender_user_id          TEXT NOT NULL REFERENCES users (id),
    receiver_institution_id TEXT NOT NULL REFERENCES institutions (id),
    receiver_department     TEXT NOT NULL DEFAULT '',
    receiver_user_id        TEXT NOT NULL DEFAULT '',
    sub_specialty           TEXT NOT NULL DEFAULT '',
    risk_grade              INTEGER NOT NULL DEFAULT 0,
    clinical                TEXT NOT NULL,
    appointment             TEXT NOT NULL DEFAULT '',
    outcome                 TEXT NOT NULL DEFAULT '',
    follow_up               TEXT NOT NULL DEFAULT '',
    note                    TEXT NOT NULL DEFAULT '',
    redirected_from_id      TEXT NOT NULL DEFAULT '',
    redirected_to_id        TEXT NOT NULL DEFAULT '',
    submitted_at            TIMESTAMP NULL,
    accept_due_at           TIMESTAMP NULL,
    admit_due_at            TIMESTAMP NULL,
    follow_up_due_at        TIMESTAMP NULL,
    accepted_at             TIMESTAMP NULL,
    arrived_at              TIMESTAMP NULL,
    closed_at               TIMESTAMP NULL,
    due_at                  TIMESTAMP NULL,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
-- Worklists: by institution and box, clinical priority, then the next clock.
CREATE INDEX referrals_incoming ON referrals (receiver_institution_id, priority, due_at, id);
CREATE INDEX referrals_outgoing ON referrals (sender_institution_id, priority, due_at, id);
CREATE INDEX referrals_patient ON referrals (patient_id);
CREATE INDEX referrals_open_clocks ON referrals (status, accept_due_at);

CREATE TABLE referral_events (
    id             TEXT PRIMARY KEY,
    referral_id    TEXT NOT NULL REFERENCES referrals (id),
    version        INTEGER NOT NULL,
    action         TEXT NOT NULL,
    from_status    TEXT NOT NULL,
    to_status      TEXT NOT NULL,
    user_id        TEXT NOT NULL DEFAULT '',
    username       TEXT NOT NULL DEFAULT '',
    institution_id TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    at             TIMESTAMP NOT NULL
);
-- One event per version: a second writer of the same version fails here even
-- if it slipped past the version check.
CREATE UNIQUE INDEX referral_events_version ON referral_events (referral_id, version);

CREATE TABLE referral_attachments (
    id             TEXT PRIMARY KEY,
    referral_id    TEXT NOT NULL REFERENCES referrals (id),
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    path           TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL REFERENCES users (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX referral_attachments_referral ON referral_attachments (referral_id);

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    referral_id  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    topic        TEXT NOT NULL,
    referral_id  TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP NULL
);
CREATE INDEX outbox_pending ON outbox (published_at, id);

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    outbox_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    referral_id TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP NULL
);
-- Exactly once: an outbox event reaches each user's inbox at most one time.
CREATE UNIQUE INDEX notifications_once ON notifications (outbox_id, user_id);
CREATE INDEX notifications_inbox ON notifications (user_id, id);

CREATE TABLE sla_breaches (
    referral_id             TEXT NOT NULL REFERENCES referrals (id),
    kind                    TEXT NOT NULL,
    urgency                 TEXT NOT NULL,
    receiver_institution_id TEXT NOT NULL,
    due_at                  TIMESTAMP NOT NULL,
    detected_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (referral_id, kind)
);

CREATE TABLE alliance_settings (
    alliance_id  TEXT PRIMARY KEY REFERENCES alliances (id),
    referral_sla TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
