-- Referral flows without urgency: the Sankey view of "all urgencies" (its
-- default) reads one row per sender, receiver, direction and period instead
-- of one per urgency as well — about a third of the rows of
-- analytics_referral_flows, which stays for a view filtered by urgency. Kept
-- in step with analytics_referral_flows by each first submission's own
-- transaction, and by `lianxin analytics rebuild`.

CREATE TABLE analytics_referral_pairs (
    grain                   TEXT NOT NULL,
    alliance_id             TEXT NOT NULL,
    period                  TEXT NOT NULL,
    sender_institution_id   TEXT NOT NULL,
    receiver_institution_id TEXT NOT NULL,
    direction               TEXT NOT NULL,
    n                       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction)
);
CREATE INDEX analytics_referral_pairs_sender ON analytics_referral_pairs (grain, sender_institution_id, period);
CREATE INDEX analytics_referral_pairs_receiver ON analytics_referral_pairs (grain, receiver_institution_id, period);

INSERT INTO analytics_referral_pairs (grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction, n)
SELECT grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction, SUM(n)
FROM analytics_referral_flows
GROUP BY grain, alliance_id, period, sender_institution_id, receiver_institution_id, direction;
