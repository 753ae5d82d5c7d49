-- Remote ward rounds and teaching: recurring round series hosted by a core
-- hospital for member wards, their occurrences (each with a video room),
-- the cases presented, the host's notes and follow-up tasks; lectures and
-- case conferences with registrations and recordings. Each occurrence and
-- lecture opens a room of 0007 (kind ward_round or lecture); presence in it
-- is the room_attendance that training credit is computed from. Times are
-- UTC; a round's recurrence is Beijing wall-clock (weekday, HH:MM, dates)
-- as the scheduler wrote it.

CREATE TABLE round_series (
    id                  TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    host_institution_id TEXT NOT NULL REFERENCES institutions (id),
    host_user_id        TEXT NOT NULL REFERENCES users (id),
    weekday             TEXT NOT NULL,
    start_time          TEXT NOT NULL,
    duration_minutes    INTEGER NOT NULL,
    from_date           TEXT NOT NULL,
    until_date          TEXT NOT NULL DEFAULT '',
    version             INTEGER NOT NULL,
    created_by          TEXT NOT NULL REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX round_series_host ON round_series (host_institution_id, id);

CREATE TABLE round_wards (
    series_id      TEXT NOT NULL REFERENCES round_series (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    PRIMARY KEY (series_id, institution_id)
);
CREATE INDEX round_wards_institution ON round_wards (institution_id, series_id);

CREATE TABLE round_occurrences (
    id               TEXT PRIMARY KEY,
    series_id        TEXT NOT NULL REFERENCES round_series (id),
    starts_at        TIMESTAMP NOT NULL,
    ends_at          TIMESTAMP NOT NULL,
    duration_minutes INTEGER NOT NULL,
    status           TEXT NOT NULL,
    room_id          TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
-- One occurrence per series and start: materialising a window twice, or
-- concurrently, makes each occurrence once.
CREATE UNIQUE INDEX round_occurrences_start ON round_occurrences (series_id, starts_at);
CREATE UNIQUE INDEX round_occurrences_room ON round_occurrences (room_id);

CREATE TABLE round_cases (
    id                       TEXT PRIMARY KEY,
    occurrence_id            TEXT NOT NULL REFERENCES round_occurrences (id),
    series_id                TEXT NOT NULL REFERENCES round_series (id),
    patient_id               TEXT NOT NULL REFERENCES patients (id),
    presenter_user_id        TEXT NOT NULL REFERENCES users (id),
    presenter_institution_id TEXT NOT NULL REFERENCES institutions (id),
    question                 TEXT NOT NULL,
    notes                    TEXT NOT NULL DEFAULT '',
    recommendations          TEXT NOT NULL DEFAULT '',
    notes_by_user_id         TEXT NOT NULL DEFAULT '',
    notes_at                 TIMESTAMP NULL,
    version                  INTEGER NOT NULL,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);
-- A patient is presented once per occurrence.
CREATE UNIQUE INDEX round_cases_patient ON round_cases (occurrence_id, patient_id);
CREATE INDEX round_cases_patient_id ON round_cases (patient_id);

CREATE TABLE round_tasks (
    id                 TEXT PRIMARY KEY,
    case_id            TEXT NOT NULL REFERENCES round_cases (id),
    assignee_user_id   TEXT NOT NULL REFERENCES users (id),
    body               TEXT NOT NULL,
    due_on             TEXT NOT NULL,
    done               BOOLEAN NOT NULL DEFAULT FALSE,
    done_at            TIMESTAMP NULL,
    version            INTEGER NOT NULL,
    created_by_user_id TEXT NOT NULL REFERENCES users (id),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX round_tasks_case ON round_tasks (case_id, id);
CREATE INDEX round_tasks_assignee ON round_tasks (assignee_user_id, done, due_on);

CREATE TABLE lectures (
    id                       TEXT PRIMARY KEY,
    alliance_id              TEXT NOT NULL REFERENCES alliances (id),
    kind                     TEXT NOT NULL,
    title                    TEXT NOT NULL,
    description              TEXT NOT NULL DEFAULT '',
    presenter_user_id        TEXT NOT NULL REFERENCES users (id),
    presenter_institution_id TEXT NOT NULL REFERENCES institutions (id),
    starts_at                TIMESTAMP NOT NULL,
    ends_at                  TIMESTAMP NOT NULL,
    duration_minutes         INTEGER NOT NULL,
    recording_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    room_id                  TEXT NOT NULL,
    patient_id               TEXT NOT NULL DEFAULT '',
    version                  INTEGER NOT NULL,
    created_by               TEXT NOT NULL REFERENCES users (id),
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);
CREATE INDEX lectures_alliance ON lectures (alliance_id, starts_at);
CREATE UNIQUE INDEX lectures_room ON lectures (room_id);

CREATE TABLE lecture_registrations (
    lecture_id     TEXT NOT NULL REFERENCES lectures (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (lecture_id, user_id)
);
CREATE INDEX lecture_registrations_user ON lecture_registrations (user_id);

CREATE TABLE lecture_recordings (
    id         TEXT PRIMARY KEY,
    lecture_id TEXT NOT NULL REFERENCES lectures (id),
    title      TEXT NOT NULL,
    location   TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lecture_recordings_lecture ON lecture_recordings (lecture_id, id);

-- Training credit sums a person's presence in rooms across the year.
CREATE INDEX room_attendance_user ON room_attendance (user_id, joined_at);
