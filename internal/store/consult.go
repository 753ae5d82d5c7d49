package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/consult"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/referral"
)

type consultRow struct {
	ID                     string `gorm:"primaryKey"`
	PatientID              string
	Status                 string
	Urgency                string
	Version                int
	RequesterInstitutionID string
	RequesterUserID        string
	TargetInstitutionID    string
	SpecialistUserID       string
	SubSpecialty           string
	Question               string
	Summary                string
	Diagnoses              string // JSON array
	Opinion                string // JSON or ""
	SubmittedAt            time.Time
	PausedSince            *time.Time
	PausedSeconds          int64
	AnsweredAt             *time.Time
	ResponseSeconds        *int64
	ReferralID             string
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

func (consultRow) TableName() string { return "consults" }

func (r *consultRow) domain() (consult.Consult, error) {
	c := consult.Consult{ID: r.ID, PatientID: r.PatientID, Status: consult.Status(r.Status),
		Urgency: consult.Urgency(r.Urgency), Version: r.Version, RequesterInstitutionID: r.RequesterInstitutionID,
		RequesterUserID: r.RequesterUserID, TargetInstitutionID: r.TargetInstitutionID,
		SpecialistUserID: r.SpecialistUserID, SubSpecialty: r.SubSpecialty, Question: r.Question, Summary: r.Summary,
		SubmittedAt: r.SubmittedAt.UTC(), PausedSince: utcPtr(r.PausedSince),
		PausedTotal: time.Duration(r.PausedSeconds) * time.Second, AnsweredAt: utcPtr(r.AnsweredAt),
		ResponseSecs: r.ResponseSeconds, ReferralID: r.ReferralID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Diagnoses), &c.Diagnoses); err != nil {
		return c, fmt.Errorf("consult %s: diagnoses: %w", r.ID, err)
	}
	if r.Opinion != "" {
		if err := json.Unmarshal([]byte(r.Opinion), &c.Opinion); err != nil {
			return c, fmt.Errorf("consult %s: opinion: %w", r.ID, err)
		}
	}
	return c, nil
}

