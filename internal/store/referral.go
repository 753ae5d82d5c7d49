package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

type referralRow struct {
	ID                    string `gorm:"primaryKey"`
	AllianceID            string
	PatientID             string
	Direction             string
	Urgency               string
	Priority              int
	FastTrackSuggested    bool
	Status                string
	Version               int
	SenderInstitutionID   string
	SenderUserID          string
	ReceiverInstitutionID string
	ReceiverDepartment    string
	ReceiverUserID        string
	SubSpecialty          string
	RiskGrade             int
	Clinical              string // JSON of referral.Clinical
	Appointment           string // JSON or ""
	Outcome               string
	FollowUp              string
	Note                  string
	RedirectedFromID      string
	RedirectedToID        string
	ConsultID             string
	SubmittedAt           *time.Time
	AcceptDueAt           *time.Time
	AdmitDueAt            *time.Time
	FollowUpDueAt         *time.Time
	AcceptedAt            *time.Time
	ArrivedAt             *time.Time
	ClosedAt              *time.Time
	DueAt                 *time.Time
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (referralRow) TableName() string { return "referrals" }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r *referralRow) domain() (referral.Referral, error) {
	out := referral.Referral{
		ID: r.ID, AllianceID: r.AllianceID, PatientID: r.PatientID, Direction: referral.Direction(r.Direction),
		Urgency: referral.Urgency(r.Urgency), FastTrackSuggested: r.FastTrackSuggested,
		Status: referral.Status(r.Status), Version: r.Version,
		SenderInstitutionID: r.SenderInstitutionID, SenderUserID: r.SenderUserID,
		ReceiverInstitutionID: r.ReceiverInstitutionID, ReceiverDepartment: r.ReceiverDepartment,
		ReceiverUserID: r.ReceiverUserID, Note: r.Note,
		RedirectedFromID: r.RedirectedFromID, RedirectedToID: r.RedirectedToID, ConsultID: r.ConsultID,
		SubmittedAt: utcPtr(r.SubmittedAt), AcceptDueAt: utcPtr(r.AcceptDueAt), AdmitDueAt: utcPtr(r.AdmitDueAt),
		FollowUpDueAt: utcPtr(r.FollowUpDueAt), AcceptedAt: utcPtr(r.AcceptedAt), ArrivedAt: utcPtr(r.ArrivedAt),
		ClosedAt: utcPtr(r.ClosedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if err := json.Unmarshal([]byte(r.Clinical), &out.Clinical); err != nil {
		return out, fmt.Errorf("referral %s: clinical: %w", r.ID, err)
	}
	for _, f := range []struct {
		src string
		dst any
	}{{r.Appointment, &out.Appointment}, {r.Outcome, &out.Outcome}, {r.FollowUp, &out.FollowUp}} {
		if f.src == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return out, fmt.Errorf("referral %s: %w", r.ID, err)
		}
	}
	return out, nil
}

func jsonOrEmpty(v any, isNil bool) string {
	if isNil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func newReferralRow(r *referral.Referral) referralRow {
	clinical, _ := json.Marshal(r.Clinical)
	return referralRow{
		ID: r.ID, AllianceID: r.AllianceID, PatientID: r.PatientID, Direction: string(r.Direction),
		Urgency: string(r.Urgency), Priority: r.Urgency.Priority(), FastTrackSuggested: r.FastTrackSuggested,
		Status: string(r.Status), Version: r.Version,
		SenderInstitutionID: r.SenderInstitutionID, SenderUserID: r.SenderUserID,
		ReceiverInstitutionID: r.ReceiverInstitutionID, ReceiverDepartment: r.ReceiverDepartment,
		ReceiverUserID: r.ReceiverUserID, SubSpecialty: r.SubSpecialty, RiskGrade: r.RiskGrade,
		Clinical:    string(clinical),
		Appointment: jsonOrEmpty(r.Appointment, r.Appointment == nil),
		Outcome:     jsonOrEmpty(r.Outcome, r.Outcome == nil),
		FollowUp:    jsonOrEmpty(r.FollowUp, r.FollowUp == nil),
		Note:        r.Note, RedirectedFromID: r.RedirectedFromID, RedirectedToID: r.RedirectedToID, ConsultID: r.ConsultID,
		SubmittedAt: r.SubmittedAt, AcceptDueAt: r.AcceptDueAt, AdmitDueAt: r.AdmitDueAt,
		FollowUpDueAt: r.FollowUpDueAt, AcceptedAt: r.AcceptedAt, ArrivedAt: r.ArrivedAt, ClosedAt: r.ClosedAt,
		DueAt: r.DueAt(), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

type referralEventRow struct {
	ID            string `gorm:"primaryKey"`
	ReferralID    string
	Version       int
	Action        string
	FromStatus    string
	ToStatus      string
	UserID        string
	Username      string
	InstitutionID string
	Note          string
	At            time.Time
}

func (referralEventRow) TableName() string { return "referral_events" }

func (r *referralEventRow) domain() referral.Event {
	return referral.Event{ID: r.ID, ReferralID: r.ReferralID, Version: r.Version, Action: referral.Action(r.Action),
		From: referral.Status(r.FromStatus), To: referral.Status(r.ToStatus), UserID: r.UserID, Username: r.Username,
		InstitutionID: r.InstitutionID, Note: r.Note, At: r.At.UTC()}
}

type idempotencyRow struct {
	UserID      string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	ReferralID  string
	CreatedAt   time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

func whoOf(a auth.Actor) referral.Who {
	return referral.Who{UserID: a.UserID, Username: a.Username, InstitutionID: a.InstitutionID, Roles: a.Roles}
}

// CreateReferral makes a referral from the actor's institution. With a
// non-empty idempotency key, a retry with the same key and body returns the
// referral the first call made (created is then false) and never a second
// one; the same key with another body is a conflict. The patient must be
// visible to the actor, the receiver a member of an alliance the sender
// belongs to with a level that fits the direction, and a submitted referral
// needs the patient's consent of scope referral. The referral, its first
// timeline event, the receiver's care relationship, the audit entry and the
// outbox event commit together. Errors: invalid, not_found (patient),
// conflict (idempotency key reused with another body).
func (s *Store) CreateReferral(ctx context.Context, q referral.Request, idemKey string) (out referral.Referral, created bool, err error) {
	a, err := actor(ctx)
	if err != nil {
		return out, false, err
	}
	if !validIdempotencyKey(idemKey) {
		return out, false, apperr.InvalidField("Idempotency-Key", "the Idempotency-Key header must be at most 200 printable ASCII characters")
	}
	if err := q.Validate(); err != nil {
		return out, false, err
	}
	body, _ := json.Marshal(q)
	sum := sha256.Sum256(body)
	reqHash := hex.EncodeToString(sum[:])
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if idemKey != "" {
			var prev idempotencyRow
			err := db.Where("user_id = ? AND key = ?", a.UserID, idemKey).Take(&prev).Error
			if err == nil {
				if prev.RequestHash != reqHash {
					return &apperr.Error{Code: apperr.Conflict, Field: "Idempotency-Key",
						Message: "this Idempotency-Key was used for a different referral"}
				}
				out, err = s.loadReferral(ctx, prev.ReferralID)
				return err
			} else if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
		}
		if err := s.requireVisiblePatient(ctx, q.PatientID); err != nil {
			return err
		}
		allianceID, err := s.checkReceiver(ctx, a.InstitutionID, q.ReceiverInstitutionID, q.Direction)
		if err != nil {
			return err
		}
		if q.ReceiverUserID != "" {
			if err := s.checkNamedReceiver(ctx, q.ReceiverUserID, q.ReceiverInstitutionID); err != nil {
				return err
			}
		}
		sla, err := s.ReferralSLA(ctx, allianceID)
		if err != nil {
			return err
		}
		now := s.now()
		r := referral.New(q, whoOf(a), sla, now)
		r.ID, r.AllianceID = newID(), allianceID
		if r.Status == referral.Requested {
			if err := s.requireConsent(ctx, r.PatientID); err != nil {
				return err
			}
		}
		row := newReferralRow(&r)
		if err := db.Create(&row).Error; err != nil {
			return err
		}
		ev := referral.Event{ReferralID: r.ID, Version: r.Version, Action: referral.Create, To: r.Status,
			UserID: a.UserID, Username: a.Username, InstitutionID: a.InstitutionID, At: now}
		if err := s.afterTransition(ctx, &r, ev); err != nil {
			return err
		}
		if idemKey != "" {
			if err := db.Create(&idempotencyRow{UserID: a.UserID, Key: idemKey, RequestHash: reqHash,
				ReferralID: r.ID, CreatedAt: now}).Error; err != nil {
				if isUnique(err) { // a concurrent retry won the race; it made the referral
					return apperr.Conflictf("a request with this Idempotency-Key is in progress; retry")
				}
				return err
			}
		}
		out, created = r, true
		return nil
	})
	if err != nil {
		return referral.Referral{}, false, err
	}
	if created {
		s.kickPublisher()
	}
	return out, created, nil
}

// requireConsent refuses a referral without the patient's consent of scope
// referral.
func (s *Store) requireConsent(ctx context.Context, patientID string) error {
	ok, err := s.HasConsent(ctx, patientID, patient.ScopeReferral)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.InvalidField("patientId", "record the patient's consent to referral (scope referral) first")
	}
	return nil
}

// checkReceiver finds an alliance that both institutions belong to and
// checks the receiver's level against the direction. It returns the alliance.
func (s *Store) checkReceiver(ctx context.Context, senderID, receiverID string, d referral.Direction) (string, error) {
	if receiverID == senderID {
		return "", apperr.InvalidField("receiverInstitutionId", "a referral goes to another institution")
	}
	var allianceIDs []string
	err := s.conn(ctx).Model(&membershipRow{}).Where("institution_id = ? AND alliance_id IN (?)", receiverID,
		s.conn(ctx).Model(&membershipRow{}).Select("alliance_id").Where("institution_id = ?", senderID)).
		Order("alliance_id").Pluck("alliance_id", &allianceIDs).Error
	if err != nil {
		return "", err
	}
	if len(allianceIDs) == 0 {
		return "", apperr.InvalidField("receiverInstitutionId", "the receiver is not a member of your alliance")
	}
	ins, err := s.institutionsByID(ctx, []string{senderID, receiverID})
	if err != nil {
		return "", err
	}
	if err := referral.CheckLevels(d, ins[senderID].Level, ins[receiverID].Level); err != nil {
		return "", err
	}
	return allianceIDs[0], nil
}

func (s *Store) checkNamedReceiver(ctx context.Context, userID, institutionID string) error {
	var n int64
	if err := s.conn(ctx).Model(&userRow{}).Where("id = ? AND institution_id = ? AND disabled = ?", userID,
		institutionID, false).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apperr.InvalidField("receiverUserId", "the named specialist does not work at the receiving institution")
	}
	return nil
}

// afterTransition writes what every change of a referral writes with it, in
// the same transaction: the timeline event, the receiver's care relationship
// once the referral has been submitted, the audit entry and the outbox event.
func (s *Store) afterTransition(ctx context.Context, r *referral.Referral, ev referral.Event) error {
	db := s.conn(ctx)
	ev.ID = newID()
	if err := db.Create(&referralEventRow{ID: ev.ID, ReferralID: ev.ReferralID, Version: ev.Version,
		Action: string(ev.Action), FromStatus: string(ev.From), ToStatus: string(ev.To), UserID: ev.UserID,
		Username: ev.Username, InstitutionID: ev.InstitutionID, Note: ev.Note, At: ev.At}).Error; err != nil {
		if isUnique(err) {
			return apperr.Conflictf("the referral has changed: reload it")
		}
		return err
	}
	if r.Submitted() { // not for a draft, nor a draft cancelled unsent
		if err := s.AddCareRelation(ctx, r.PatientID, r.ReceiverInstitutionID, CareReferral, r.ID); err != nil {
			return err
		}
	}
	if err := s.record(ctx, Audit{Action: audit.Action("referral." + string(ev.Action)), PatientID: r.PatientID,
		TargetType: "referral", TargetID: r.ID, Detail: fmt.Sprintf("%s→%s v%d", ev.From, ev.To, ev.Version)}); err != nil {
		return err
	}
	if err := s.rollupReferral(ctx, r, ev); err != nil {
		return err
	}
	return s.enqueue(ctx, r, ev)
}

// loadReferral reads a referral by id with no visibility check.
func (s *Store) loadReferral(ctx context.Context, id string) (referral.Referral, error) {
	var row referralRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return referral.Referral{}, notFound(err, "referral")
	}
	return row.domain()
}

