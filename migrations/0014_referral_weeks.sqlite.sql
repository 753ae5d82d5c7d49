-- Referral counts by ISO week (grain 'w', period: the week's Monday) for all
-- alliances and each alliance, summed from the day rows: a weekly trend over
-- years reads one row per week and cell instead of seven. Kept live and
-- rebuilt like the other grains. (SQLite spells the week's Monday its own way.)
INSERT INTO analytics_referrals (grain, alliance_id, institution_id, side, period, direction, urgency,
    created, submitted, resubmitted, accepted, returned, redirected, cancelled, failed, scheduled, admitted, completed, ft_met, ft_missed, fu_on_time, fu_late)
SELECT 'w', alliance_id, institution_id, side, date(period, '-6 days', 'weekday 1'), direction, urgency,
    SUM(created), SUM(submitted), SUM(resubmitted), SUM(accepted), SUM(returned), SUM(redirected), SUM(cancelled), SUM(failed), SUM(scheduled), SUM(admitted), SUM(completed), SUM(ft_met), SUM(ft_missed), SUM(fu_on_time), SUM(fu_late)
FROM analytics_referrals WHERE grain = 'd'
GROUP BY alliance_id, institution_id, side, date(period, '-6 days', 'weekday 1'), direction, urgency;