func newConsultRow(c *consult.Consult) consultRow {
	diags, _ := json.Marshal(c.Diagnoses)
	if c.Diagnoses == nil {
		diags = []byte("[]")
	}
	return consultRow{ID: c.ID, PatientID: c.PatientID, Status: string(c.Status), Urgency: string(c.Urgency),
		Version: c.Version, RequesterInstitutionID: c.RequesterInstitutionID, RequesterUserID: c.RequesterUserID,
		TargetInstitutionID: c.TargetInstitutionID, SpecialistUserID: c.SpecialistUserID, SubSpecialty: c.SubSpecialty,
		Question: c.Question, Summary: c.Summary, Diagnoses: string(diags),
		Opinion:     jsonOrEmpty(c.Opinion, c.Opinion == nil),
		SubmittedAt: c.SubmittedAt, PausedSince: c.PausedSince, PausedSeconds: int64(c.PausedTotal / time.Second),
		AnsweredAt: c.AnsweredAt, ResponseSeconds: c.ResponseSecs, ReferralID: c.ReferralID,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

type consultMessageRow struct {
	ID            string `gorm:"primaryKey"`
	ConsultID     string
	Version       int
	Action        string
	UserID        string
	Username      string
	InstitutionID string
	Body          string
	At            time.Time
}

func (consultMessageRow) TableName() string { return "consult_messages" }

func (s *Store) consultMessage(ctx context.Context, c *consult.Consult, m consult.Message) error {
	row := consultMessageRow{ID: newID(), ConsultID: c.ID, Version: m.Version, Action: string(m.Action), UserID: m.UserID,
		Username: m.Username, InstitutionID: m.InstitutionID, Body: m.Body, At: m.At}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		if isUnique(err) {
			return apperr.Conflictf("the consultation has changed: reload it")
		}
		return err
	}
	return s.record(ctx, Audit{Action: audit.Action("consult." + string(m.Action)), PatientID: c.PatientID,
		TargetType: "consult", TargetID: c.ID, Detail: fmt.Sprintf("%s v%d", c.Status, c.Version)})
}

// consultant loads a user and checks they may answer consults of the target.
func (s *Store) consultant(ctx context.Context, field, userID, targetID string) error {
	var row userRow
	if err := s.conn(ctx).Where("id = ?", userID).Take(&row).Error; err != nil {
		return apperr.InvalidField(field, "no such specialist")
	}
	return consult.CheckConsultant(field, row.domain(), targetID)
}

// CreateConsult asks a question about a patient the actor may see, who has
// consented to teleconsultation, of a member institution of the actor's
// alliance (and optionally a named specialist there with ≥ 3 years of
// practice). The target gains a care relationship with the patient.
// Errors: invalid, not_found (patient).
func (s *Store) CreateConsult(ctx context.Context, q consult.Request) (consult.Consult, error) {
	a, err := actor(ctx)
	if err != nil {
		return consult.Consult{}, err
	}
	if err := q.Validate(); err != nil {
		return consult.Consult{}, err
	}
	var out consult.Consult
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.requireVisiblePatient(ctx, q.PatientID); err != nil {
			return err
		}
		if q.TargetInstitutionID == a.InstitutionID {
			return apperr.InvalidField("targetInstitutionId", "ask another institution")
		}
		if err := s.sameAlliance(ctx, a.InstitutionID, q.TargetInstitutionID, "targetInstitutionId"); err != nil {
			return err
		}
		if q.SpecialistUserID != "" {
			if err := s.consultant(ctx, "specialistUserId", q.SpecialistUserID, q.TargetInstitutionID); err != nil {
				return err
			}
		}
		ok, err := s.HasConsent(ctx, q.PatientID, patient.ScopeTeleconsult)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.InvalidField("patientId", "record the patient's consent to teleconsultation (scope teleconsult) first")
		}
		now := s.now()
		c := consult.New(q, whoOf(a), now)
		c.ID = newID()
		row := newConsultRow(&c)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return err
		}
		if err := s.AddCareRelation(ctx, c.PatientID, c.TargetInstitutionID, CareConsult, c.ID); err != nil {
			return err
		}
		if err := s.refreshActivity(ctx, []time.Time{c.SubmittedAt}, c.RequesterInstitutionID, c.TargetInstitutionID); err != nil {
			return err
		}
		out = c
		return s.consultMessage(ctx, &c, consult.Message{Version: 1, Action: consult.Create, UserID: a.UserID,
			Username: a.Username, InstitutionID: a.InstitutionID, Body: c.Question, At: now})
	})
	return out, err
}

// consultFiguresChanged refreshes the activity rollups an action touched:
// those of the days a consultation was asked and answered, when its answer
// or its institutions changed.
func (s *Store) consultFiguresChanged(ctx context.Context, before, after *consult.Consult) error {
	if ptrTimeEqual(before.AnsweredAt, after.AnsweredAt) && before.TargetInstitutionID == after.TargetInstitutionID &&
		before.RequesterInstitutionID == after.RequesterInstitutionID {
		return nil
	}
	ats := []time.Time{after.SubmittedAt}
	for _, t := range []*time.Time{before.AnsweredAt, after.AnsweredAt} {
		if t != nil {
			ats = append(ats, *t)
		}
	}
	return s.refreshActivity(ctx, ats, before.RequesterInstitutionID, before.TargetInstitutionID,
		after.RequesterInstitutionID, after.TargetInstitutionID)
}

func ptrTimeEqual(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// sameAlliance checks that two institutions share an alliance.
func (s *Store) sameAlliance(ctx context.Context, a, b, field string) error {
	var n int64
	err := s.conn(ctx).Model(&membershipRow{}).Where("institution_id = ? AND alliance_id IN (?)", b,
		s.conn(ctx).Model(&membershipRow{}).Select("alliance_id").Where("institution_id = ?", a)).Count(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.InvalidField(field, "the institution is not a member of your alliance")
	}
	return nil
}

func (s *Store) visibleConsult(ctx context.Context, a auth.Actor, id string) (consult.Consult, error) {
	var row consultRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return consult.Consult{}, notFound(err, "consultation")
	}
	c, err := row.domain()
	if err != nil {
		return c, err
	}
	if !c.VisibleTo(a.InstitutionID) {
		return consult.Consult{}, apperr.NotFoundf("consultation not found")
	}
	return c, nil
}

