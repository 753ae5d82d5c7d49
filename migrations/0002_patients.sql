-- Patients, their consents, and the care relationships that decide who may
-- see them. The national ID is never stored in clear: national_id_enc is
-- AES-GCM ciphertext, national_id_hash a keyed hash used to find it.

CREATE TABLE patients (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    sex                 TEXT NOT NULL,
    birth_date          TEXT NOT NULL,
    phone               TEXT NOT NULL DEFAULT '',
    national_id_enc     TEXT NOT NULL,
    national_id_hash    TEXT NOT NULL,
    national_id_masked  TEXT NOT NULL,
    home_institution_id TEXT NOT NULL REFERENCES institutions (id),
    severe_disorder     BOOLEAN NOT NULL DEFAULT FALSE,
    diagnosis_code      TEXT NOT NULL DEFAULT '',
    created_by          TEXT NOT NULL REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX patients_national_id_hash ON patients (national_id_hash);

-- An institution may see a patient while it has a care relationship with
-- them: it is the home institution, or a party to a referral or consultation.
CREATE TABLE care_relations (
    patient_id     TEXT NOT NULL REFERENCES patients (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    reason         TEXT NOT NULL,
    source_id      TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (institution_id, patient_id, reason, source_id)
);
CREATE INDEX care_relations_patient ON care_relations (patient_id);

CREATE TABLE consents (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patients (id),
    scope             TEXT NOT NULL,
    signed_by         TEXT NOT NULL,
    signer_name       TEXT NOT NULL,
    signer_relation   TEXT NOT NULL DEFAULT '',
    signed_on         TEXT NOT NULL,
    form_path         TEXT NOT NULL DEFAULT '',
    form_content_type TEXT NOT NULL DEFAULT '',
    recorded_by       TEXT NOT NULL REFERENCES users (id),
    institution_id    TEXT NOT NULL REFERENCES institutions (id),
    created_at        TIMESTAMP NOT NULL,
    revoked_at        TIMESTAMP NULL
);
CREATE INDEX consents_patient ON consents (patient_id, scope);
