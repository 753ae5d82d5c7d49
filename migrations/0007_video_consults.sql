-- Video consultations: specialists' weekly availability with exceptions, the
-- bookings made against it, the video rooms that consultations (and later
-- ward rounds and lectures) open, and the attendance the rooms record.

CREATE TABLE availability_templates (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    weekday      INTEGER NOT NULL,
    start_time   TEXT NOT NULL,
    end_time     TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_until  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX availability_templates_user ON availability_templates (user_id);

CREATE TABLE availability_exceptions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    date         TEXT NOT NULL,
    start_time   TEXT NOT NULL,
    end_time     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX availability_exceptions_user ON availability_exceptions (user_id, date);

CREATE TABLE video_consults (
    id                       TEXT PRIMARY KEY,
    patient_id               TEXT NOT NULL REFERENCES patients (id),
    status                   TEXT NOT NULL,
    version                  INTEGER NOT NULL,
    requester_institution_id TEXT NOT NULL REFERENCES institutions (id),
    requester_user_id        TEXT NOT NULL REFERENCES users (id),
    booked_by_user_id        TEXT NOT NULL REFERENCES users (id),
    target_institution_id    TEXT NOT NULL REFERENCES institutions (id),
    specialist_user_id       TEXT NOT NULL REFERENCES users (id),
    starts_at                TIMESTAMP NOT NULL,
    ends_at                  TIMESTAMP NOT NULL,
    purpose                  TEXT NOT NULL,
    record_summary           TEXT NOT NULL,
    invited_specialty        TEXT NOT NULL,
    invited_title            TEXT NOT NULL,
    consent_id               TEXT NOT NULL REFERENCES consents (id),
    observers                TEXT NOT NULL DEFAULT '[]',
    room_id                  TEXT NOT NULL,
    consult_id               TEXT NOT NULL DEFAULT '',
    opinion                  TEXT NOT NULL DEFAULT '',
    note                     TEXT NOT NULL DEFAULT '',
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);
-- Double booking is impossible: one live booking per specialist and start.
CREATE UNIQUE INDEX video_consults_slot ON video_consults (specialist_user_id, starts_at) WHERE status <> 'cancelled';
CREATE INDEX video_consults_requester ON video_consults (requester_institution_id, starts_at);
CREATE INDEX video_consults_target ON video_consults (target_institution_id, starts_at);

CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX rooms_ref ON rooms (kind, ref_id);

CREATE TABLE room_attendance (
    id        TEXT PRIMARY KEY,
    room_id   TEXT NOT NULL REFERENCES rooms (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    joined_at TIMESTAMP NOT NULL,
    left_at   TIMESTAMP NULL
);
CREATE INDEX room_attendance_room ON room_attendance (room_id, user_id);
