-- Consultation, ward-round and teaching figures, kept live like the
-- referral rollups of 0009 (which read them from the raw tables before).
--
-- analytics_activity holds the eConsult and video-consultation measures per
-- China Standard Time day, month and year (grains d, m, y) for all
-- institutions together (institution_id = '', side = '') and for each
-- institution: side 'sent' counts what it asked (it is the requester),
-- 'received' what it was asked (the target); an institution never asks
-- itself, so its figures as a whole are the sum of its two sides.
-- An alliance's figures are the sums of its members' 'sent' rows. Ward
-- rounds held (with their cases and attendees) are kept too, for all
-- institutions and on the host's 'sent' side: an alliance's rounds are those
-- its members host (a member's own, hosted or with a ward in them, are read
-- from round_occurrences). A day row
-- is recomputed from the raw rows whenever one of its consultations changes,
-- the month and year rows are sums of the day and month rows (store
-- refreshActivity); `lianxin analytics rebuild` recomputes them all.
-- b00…b28 are the response-time histogram of the eConsults answered
-- (analytics.BucketEdges), on the day of the answer.
CREATE TABLE analytics_activity (
    grain           TEXT NOT NULL,
    institution_id  TEXT NOT NULL,
    side            TEXT NOT NULL,
    period          TEXT NOT NULL,
    asked           BIGINT NOT NULL DEFAULT 0,
    answered        BIGINT NOT NULL DEFAULT 0,
    resolved        BIGINT NOT NULL DEFAULT 0,
    video_booked    BIGINT NOT NULL DEFAULT 0,
    video_held      BIGINT NOT NULL DEFAULT 0,
    video_cancelled BIGINT NOT NULL DEFAULT 0,
    video_no_show   BIGINT NOT NULL DEFAULT 0,
    video_rooms     BIGINT NOT NULL DEFAULT 0,
    video_seconds   BIGINT NOT NULL DEFAULT 0,
    video_attendees BIGINT NOT NULL DEFAULT 0,
    rounds_held     BIGINT NOT NULL DEFAULT 0,
    round_cases     BIGINT NOT NULL DEFAULT 0,
    round_attendees BIGINT NOT NULL DEFAULT 0,
    b00              INTEGER NOT NULL DEFAULT 0,
    b01              INTEGER NOT NULL DEFAULT 0,
    b02              INTEGER NOT NULL DEFAULT 0,
    b03              INTEGER NOT NULL DEFAULT 0,
    b04              INTEGER NOT NULL DEFAULT 0,
    b05              INTEGER NOT NULL DEFAULT 0,
    b06              INTEGER NOT NULL DEFAULT 0,
    b07              INTEGER NOT NULL DEFAULT 0,
    b08              INTEGER NOT NULL DEFAULT 0,
    b09              INTEGER NOT NULL DEFAULT 0,
    b10              INTEGER NOT NULL DEFAULT 0,
    b11              INTEGER NOT NULL DEFAULT 0,
    b12              INTEGER NOT NULL DEFAULT 0,
    b13              INTEGER NOT NULL DEFAULT 0,
    b14              INTEGER NOT NULL DEFAULT 0,
    b15              INTEGER NOT NULL DEFAULT 0,
    b16              INTEGER NOT NULL DEFAULT 0,
    b17              INTEGER NOT NULL DEFAULT 0,
    b18              INTEGER NOT NULL DEFAULT 0,
    b19              INTEGER NOT NULL DEFAULT 0,
    b20              INTEGER NOT NULL DEFAULT 0,
    b21              INTEGER NOT NULL DEFAULT 0,
    b22              INTEGER NOT NULL DEFAULT 0,
    b23              INTEGER NOT NULL DEFAULT 0,
    b24              INTEGER NOT NULL DEFAULT 0,
    b25              INTEGER NOT NULL DEFAULT 0,
    b26              INTEGER NOT NULL DEFAULT 0,
    b27              INTEGER NOT NULL DEFAULT 0,
    b28              INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, institution_id, side, period)
);

-- The people trained: one row per person and China Standard Time day on
-- which they attended a ward round or a lecture, under the institution they
-- belonged to then. Staff trained in a range are the distinct people of its
-- rows.
CREATE TABLE analytics_trained (
    institution_id TEXT NOT NULL,
    day            TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    PRIMARY KEY (institution_id, day, user_id)
);
CREATE INDEX analytics_trained_day ON analytics_trained (day, user_id);
-- The same people by month, for long ranges: one row per person and
-- institution with the first and last month they trained in and a mask of
-- all their months (months from January 2010, 0-based; 480 months to
-- December 2049; hexadecimal, four months a digit, the lowest bit the
-- earliest). Distinct people over whole months are the rows whose first or
-- last month falls in them, or which span them with a bit set in them: one
-- pass over at most one short row per person instead of a distinct count
-- over every day row.
CREATE TABLE analytics_trainees (
    institution_id TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    first_month    INTEGER NOT NULL,
    last_month     INTEGER NOT NULL,
    months         TEXT NOT NULL,
    PRIMARY KEY (institution_id, user_id)
);

-- Counts kept on the round occurrence and the lecture, so that their figures
-- are one range scan with no join: cases presented, and distinct people who
-- attended its room.
ALTER TABLE round_occurrences ADD COLUMN cases INTEGER NOT NULL DEFAULT 0;
ALTER TABLE round_occurrences ADD COLUMN attendees INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lectures ADD COLUMN attendees INTEGER NOT NULL DEFAULT 0;
UPDATE round_occurrences SET
    cases = (SELECT COUNT(*) FROM round_cases c WHERE c.occurrence_id = round_occurrences.id),
    attendees = (SELECT COUNT(DISTINCT ra.user_id) FROM room_attendance ra WHERE ra.room_id = round_occurrences.room_id);
UPDATE lectures SET attendees = (SELECT COUNT(DISTINCT ra.user_id) FROM room_attendance ra WHERE ra.room_id = lectures.room_id);

-- Rounds and lectures are read by date with their counts in the index (the
-- consultation indexes of 0009 stay: the raw reads of the agreement test and
-- the benchmark's naive figures use them).
DROP INDEX analytics_round_occurrences_start;
DROP INDEX analytics_lectures_start;
CREATE INDEX analytics_round_occurrences_start ON round_occurrences (starts_at, status, series_id, cases, attendees);
CREATE INDEX analytics_lectures_start ON lectures (starts_at, ends_at, alliance_id, presenter_institution_id, attendees);
-- The cases a member presented (the goal scoreboard).
CREATE INDEX analytics_round_cases_presenter ON round_cases (presenter_institution_id, occurrence_id);
