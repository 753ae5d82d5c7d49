-- Alliance analytics: live rollups of referral measures, annual goals and
-- the small-cell threshold. The raw tables (referrals, referral_events,
-- consults, video_consults, rounds, lectures) stay the source of truth;
-- `lianxin analytics rebuild` recomputes every rollup from them.
--
-- Rollup rows are kept per China Standard Time period at three grains (d:
-- period YYYY-MM-DD, m: YYYY-MM, y: YYYY) and in three scopes: all
-- alliances (alliance_id = '', institution_id = ''), one alliance
-- (institution_id = ''), and one member institution's sent or received
-- referrals (side = 'sent' | 'received'). Member rows and flows are kept by
-- month and year only: a member has about one referral a day, so daily
-- member rows would be as many as the events themselves. A referral
-- transition adds to each row of its cell in its own transaction; a query
-- reads whole years, whole months and the days at the edges of its range.
-- Counts are of transitions on the day.

CREATE TABLE analytics_referrals (
    grain          TEXT NOT NULL,
    alliance_id    TEXT NOT NULL,
    institution_id TEXT NOT NULL,
    side           TEXT NOT NULL,
    period         TEXT NOT NULL,
    direction      TEXT NOT NULL,
    urgency        TEXT NOT NULL,
    created        BIGINT NOT NULL DEFAULT 0,
    submitted      BIGINT NOT NULL DEFAULT 0,
    resubmitted    BIGINT NOT NULL DEFAULT 0,
    accepted       BIGINT NOT NULL DEFAULT 0,
    returned       BIGINT NOT NULL DEFAULT 0,
    redirected     BIGINT NOT NULL DEFAULT 0,
    cancelled      BIGINT NOT NULL DEFAULT 0,
    failed         BIGINT NOT NULL DEFAULT 0,
    scheduled      BIGINT NOT NULL DEFAULT 0,
    admitted       BIGINT NOT NULL DEFAULT 0,
    completed      BIGINT NOT NULL DEFAULT 0,
    ft_met         BIGINT NOT NULL DEFAULT 0,
    ft_missed      BIGINT NOT NULL DEFAULT 0,
    fu_on_time     BIGINT NOT NULL DEFAULT 0,
    fu_late        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, alliance_id, institution_id, side, period, direction, urgency)
);
-- The per-member table of an alliance, and one member across alliances.
CREATE INDEX analytics_referrals_members ON analytics_referrals (grain, alliance_id, side, period);
CREATE INDEX analytics_referrals_institution ON analytics_referrals (grain, institution_id, side, period);

-- Delay histograms (analytics.BucketEdges: b00 counts delays of 0–5
-- minutes, b28 those of 90 days or more), read for medians and 90th
-- percentiles; one row per cell and kind (accept, schedule, admit).
CREATE TABLE analytics_referral_times (
    grain          TEXT NOT NULL,
    alliance_id    TEXT NOT NULL,
    institution_id TEXT NOT NULL,
    side           TEXT NOT NULL,
    period         TEXT NOT NULL,
    direction      TEXT NOT NULL,
    urgency        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    b00            INTEGER NOT NULL DEFAULT 0,
    b01            INTEGER NOT NULL DEFAULT 0,
    b02            INTEGER NOT NULL DEFAULT 0,
    b03            INTEGER NOT NULL DEFAULT 0,
    b04            INTEGER NOT NULL DEFAULT 0,
    b05            INTEGER NOT NULL DEFAULT 0,
    b06            INTEGER NOT NULL DEFAULT 0,
    b07            INTEGER NOT NULL DEFAULT 0,
    b08            INTEGER NOT NULL DEFAULT 0,
    b09            INTEGER NOT NULL DEFAULT 0,
    b10            INTEGER NOT NULL DEFAULT 0,
    b11            INTEGER NOT NULL DEFAULT 0,
    b12            INTEGER NOT NULL DEFAULT 0,
    b13            INTEGER NOT NULL DEFAULT 0,
    b14            INTEGER NOT NULL DEFAULT 0,
    b15            INTEGER NOT NULL DEFAULT 0,
    b16            INTEGER NOT NULL DEFAULT 0,
    b17            INTEGER NOT NULL DEFAULT 0,
    b18            INTEGER NOT NULL DEFAULT 0,
    b19            INTEGER NOT NULL DEFAULT 0,
    b20            INTEGER NOT NULL DEFAULT 0,
    b21            INTEGER NOT NULL DEFAULT 0,
    b22            INTEGER NOT NULL DEFAULT 0,
    b23            INTEGER NOT NULL DEFAULT 0,
    b24            INTEGER NOT NULL DEFAULT 0,
    b25            INTEGER NOT NULL DEFAULT 0,
    b26            INTEGER NOT NULL DEFAULT 0,
    b27            INTEGER NOT NULL DEFAULT 0,
    b28            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, alliance_id, institution_id, side, period, direction, urgency, kind)
);
CREATE INDEX analytics_referral_times_members ON analytics_referral_times (grain, alliance_id, side, period);
CREATE INDEX analytics_referral_times_institution ON analytics_referral_times (grain, institution_id, side, period);

