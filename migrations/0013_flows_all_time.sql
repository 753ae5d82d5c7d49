-- Sender → receiver flows over all time (grain 'a', period ''), beside the
-- months and years of 0009: a range of many years is read as all time less
-- the years and months outside it, a few rows per pair instead of one per
-- pair and year. Kept live and rebuilt like the other grains. Inserted in key
-- order, so an alliance's rows lie together (a Sankey reads them all).
INSERT INTO analytics_referral_flows (grain, alliance_id, period, sender_institution_id, receiver_institution_id,
    direction, urgency, n)
SELECT 'a', alliance_id, '', sender_institution_id, receiver_institution_id, direction, urgency, SUM(n)
FROM analytics_referral_flows WHERE grain = 'y'
GROUP BY alliance_id, sender_institution_id, receiver_institution_id, direction, urgency
ORDER BY alliance_id, sender_institution_id, receiver_institution_id, direction, urgency;
