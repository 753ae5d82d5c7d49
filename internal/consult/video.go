package consult

import (
	"slices"
	"strings"
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/referral"
	"github.com/lianxin-hub/lianxin/internal/schedule"
)

// VideoStatus is where a booked video consultation stands.
type VideoStatus string

const (
	Booked    VideoStatus = "booked"
	Completed VideoStatus = "completed" // the opinion is filed
	VideoOff  VideoStatus = "cancelled"
	NoShow    VideoStatus = "no_show"
)

// VideoStatuses lists every status.
var VideoStatuses = []VideoStatus{Booked, Completed, VideoOff, NoShow}

// Video is a booked video consultation (远程会诊): the inviting institution's
// doctor, the invited specialist, a slot, and the room they meet in. The
// 2018 telemedicine rules shape it: the request records purpose, a summary
// of the record and the invited doctor's specialty and title; the patient's
// written consent is on file; the invited doctor has ≥ 3 years of practice;
// the opinion is filed in the record at both institutions.
type Video struct {
	ID        string      `json:"id"`
	PatientID string      `json:"patientId"`
	Status    VideoStatus `json:"status"`
	Version   int         `json:"version"`

	RequesterInstitutionID string `json:"requesterInstitutionId"`
	RequesterUserID        string `json:"requesterUserId"` // the inviting doctor
	BookedByUserID         string `json:"bookedByUserId"`  // the doctor, or a convener on their behalf
	TargetInstitutionID    string `json:"targetInstitutionId"`
	SpecialistUserID       string `json:"specialistUserId"`

	Start time.Time `json:"start"`
	End   time.Time `json:"end"`

	Purpose          string `json:"purpose"`
	RecordSummary    string `json:"recordSummary"`
	InvitedSpecialty string `json:"invitedSpecialty"`
	InvitedTitle     string `json:"invitedTitle"` // the specialist's title when booked
	ConsentID        string `json:"consentId"`

	Observers []string `json:"observers"` // invited users who may watch, e.g. a family doctor
	RoomID    string   `json:"roomId"`
	ConsultID string   `json:"consultId"` // the eConsult that advised it, if any

	Opinion   *Opinion  `json:"opinion"`
	Note      string    `json:"note"` // reason of a cancellation or no-show
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Booking is what the booker sends.
type Booking struct {
	PatientID        string    `json:"patientId"`
	SpecialistUserID string    `json:"specialistUserId"`
	Start            time.Time `json:"start"`
	End              time.Time `json:"end"`
	Purpose          string    `json:"purpose"`
	RecordSummary    string    `json:"recordSummary"`
	InvitedSpecialty string    `json:"invitedSpecialty"`
	ConsentID        string    `json:"consentId"`
	Observers        []string  `json:"observers"`
	// OnBehalfOfUserID: a convener books for a doctor of their facility.
	OnBehalfOfUserID string `json:"onBehalfOfUserId"`
	ConsultID        string `json:"consultId"`
}

// Validate checks the booking's own fields. Errors: invalid.
func (b *Booking) Validate(now time.Time) error {
	b.Purpose, b.RecordSummary = strings.TrimSpace(b.Purpose), strings.TrimSpace(b.RecordSummary)
	switch {
	case strings.TrimSpace(b.PatientID) == "":
		return apperr.InvalidField("patientId", "choose the patient")
	case strings.TrimSpace(b.SpecialistUserID) == "":
		return apperr.InvalidField("specialistUserId", "choose the invited specialist")
	case b.Start.IsZero():
		return apperr.InvalidField("start", "choose a slot")
	case !b.End.After(b.Start) || b.End.Sub(b.Start) > 4*time.Hour:
		return apperr.InvalidField("end", "end must be after start, within 4 hours")
	case b.Start.Before(now.Add(-5 * time.Minute)):
		return apperr.InvalidField("start", "the slot has passed")
	case b.Purpose == "":
		return apperr.InvalidField("purpose", "state the purpose of the consultation")
	case len([]rune(b.Purpose)) > 500:
		return apperr.InvalidField("purpose", "purpose is longer than 500 characters")
	case b.RecordSummary == "":
		return apperr.InvalidField("recordSummary", "summarise the medical record")
	case len([]rune(b.RecordSummary)) > 8000:
		return apperr.InvalidField("recordSummary", "recordSummary is longer than 8000 characters")
	case b.InvitedSpecialty == "" || !slices.Contains(alliance.SubSpecialties, b.InvitedSpecialty):
		return apperr.InvalidField("invitedSpecialty", "name the invited doctor's specialty (one of the sub-specialties)")
	case strings.TrimSpace(b.ConsentID) == "":
		return apperr.InvalidField("consentId", "the patient's written consent (scope teleconsult) is required")
	case len(b.Observers) > 10:
		return apperr.InvalidField("observers", "at most 10 observers")
	}
	b.Start, b.End = b.Start.UTC(), b.End.UTC()
	return nil
}

// Slot is the booked period.
func (v *Video) Slot() schedule.Slot { return schedule.Slot{Start: v.Start, End: v.End} }

// VideoAction is a change to a booked consultation.
type VideoAction string

const (
	Move        VideoAction = "move"         // to another slot of the same specialist
	CancelVideo VideoAction = "cancel"       // either side, before it is held
	MarkNoShow  VideoAction = "no_show"      // the patient or the requester did not come
	FileOpinion VideoAction = "file_opinion" // the specialist files the opinion; completes it
)

// VideoActions lists them.
var VideoActions = []VideoAction{Move, CancelVideo, MarkNoShow, FileOpinion}

// VideoInput is a video action's body.
type VideoInput struct {
	Version int        `json:"version"`
	Start   *time.Time `json:"start"`
	End     *time.Time `json:"end"`
	Note    string     `json:"note"`
	Opinion *Opinion   `json:"opinion"`
}

// AuthorizeVideo checks that who may take action a on v: moves and
// cancellations by the requesting doctor or a convener of either side (the
// convener owns the facility's schedule), cancellation also by the
// specialist; no-show and the opinion by the invited specialist.
// Errors: invalid (unknown action), forbidden.
func AuthorizeVideo(v *Video, a VideoAction, who referral.Who) error {
	convener := slices.Contains(who.Roles, auth.RoleConvener) &&
		(who.InstitutionID == v.RequesterInstitutionID || who.InstitutionID == v.TargetInstitutionID)
	switch a {
	case Move:
		if convener || who.UserID == v.RequesterUserID {
			return nil
		}
	case CancelVideo:
		if convener || who.UserID == v.RequesterUserID || who.UserID == v.SpecialistUserID {
			return nil
		}
	case MarkNoShow, FileOpinion:
		if who.UserID == v.SpecialistUserID {
			return nil
		}
	default:
		return apperr.InvalidField("action", "unknown action %q", a)
	}
	return apperr.Forbiddenf("you may not %s this video consultation", a)
}

// ApplyVideo performs an authorised action at now. A move's new slot must be
// checked against the specialist's availability by the caller. Errors:
// conflict (version, status), invalid.
func ApplyVideo(v *Video, a VideoAction, in VideoInput, who referral.Who, now time.Time) error {
	if in.Version != v.Version {
		return apperr.Conflictf("the booking has changed (version %d, you sent %d): reload it", v.Version, in.Version)
	}
	if v.Status != Booked {
		return apperr.Conflictf("a video consultation that is %s cannot change", v.Status)
	}
	in.Note = strings.TrimSpace(in.Note)
	switch a {
	case Move:
		if in.Start == nil || in.End == nil || !in.End.After(*in.Start) {
			return apperr.InvalidField("start", "give the new slot's start and end")
		}
		if in.Start.Before(now) {
			return apperr.InvalidField("start", "the new slot has passed")
		}
		v.Start, v.End = in.Start.UTC(), in.End.UTC()
	case CancelVideo, MarkNoShow:
		if in.Note == "" {
			return apperr.InvalidField("note", "give the reason")
		}
		if a == MarkNoShow && now.Before(v.Start) {
			return apperr.Conflictf("the consultation has not started yet")
		}
		v.Note = in.Note
		v.Status = VideoOff
		if a == MarkNoShow {
			v.Status = NoShow
		}
	case FileOpinion:
		if in.Opinion == nil {
			return apperr.InvalidField("opinion", "file the opinion")
		}
		o := *in.Opinion
		if err := o.Validate("opinion."); err != nil {
			return err
		}
		if now.Before(v.Start) {
			return apperr.Conflictf("the opinion is filed after the consultation has started")
		}
		o.AuthorUserID, o.At = who.UserID, now
		v.Opinion = &o
		v.Status = Completed
	}
	v.Version++
	v.UpdatedAt = now
	return nil
}

// JoinWindow is when the room of a booked consultation may be joined: from
// 15 minutes before the start to 2 hours after the end.
func (v *Video) JoinWindow() (time.Time, time.Time) {
	return v.Start.Add(-15 * time.Minute), v.End.Add(2 * time.Hour)
}

// Participants lists who may join the room and with what part: the
// specialist hosts, the requesting doctor participates, observers watch.
func (v *Video) Participants() map[string]string {
	out := map[string]string{v.SpecialistUserID: "host", v.RequesterUserID: "participant"}
	for _, o := range v.Observers {
		if _, ok := out[o]; !ok {
			out[o] = "viewer"
		}
	}
	return out
}
