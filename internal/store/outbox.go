package store

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

// The transactional outbox: every committed change of a referral writes one
// outbox row in its own transaction, so an event exists exactly when the
// change does. A publisher turns unpublished rows into notifications in the
// inbox of each user of the two parties, in one transaction that also marks
// the row published; a unique index on (outbox_id, user_id) makes delivery
// exactly once even when two publishers overlap or one dies mid-way.

type outboxRow struct {
	ID          string `gorm:"primaryKey"`
	Topic       string
	ReferralID  string
	Payload     string
	CreatedAt   time.Time
	PublishedAt *time.Time
}

func (outboxRow) TableName() string { return "outbox" }

// ReferralChanged is the payload of a referral's outbox event.
type ReferralChanged struct {
	ReferralID            string           `json:"referralId"`
	Action                referral.Action  `json:"action"`
	From                  referral.Status  `json:"from"`
	To                    referral.Status  `json:"to"`
	Version               int              `json:"version"`
	Urgency               referral.Urgency `json:"urgency"`
	SenderInstitutionID   string           `json:"senderInstitutionId"`
	ReceiverInstitutionID string           `json:"receiverInstitutionId"`
	ActorUserID           string           `json:"actorUserId"`
	At                    time.Time        `json:"at"`
	// Unsent marks a referral its receiver has never been sent (a draft, or
	// a draft cancelled unsent): the receiver's users are not told of it.
	Unsent bool `json:"unsent,omitempty"`
}

const topicReferral = "referral.changed"

func (s *Store) enqueue(ctx context.Context, r *referral.Referral, ev referral.Event) error {
	p, _ := json.Marshal(ReferralChanged{ReferralID: r.ID, Action: ev.Action, From: ev.From, To: ev.To,
		Version: ev.Version, Urgency: r.Urgency, SenderInstitutionID: r.SenderInstitutionID,
		ReceiverInstitutionID: r.ReceiverInstitutionID, Unsent: !r.Submitted(), ActorUserID: ev.UserID, At: ev.At})
	return s.conn(ctx).Create(&outboxRow{ID: newID(), Topic: topicReferral, ReferralID: r.ID, Payload: string(p),
		CreatedAt: s.now()}).Error
}

type notificationRow struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	OutboxID   string
	Kind       string
	ReferralID string
	Status     string
	Action     string
	Link       string
	CreatedAt  time.Time
	ReadAt     *time.Time
}

func (notificationRow) TableName() string { return "notifications" }

// Notification is one entry of a user's inbox. It names the referral and
// what happened, never the patient.
type Notification struct {
	ID         string     `json:"id"`
	UserID     string     `json:"-"`
	Kind       string     `json:"kind"` // referral.changed, referral.sla_breach
	ReferralID string     `json:"referralId"`
	Status     string     `json:"status"`
	Action     string     `json:"action"`
	Link       string     `json:"link"` // where a notification not about a referral leads, else ""
	CreatedAt  time.Time  `json:"createdAt"`
	ReadAt     *time.Time `json:"readAt"`
}

func (r *notificationRow) domain() Notification {
	return Notification{ID: r.ID, UserID: r.UserID, Kind: r.Kind, ReferralID: r.ReferralID, Status: r.Status,
		Action: r.Action, Link: r.Link, CreatedAt: r.CreatedAt.UTC(), ReadAt: utcPtr(r.ReadAt)}
}

// publishLockKey serialises publishers on PostgreSQL across processes; like
// the sealer's, it is mixed with the schema name, so hubs (or tests) in
// different schemas of one database do not hold each other up.
const publishLockKey = 0x6c786f7574626f78

