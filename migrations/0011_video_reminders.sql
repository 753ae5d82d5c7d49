-- Reminders before a booked video consultation: when they were sent, so
-- each booking is reminded once (a move clears it, to remind again).
ALTER TABLE video_consults ADD COLUMN reminded_at TIMESTAMP NULL;
CREATE INDEX video_consults_reminders ON video_consults (status, starts_at);
-- A notification that is not about a referral says where it leads.
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';