// ConsultDetail is a consult with its thread.
type ConsultDetail struct {
	Consult  consult.Consult
	Messages []consult.Message
}

// GetConsult returns a consult the actor's institution is party to, with its
// thread, audited. Errors: not_found.
func (s *Store) GetConsult(ctx context.Context, id string) (ConsultDetail, error) {
	a, err := actor(ctx)
	if err != nil {
		return ConsultDetail{}, err
	}
	var out ConsultDetail
	err = s.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visibleConsult(ctx, a, id)
		if err != nil {
			return err
		}
		out.Consult = c
		var rows []consultMessageRow
		if err := s.conn(ctx).Where("consult_id = ?", id).Order("version").Find(&rows).Error; err != nil {
			return err
		}
		for _, m := range rows {
			out.Messages = append(out.Messages, consult.Message{ID: m.ID, ConsultID: m.ConsultID, Version: m.Version,
				Action: consult.Action(m.Action), UserID: m.UserID, Username: m.Username, InstitutionID: m.InstitutionID,
				Body: m.Body, At: m.At.UTC()})
		}
		return s.record(ctx, Audit{Action: audit.Action("consult.read"), PatientID: c.PatientID, TargetType: "consult", TargetID: id})
	})
	return out, err
}

// ActOnConsult takes a step of the conversation, version-guarded, with its
// thread message and audit entry in one transaction. Errors: not_found,
// forbidden, conflict, invalid.
func (s *Store) ActOnConsult(ctx context.Context, id string, action consult.Action, in consult.Input) (consult.Consult, error) {
	a, err := actor(ctx)
	if err != nil {
		return consult.Consult{}, err
	}
	var out consult.Consult
	err = s.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visibleConsult(ctx, a, id)
		if err != nil {
			return err
		}
		rule, err := consult.Authorize(&c, action, whoOf(a))
		if err != nil {
			return err
		}
		if action == consult.Assign && in.SpecialistUserID != "" && in.Version == c.Version {
			if err := s.consultant(ctx, "specialistUserId", in.SpecialistUserID, c.TargetInstitutionID); err != nil {
				return err
			}
		}
		prev, before := c.Version, c
		msg, err := consult.Apply(&c, rule, in, whoOf(a), s.now())
		if err != nil {
			return err
		}
		row := newConsultRow(&c)
		res := s.conn(ctx).Model(&consultRow{}).Where("id = ? AND version = ?", id, prev).Select("*").
			Omit("id", "created_at").Updates(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the consultation has changed: reload it")
		}
		if err := s.consultFiguresChanged(ctx, &before, &c); err != nil {
			return err
		}
		out = c
		return s.consultMessage(ctx, &c, msg)
	})
	return out, err
}

// ConsultFilter selects a consult list.
type ConsultFilter struct {
	Box    string // "sent" (asked by the actor's institution), "queue" (asked of it), "mine" (assigned to the actor)
	Status []consult.Status
}

// ConsultItem is a consult with its patient's name, for lists.
type ConsultItem struct {
	Consult     consult.Consult
	PatientName string
}