-- First submissions from one institution to another, for the Sankey view
-- (grains m and y).
CREATE TABLE analytics_referral_flows (
    grain                   TEXT NOT NULL,
    alliance_id             TEXT NOT NULL,
    period                  TEXT NOT NULL,
    sender_institution_id   TEXT NOT NULL,
    receiver_institution_id TEXT NOT NULL,
    direction               TEXT NOT NULL,
    urgency                 TEXT NOT NULL,
    n                       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction, urgency)
);
CREATE INDEX analytics_referral_flows_sender ON analytics_referral_flows (grain, sender_institution_id, period);
CREATE INDEX analytics_referral_flows_receiver ON analytics_referral_flows (grain, receiver_institution_id, period);

-- Annual goals: a target per member, year and measure, with a weight.
CREATE TABLE analytics_goals (
    id             TEXT PRIMARY KEY,
    alliance_id    TEXT NOT NULL REFERENCES alliances (id),
    institution_id TEXT NOT NULL REFERENCES institutions (id),
    year           INTEGER NOT NULL,
    measure        TEXT NOT NULL,
    target         DOUBLE PRECISION NOT NULL,
    weight         DOUBLE PRECISION NOT NULL,
    version        INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX analytics_goals_once ON analytics_goals (alliance_id, year, institution_id, measure);

-- Per-alliance analytics settings: the small-cell threshold.
CREATE TABLE analytics_settings (
    alliance_id   TEXT PRIMARY KEY REFERENCES alliances (id),
    min_cell_size INTEGER NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- Consultation figures are read from the raw tables (they are an order of
-- magnitude fewer than referrals, and their stores have no transition hook):
-- these indexes make each read a range scan by date — for all alliances, for
-- an alliance's members one by one, or for one member — that needs no table
-- row (the columns a figure reads are in the index).
CREATE INDEX analytics_consults_submitted ON consults (submitted_at);
CREATE INDEX analytics_consults_answered ON consults (answered_at, response_seconds, referral_id);
CREATE INDEX analytics_consults_requester_submitted ON consults (requester_institution_id, submitted_at);
CREATE INDEX analytics_consults_requester_answered ON consults (requester_institution_id, answered_at, response_seconds, referral_id);
CREATE INDEX analytics_consults_target_answered ON consults (target_institution_id, answered_at, response_seconds, referral_id);
CREATE INDEX analytics_video_consults_start ON video_consults (starts_at, status);
CREATE INDEX analytics_round_occurrences_start ON round_occurrences (starts_at);
CREATE INDEX analytics_lectures_start ON lectures (starts_at);
CREATE INDEX analytics_room_attendance_joined ON room_attendance (joined_at);
CREATE INDEX analytics_room_attendance_user ON room_attendance (user_id, joined_at, room_id);