// visibleReferral reads a referral the actor's institution may see.
// Errors: not_found (absent or not visible: the two look the same).
func (s *Store) visibleReferral(ctx context.Context, a auth.Actor, id string) (referral.Referral, error) {
	r, err := s.loadReferral(ctx, id)
	if err != nil {
		return r, err
	}
	if !r.VisibleTo(a.InstitutionID) {
		return referral.Referral{}, apperr.NotFoundf("referral not found")
	}
	return r, nil
}

// ReferralDetail is a referral with its timeline and attachments.
type ReferralDetail struct {
	Referral    referral.Referral
	Events      []referral.Event
	Attachments []Attachment
}

// GetReferral returns a referral the actor may see, with its timeline and
// attachments, and audits the read. Errors: not_found.
func (s *Store) GetReferral(ctx context.Context, id string) (ReferralDetail, error) {
	a, err := actor(ctx)
	if err != nil {
		return ReferralDetail{}, err
	}
	var out ReferralDetail
	err = s.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.visibleReferral(ctx, a, id)
		if err != nil {
			return err
		}
		out.Referral = r
		var evs []referralEventRow
		if err := s.conn(ctx).Where("referral_id = ?", id).Order("version, id").Find(&evs).Error; err != nil {
			return err
		}
		for i := range evs {
			out.Events = append(out.Events, evs[i].domain())
		}
		if out.Attachments, err = s.listAttachments(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("referral.read"), PatientID: r.PatientID,
			TargetType: "referral", TargetID: id})
	})
	return out, err
}

