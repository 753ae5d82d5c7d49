-- The bare SQL of one referral transition, as the hub's ActOnReferral does it
-- in one transaction: lock and read the referral, update it (status,
-- version, clocks), append the audit entry and the outbox event. pgbench
-- runs it with -M prepared; :rows is the number of referrals in ref.
\set id random(1, :rows)
BEGIN;
SELECT status, version, clinical FROM ref WHERE id = :id FOR UPDATE;
UPDATE ref SET status = 'accepted', version = version + 1, accepted_at = now(), due_at = now() + interval '24 hours',
    updated_at = now() WHERE id = :id;
INSERT INTO audit (id, at, user_id, username, institution_id, action, patient_id, target_type, target_id, ip, request_id, detail)
    VALUES (gen_random_uuid()::text, now(), 'user-specialist', 'specialist', 'core', 'referral.accept', 'patient-' || :id,
            'referral', :id, '127.0.0.1', md5(random()::text), 'requested→accepted');
INSERT INTO outbox (id, topic, referral_id, payload, created_at)
    VALUES (gen_random_uuid()::text, 'referral.changed', :id,
            '{"referralId":"' || :id || '","action":"accept","from":"requested","to":"accepted","urgency":"fast_track","senderInstitutionId":"chc","receiverInstitutionId":"core"}',
            now());
COMMIT;
