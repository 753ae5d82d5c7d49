-- The alliance directory, accounts and sessions.
-- Portable SQL: runs unchanged on PostgreSQL and SQLite. Times are UTC
-- TIMESTAMPs; calendar dates are TEXT 'YYYY-MM-DD'; ids are UUIDv7 text.

CREATE TABLE institutions (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    level           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    sub_specialties TEXT NOT NULL DEFAULT '',
    beds            INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX institutions_name_region ON institutions (name, region_code);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    roles          TEXT NOT NULL,
    title          TEXT NOT NULL,
    practice_years INTEGER NOT NULL DEFAULT 0,
    phone          TEXT NOT NULL DEFAULT '',
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TIMESTAMP NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_institution ON users (institution_id);

CREATE TABLE alliances (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    model          TEXT NOT NULL,
    initiator_id   TEXT NOT NULL REFERENCES institutions (id),
    region_code    TEXT NOT NULL,
    established_on TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    alliance_id                  TEXT NOT NULL REFERENCES alliances (id),
    institution_id               TEXT NOT NULL REFERENCES institutions (id),
    role                         TEXT NOT NULL,
    joined_on                    TEXT NOT NULL,
    convener_user_id             TEXT NULL REFERENCES users (id),
    sub_regional_expert_user_id  TEXT NULL REFERENCES users (id),
    created_at                   TIMESTAMP NOT NULL,
    PRIMARY KEY (alliance_id, institution_id)
);
CREATE INDEX memberships_institution ON memberships (institution_id);

-- A session row per login. Only the SHA-256 of the token is kept.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