// ListConsults lists consults of the actor's institution, newest first
// (at most 200). Errors: invalid (box).
func (s *Store) ListConsults(ctx context.Context, f ConsultFilter) ([]ConsultItem, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var items []ConsultItem
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx).Model(&consultRow{})
		switch f.Box {
		case "sent":
			db = db.Where("requester_institution_id = ?", a.InstitutionID)
		case "queue":
			db = db.Where("target_institution_id = ?", a.InstitutionID)
		case "mine":
			db = db.Where("target_institution_id = ? AND specialist_user_id = ?", a.InstitutionID, a.UserID)
		default:
			return apperr.InvalidField("box", "box must be sent, queue or mine")
		}
		if len(f.Status) > 0 {
			ss := make([]string, len(f.Status))
			for i, x := range f.Status {
				ss[i] = string(x)
			}
			db = db.Where("status IN ?", ss)
		}
		var rows []consultRow
		if err := db.Order("id DESC").Limit(200).Find(&rows).Error; err != nil {
			return err
		}
		names, err := s.patientNames(ctx, rows)
		if err != nil {
			return err
		}
		for i := range rows {
			c, err := rows[i].domain()
			if err != nil {
				return err
			}
			items = append(items, ConsultItem{Consult: c, PatientName: names[c.PatientID]})
		}
		return s.record(ctx, Audit{Action: audit.Action("consult.list"), TargetType: "consult",
			Detail: fmt.Sprintf("%s: %d results", f.Box, len(items))})
	})
	return items, err
}

func (s *Store) patientNames(ctx context.Context, rows []consultRow) (map[string]string, error) {
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.PatientID)
	}
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var pats []patientRow
	if err := s.conn(ctx).Select("id", "name").Where("id IN ?", ids).Find(&pats).Error; err != nil {
		return nil, err
	}
	for _, p := range pats {
		out[p.ID] = p.Name
	}
	return out, nil
}

// ConvertConsultToReferral turns an answered consult into an upward
// referral to the consult's target, prefilled from the consult and its
// opinion, and links the two both ways, in one transaction. The requester's
// side does it; the referral needs the patient's referral consent like any
// other. Errors: not_found, forbidden, conflict (not answered, or already
// converted), invalid.
func (s *Store) ConvertConsultToReferral(ctx context.Context, id string, urgency referral.Urgency, idemKey string) (referral.Referral, error) {
	a, err := actor(ctx)
	if err != nil {
		return referral.Referral{}, err
	}
	var out referral.Referral
	err = s.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visibleConsult(ctx, a, id)
		if err != nil {
			return err
		}
		if c.RequesterInstitutionID != a.InstitutionID {
			return apperr.Forbiddenf("only the requesting institution may refer the patient")
		}
		q, err := c.ReferralDraft(c.TargetInstitutionID)
		if err != nil {
			return err
		}
		if urgency != "" {
			q.Urgency = urgency
		}
		if r := []rune(q.Summary); len(r) > 8000 {
			q.Summary = string(r[:8000])
		}
		q.ConsultID = c.ID
		r, _, err := s.CreateReferral(ctx, q, idemKey)
		if err != nil {
			return err
		}
		res := s.conn(ctx).Model(&consultRow{}).Where("id = ? AND referral_id = ''", c.ID).
			Updates(map[string]any{"referral_id": r.ID, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("this consultation is already a referral")
		}
		if c.AnsweredAt != nil { // no longer resolved without a referral
			if err := s.refreshActivity(ctx, []time.Time{*c.AnsweredAt}, c.RequesterInstitutionID, c.TargetInstitutionID); err != nil {
				return err
			}
		}
		out = r
		return s.record(ctx, Audit{Action: audit.Action("consult.convert_referral"), PatientID: c.PatientID,
			TargetType: "consult", TargetID: c.ID, Detail: "referral " + r.ID})
	})
	if err == nil {
		s.kickPublisher()
	}
	return out, err
}

// Consultants lists the active specialists of an institution with enough
// independent practice to answer consultations.
func (s *Store) Consultants(ctx context.Context, institutionID string) ([]auth.User, error) {
	var rows []userRow
	if err := s.conn(ctx).Where("institution_id = ? AND disabled = ? AND practice_years >= ?", institutionID, false,
		consult.MinPracticeYears).Order("display_name").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []auth.User
	for i := range rows {
		if u := rows[i].domain(); slices.Contains(u.Roles, auth.RoleSpecialist) {
			out = append(out, u)
		}
	}
	return out, nil
}