// ActOnReferral takes action on referral id for the actor: authorise (party
// and role), check the version and the state, apply, and write the change
// with its event, audit entry and outbox event in one transaction. The
// update is guarded by the version, so of two concurrent actions on the same
// version exactly one commits. A redirect also opens the linked referral at
// the new receiver. Errors: not_found (not visible), forbidden (wrong party
// or role), conflict (stale version or state), invalid (input).
func (s *Store) ActOnReferral(ctx context.Context, id string, action referral.Action, in referral.Input) (referral.Referral, error) {
	a, err := actor(ctx)
	if err != nil {
		return referral.Referral{}, err
	}
	var out referral.Referral
	err = s.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.visibleReferral(ctx, a, id)
		if err != nil {
			return err
		}
		rule, err := referral.Authorize(&r, action, whoOf(a))
		if err != nil {
			return err
		}
		sla, err := s.ReferralSLA(ctx, r.AllianceID)
		if err != nil {
			return err
		}
		prev := r.Version
		now := s.now()
		ev, err := referral.Apply(&r, rule, in, whoOf(a), sla, now)
		if err != nil {
			return err
		}
		if action == referral.Submit {
			if err := s.requireConsent(ctx, r.PatientID); err != nil {
				return err
			}
		}
		var next *referral.Referral
		if action == referral.Redirect {
			n := referral.NewRedirect(&r, in, sla, now)
			n.ID = newID()
			allianceID, err := s.checkReceiver(ctx, r.SenderInstitutionID, n.ReceiverInstitutionID, n.Direction)
			if err != nil {
				return apperr.InvalidField("receiverInstitutionId", "%s", errMessage(err))
			}
			n.AllianceID = allianceID
			r.RedirectedToID = n.ID
			next = &n
		}
		row := newReferralRow(&r)
		res := s.conn(ctx).Model(&referralRow{}).Where("id = ? AND version = ?", id, prev).Select("*").Omit("id", "created_at").Updates(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the referral has changed: reload it")
		}
		if err := s.afterTransition(ctx, &r, ev); err != nil {
			return err
		}
		if next != nil {
			nrow := newReferralRow(next)
			if err := s.conn(ctx).Create(&nrow).Error; err != nil {
				return err
			}
			nev := referral.Event{ReferralID: next.ID, Version: 1, Action: referral.Create, To: next.Status,
				UserID: a.UserID, Username: a.Username, InstitutionID: a.InstitutionID,
				Note: "redirected from " + r.ID, At: now}
			if err := s.afterTransition(ctx, next, nev); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return referral.Referral{}, err
	}
	s.kickPublisher()
	return out, nil
}

