INSERT INTO ref
SELECT g, 'alliance', 'patient-' || g, 'up', 'fast_track', 0, 'requested', 1,
       'chc-' || (g % 5), 'core', repeat('临床摘要', 60),
       now() + interval '2 hours', NULL, now() + interval '2 hours', now(), now()
FROM generate_series(1, $1::bigint) AS g;