// PublishOutbox delivers up to batch pending outbox events into the inboxes
// of the users of both parties (all clinical users and conveners, but not
// the user who acted) and marks them published, all in one transaction. It
// returns the notifications it created, for live delivery after commit.
func (s *Store) PublishOutbox(ctx context.Context, batch int) ([]Notification, error) {
	var out []Notification
	err := s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if s.dialect == Postgres {
			var got bool
			if err := db.Raw("SELECT pg_try_advisory_xact_lock(?::bigint # hashtext(current_schema())::bigint)", publishLockKey).Scan(&got).Error; err != nil {
				return err
			}
			if !got {
				return nil
			}
		}
		var rows []outboxRow
		if err := db.Where("published_at IS NULL").Order("id").Limit(batch).Find(&rows).Error; err != nil {
			return err
		}
		now := s.now()
		for _, o := range rows {
			var ev ReferralChanged
			if err := json.Unmarshal([]byte(o.Payload), &ev); err != nil {
				return err
			}
			users, err := s.partyUsers(ctx, ev)
			if o.Topic == topicBreach {
				users, err = s.convenersOf(ctx, ev.ReceiverInstitutionID)
			}
			if err != nil {
				return err
			}
			for _, u := range users {
				n := notificationRow{ID: newID(), UserID: u, OutboxID: o.ID, Kind: o.Topic, ReferralID: ev.ReferralID,
					Status: string(ev.To), Action: string(ev.Action), CreatedAt: now}
				res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&n)
				if res.Error != nil {
					return res.Error
				}
				if res.RowsAffected == 1 {
					out = append(out, n.domain())
				}
			}
			if err := db.Model(&outboxRow{}).Where("id = ?", o.ID).Update("published_at", now).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// partyUsers lists the users who hear of a referral change: the active
// clinicians and conveners of the sender and (once it has been submitted) the
// receiver, except the one who made the change.
func (s *Store) partyUsers(ctx context.Context, ev ReferralChanged) ([]string, error) {
	insts := []string{ev.SenderInstitutionID}
	if !ev.Unsent && ev.To != referral.Draft {
		insts = append(insts, ev.ReceiverInstitutionID)
	}
	var rows []userRow
	if err := s.conn(ctx).Select("id", "roles").Where("institution_id IN ? AND disabled = ? AND id <> ?", insts, false,
		ev.ActorUserID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, u := range rows {
		for _, r := range auth.SplitRoles(u.Roles) {
			if r == auth.RoleDoctor || r == auth.RoleSpecialist || r == auth.RoleConvener {
				out = append(out, u.ID)
				break
			}
		}
	}
	return out, nil
}

// convenersOf lists the active conveners of an institution: users with the
// convener role there, and whoever a membership names as its convener.
func (s *Store) convenersOf(ctx context.Context, institutionID string) ([]string, error) {
	var rows []userRow
	if err := s.conn(ctx).Select("id", "roles").Where("institution_id = ? AND disabled = ?", institutionID, false).
		Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, u := range rows {
		if slices.Contains(auth.SplitRoles(u.Roles), auth.RoleConvener) {
			out = append(out, u.ID)
		}
	}
	var named []string
	if err := s.conn(ctx).Model(&membershipRow{}).Where("institution_id = ? AND convener_user_id IS NOT NULL", institutionID).
		Pluck("convener_user_id", &named).Error; err != nil {
		return nil, err
	}
	for _, id := range named {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// kickPublisher wakes the publisher after a commit, so events go out at
// once instead of at its next tick. It never blocks.
func (s *Store) kickPublisher() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// RunPublisher publishes the outbox until ctx ends: at once when a change
// commits in this process, and every interval for changes committed
// elsewhere (another node) or left over from a crash. deliver receives each
// batch of new notifications after it commits.
func (s *Store) RunPublisher(ctx context.Context, interval time.Duration, deliver func([]Notification)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			ns, err := s.PublishOutbox(ctx, 200)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("outbox publisher", "err", err.Error())
				}
				break
			}
			if len(ns) == 0 {
				break
			}
			if deliver != nil {
				deliver(ns)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// ListNotifications pages the actor's inbox, newest first; unreadOnly keeps
// the unread. Errors: invalid (cursor).
func (s *Store) ListNotifications(ctx context.Context, unreadOnly bool, cursor string, limit int) ([]Notification, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	db := s.conn(ctx).Where("user_id = ?", a.UserID)
	if unreadOnly {
		db = db.Where("read_at IS NULL")
	}
	if cursor != "" {
		db = db.Where("id < ?", cursor)
	}
	var rows []notificationRow
	if err := db.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].ID
	}
	out := make([]Notification, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, next, nil
}

// CountUnread counts the actor's unread notifications.
func (s *Store) CountUnread(ctx context.Context) (int64, error) {
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.conn(ctx).Model(&notificationRow{}).Where("user_id = ? AND read_at IS NULL", a.UserID).Count(&n).Error
	return n, err
}

// MarkNotificationsRead marks the given notifications of the actor read, or
// all of them when ids is empty.
func (s *Store) MarkNotificationsRead(ctx context.Context, ids []string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if len(ids) > 500 {
		return apperr.InvalidField("ids", "at most 500 ids at once")
	}
	db := s.conn(ctx).Model(&notificationRow{}).Where("user_id = ? AND read_at IS NULL", a.UserID)
	if len(ids) > 0 {
		db = db.Where("id IN ?", ids)
	}
	return db.Update("read_at", s.now()).Error
}

// RunSLAWorker checks the clocks every interval until ctx ends.
func (s *Store) RunSLAWorker(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.SweepSLABreaches(ctx); err != nil && ctx.Err() == nil {
			log.Error("sla worker", "err", err.Error())
		} else if n > 0 {
			log.Info("sla breaches recorded", "count", n)
			s.kickPublisher()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