func errMessage(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// ReferralBox selects a worklist.
type ReferralBox string

const (
	Incoming ReferralBox = "incoming"
	Outgoing ReferralBox = "outgoing"
)

// ReferralFilter narrows a worklist. Cursor continues a previous page.
type ReferralFilter struct {
	Box       ReferralBox
	Status    []referral.Status
	Urgency   referral.Urgency
	Direction referral.Direction
	PatientID string
	Cursor    string
	Limit     int
}

// ReferralItem is one line of a worklist: the referral and what a worklist
// shows of its patient and parties.
type ReferralItem struct {
	Referral     referral.Referral
	PatientName  string
	PatientSex   patient.Sex
	PatientBirth string
}

// worklist cursors encode the last row's (priority, due_at, id).
type worklistCursor struct {
	Priority int        `json:"p"`
	DueAt    *time.Time `json:"d"`
	ID       string     `json:"i"`
}

// ListReferrals returns a worklist of the actor's institution ordered by
// clinical priority (fast track first), then by the time the next clock runs
// out (referrals with no running clock last), then id; keyset-paginated. The
// outgoing box holds what the institution sent, drafts included; the
// incoming box what it received, drafts (and drafts cancelled unsent)
// excluded. Errors: invalid (cursor).
func (s *Store) ListReferrals(ctx context.Context, f ReferralFilter) (items []ReferralItem, next string, err error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx).Model(&referralRow{})
		switch f.Box {
		case Incoming:
			db = db.Where("receiver_institution_id = ? AND submitted_at IS NOT NULL", a.InstitutionID)
		case Outgoing:
			db = db.Where("sender_institution_id = ?", a.InstitutionID)
		default:
			return apperr.InvalidField("box", "box must be incoming or outgoing")
		}
		if len(f.Status) > 0 {
			db = db.Where("status IN ?", statusStrings(f.Status))
		}
		if f.Urgency != "" {
			db = db.Where("urgency = ?", f.Urgency)
		}
		if f.Direction != "" {
			db = db.Where("direction = ?", f.Direction)
		}
		if f.PatientID != "" {
			db = db.Where("patient_id = ?", f.PatientID)
		}
		// Rows with no running clock sort last: a far-future stand-in keeps
		// the ordering and the keyset comparison portable across dialects.
		dueExpr := "COALESCE(due_at, ?)"
		if f.Cursor != "" {
			c, err := decodeCursor(f.Cursor)
			if err != nil {
				return err
			}
			due := noClock
			if c.DueAt != nil {
				due = c.DueAt.UTC()
			}
			db = db.Where("(priority > ?) OR (priority = ? AND "+dueExpr+" > ?) OR (priority = ? AND "+dueExpr+" = ? AND id > ?)",
				c.Priority, c.Priority, noClock, due, c.Priority, noClock, due, c.ID)
		}
		var rows []referralRow
		// One ORDER BY expression: gorm's Order drops a gorm.Expr silently,
		// which would leave the worklist in id order and break the keyset.
		order := clause.OrderBy{Expression: clause.Expr{SQL: "priority, " + dueExpr + ", id", Vars: []any{noClock}}}
		if err := db.Clauses(order).Limit(f.Limit + 1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) > f.Limit {
			last := rows[f.Limit-1]
			next = encodeCursor(worklistCursor{Priority: last.Priority, DueAt: utcPtr(last.DueAt), ID: last.ID})
			rows = rows[:f.Limit]
		}
		pids := make([]string, 0, len(rows))
		for i := range rows {
			pids = append(pids, rows[i].PatientID)
		}
		var pats []patientRow
		if len(pids) > 0 {
			if err := s.conn(ctx).Select("id", "name", "sex", "birth_date").Where("id IN ?", pids).Find(&pats).Error; err != nil {
				return err
			}
		}
		byID := map[string]patientRow{}
		for _, p := range pats {
			byID[p.ID] = p
		}
		for i := range rows {
			r, err := rows[i].domain()
			if err != nil {
				return err
			}
			p := byID[r.PatientID]
			items = append(items, ReferralItem{Referral: r, PatientName: p.Name, PatientSex: patient.Sex(p.Sex), PatientBirth: p.BirthDate})
		}
		return s.record(ctx, Audit{Action: audit.Action("referral.list"), TargetType: "referral",
			Detail: fmt.Sprintf("%s: %d results", f.Box, len(items))})
	})
	return items, next, err
}

// noClock stands in for "no running clock" in worklist order.
var noClock = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

func statusStrings(ss []referral.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// SuggestReceivers ranks the members of the actor's alliances that could
// receive a referral in direction d wanting subSpecialty.
func (s *Store) SuggestReceivers(ctx context.Context, d referral.Direction, subSpecialty string) ([]referral.Suggestion, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !referralDirectionOK(d) {
		return nil, apperr.InvalidField("direction", "direction must be up, down or lateral")
	}
	if subSpecialty != "" && !containsString(alliance.SubSpecialties, subSpecialty) {
		return nil, apperr.InvalidField("subSpecialty", "unknown sub-specialty %q", subSpecialty)
	}
	db := s.conn(ctx)
	var ids []string
	if err := db.Model(&membershipRow{}).Distinct("institution_id").Where("alliance_id IN (?)",
		db.Model(&membershipRow{}).Select("alliance_id").Where("institution_id = ?", a.InstitutionID)).
		Pluck("institution_id", &ids).Error; err != nil {
		return nil, err
	}
	ins, err := s.institutionsByID(ctx, append(ids, a.InstitutionID))
	if err != nil {
		return nil, err
	}
	type load struct {
		ReceiverInstitutionID string
		N                     int
	}
	var loads []load
	if err := db.Model(&referralRow{}).Select("receiver_institution_id, COUNT(*) AS n").
		Where("receiver_institution_id IN ? AND status IN ?", ids, statusStrings([]referral.Status{
			referral.Requested, referral.OnHold, referral.Accepted, referral.Scheduled, referral.InProgress})).
		Group("receiver_institution_id").Scan(&loads).Error; err != nil {
		return nil, err
	}
	loadOf := map[string]int{}
	for _, l := range loads {
		loadOf[l.ReceiverInstitutionID] = l.N
	}
	cands := make([]referral.Candidate, 0, len(ids))
	for _, id := range ids {
		cands = append(cands, referral.Candidate{Institution: ins[id], OpenLoad: loadOf[id]})
	}
	return referral.Suggest(ins[a.InstitutionID], d, subSpecialty, cands), nil
}

func referralDirectionOK(d referral.Direction) bool {
	for _, x := range referral.Directions {
		if x == d {
			return true
		}
	}
	return false
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// validIdempotencyKey accepts "" (no key) or up to 200 printable ASCII
// characters, so a key never reaches the database as text it cannot store.
func validIdempotencyKey(k string) bool {
	if len(k) > 200 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
