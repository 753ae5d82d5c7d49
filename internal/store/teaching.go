package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/rounds"
	"github.com/lianxin-hub/lianxin/internal/teaching"
)

type lectureRow struct {
	ID                     string `gorm:"primaryKey"`
	AllianceID             string
	Kind                   string
	Title                  string
	Description            string
	PresenterUserID        string
	PresenterInstitutionID string
	StartsAt               time.Time
	EndsAt                 time.Time
	DurationMinutes        int
	RecordingEnabled       bool
	RoomID                 string
	PatientID              string
	Version                int
	CreatedBy              string
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

func (lectureRow) TableName() string { return "lectures" }

func (r *lectureRow) domain() teaching.Session {
	return teaching.Session{ID: r.ID, AllianceID: r.AllianceID, Kind: teaching.Kind(r.Kind), Title: r.Title,
		Description: r.Description, PresenterUserID: r.PresenterUserID, PresenterInstitutionID: r.PresenterInstitutionID,
		StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), DurationMinutes: r.DurationMinutes,
		RecordingEnabled: r.RecordingEnabled, RoomID: r.RoomID, PatientID: r.PatientID, HasPatient: r.PatientID != "",
		Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func newLectureRow(l *teaching.Session) lectureRow {
	return lectureRow{ID: l.ID, AllianceID: l.AllianceID, Kind: string(l.Kind), Title: l.Title, Description: l.Description,
		PresenterUserID: l.PresenterUserID, PresenterInstitutionID: l.PresenterInstitutionID, StartsAt: l.StartsAt,
		EndsAt: l.EndsAt, DurationMinutes: l.DurationMinutes, RecordingEnabled: l.RecordingEnabled, RoomID: l.RoomID,
		PatientID: l.PatientID, Version: l.Version, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

type lectureRegistrationRow struct {
	LectureID     string `gorm:"primaryKey"`
	UserID        string `gorm:"primaryKey"`
	InstitutionID string
	CreatedAt     time.Time
}

func (lectureRegistrationRow) TableName() string { return "lecture_registrations" }

type lectureRecordingRow struct {
	ID        string `gorm:"primaryKey"`
	LectureID string
	Title     string
	Location  string
	CreatedBy string
	CreatedAt time.Time
}

func (lectureRecordingRow) TableName() string { return "lecture_recordings" }

func (r *lectureRecordingRow) domain() teaching.Recording {
	return teaching.Recording{ID: r.ID, SessionID: r.LectureID, Title: r.Title, Location: r.Location,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
}

// LectureItem is a lecture as its viewer sees it. Session.PatientID is
// blank unless the viewer's institution may see the patient.
type LectureItem struct {
	Session       teaching.Session
	PatientName   string
	Registered    bool // the viewer is registered
	Registrations int
	Recordings    int
}

// alliancesOfInstitution lists the alliances an institution belongs to.
func (s *Store) alliancesOfInstitution(ctx context.Context, institutionID string) ([]string, error) {
	var ids []string
	err := s.conn(ctx).Model(&membershipRow{}).Where("institution_id = ?", institutionID).Order("alliance_id").
		Pluck("alliance_id", &ids).Error
	return ids, err
}

// requireConsentOf refuses unless a patient has a live consent of scope;
// field names what the refusal is about.
func (s *Store) requireConsentOf(ctx context.Context, patientID string, scope patient.Scope, field string) error {
	ok, err := s.HasConsent(ctx, patientID, scope)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.InvalidField(field, "record the patient's consent of scope %s first", scope)
	}
	return nil
}

// CreateLecture schedules a lecture or case conference for an alliance of
// the actor's institution (the only one when allianceId is empty), by a
// specialist or convener; the presenter is a doctor or specialist of the
// actor's institution (the actor when presenterUserId is empty). A case
// conference may show a patient the actor may see who has consented to
// teleconsultation; recording it needs the patient's recording consent.
// The lecture opens its room. Errors: forbidden, invalid, not_found (patient).
func (s *Store) CreateLecture(ctx context.Context, q teaching.Request) (LectureItem, error) {
	a, err := actor(ctx)
	if err != nil {
		return LectureItem{}, err
	}
	who := whoOf(a)
	if err := teaching.CanSchedule(who); err != nil {
		return LectureItem{}, err
	}
	now := s.now()
	start, err := q.Validate(now)
	if err != nil {
		return LectureItem{}, err
	}
	var out LectureItem
	err = s.WithTx(ctx, func(ctx context.Context) error {
		mine, err := s.alliancesOfInstitution(ctx, a.InstitutionID)
		if err != nil {
			return err
		}
		switch {
		case q.AllianceID == "" && len(mine) == 1:
			q.AllianceID = mine[0]
		case q.AllianceID == "":
			return apperr.InvalidField("allianceId", "choose the alliance the session is for")
		case !containsString(mine, q.AllianceID):
			return apperr.InvalidField("allianceId", "your institution is not a member of that alliance")
		}
		presenter := q.PresenterUserID
		if presenter == "" {
			presenter = a.UserID
		}
		var u userRow
		if err := s.conn(ctx).Where("id = ?", presenter).Take(&u).Error; err != nil {
			return apperr.InvalidField("presenterUserId", "no such presenter")
		}
		if err := teaching.CheckPresenter("presenterUserId", u.domain(), a.InstitutionID); err != nil {
			return err
		}
		q.PresenterUserID = presenter
		l := teaching.New(q, start, who, now)
		l.ID, l.RoomID, l.PresenterInstitutionID = newID(), newID(), u.InstitutionID
		if l.HasPatient {
			if err := s.requireVisiblePatient(ctx, l.PatientID); err != nil {
				return err
			}
			if err := s.requireConsentOf(ctx, l.PatientID, patient.ScopeTeleconsult, "patientId"); err != nil {
				return err
			}
		}
		if l.NeedsRecordingConsent() {
			if err := s.requireConsentOf(ctx, l.PatientID, patient.ScopeRecording, "recordingEnabled"); err != nil {
				return err
			}
		}
		if err := s.openRoom(ctx, l.RoomID, RoomLecture, l.ID, l.Title, now); err != nil {
			return err
		}
		row := newLectureRow(&l)
		if err := s.conn(ctx).Create(&row).Error; err != nil {
			return err
		}
		if err := s.record(ctx, Audit{Action: audit.Action("lecture.create"), PatientID: l.PatientID,
			TargetType: "lecture", TargetID: l.ID, Detail: fmt.Sprintf("%s, recording=%t", l.Kind, l.RecordingEnabled)}); err != nil {
			return err
		}
		items, err := s.lectureItems(ctx, a, []lectureRow{row})
		if err != nil {
			return err
		}
		out = items[0]
		return nil
	})
	return out, err
}

// visibleLecture reads a lecture of an alliance the actor's institution
// belongs to. Errors: not_found (absent or not visible).
func (s *Store) visibleLecture(ctx context.Context, a auth.Actor, id string) (lectureRow, error) {
	var row lectureRow
	if err := s.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return row, notFound(err, "lecture")
	}
	var n int64
	if err := s.conn(ctx).Model(&membershipRow{}).Where("alliance_id = ? AND institution_id = ?", row.AllianceID,
		a.InstitutionID).Count(&n).Error; err != nil {
		return row, err
	}
	if n == 0 {
		return lectureRow{}, apperr.NotFoundf("lecture not found")
	}
	return row, nil
}

// lectureItems adds to lectures what the viewer sees of them: the patient
// only with a care relationship, registrations and recordings.
func (s *Store) lectureItems(ctx context.Context, a auth.Actor, rows []lectureRow) ([]LectureItem, error) {
	ids := make([]string, len(rows))
	var pids []string
	for i := range rows {
		ids[i] = rows[i].ID
		if rows[i].PatientID != "" {
			pids = append(pids, rows[i].PatientID)
		}
	}
	names := map[string]string{}
	if len(pids) > 0 {
		var pats []patientRow
		if err := s.conn(ctx).Select("id", "name").Where("id IN ? AND id IN (?)", pids,
			s.visiblePatients(ctx, a.InstitutionID)).Find(&pats).Error; err != nil {
			return nil, err
		}
		for _, p := range pats {
			names[p.ID] = p.Name
		}
	}
	type counted struct {
		LectureID string
		N         int
	}
	count := func(model any) (map[string]int, error) {
		var cs []counted
		out := map[string]int{}
		if len(ids) == 0 {
			return out, nil
		}
		if err := s.conn(ctx).Model(model).Select("lecture_id, COUNT(*) AS n").Where("lecture_id IN ?", ids).
			Group("lecture_id").Scan(&cs).Error; err != nil {
			return nil, err
		}
		for _, c := range cs {
			out[c.LectureID] = c.N
		}
		return out, nil
	}
	regs, err := count(&lectureRegistrationRow{})
	if err != nil {
		return nil, err
	}
	recs, err := count(&lectureRecordingRow{})
	if err != nil {
		return nil, err
	}
	var mine []string
	if len(ids) > 0 {
		if err := s.conn(ctx).Model(&lectureRegistrationRow{}).Where("user_id = ? AND lecture_id IN ?", a.UserID, ids).
			Pluck("lecture_id", &mine).Error; err != nil {
			return nil, err
		}
	}
	out := make([]LectureItem, len(rows))
	for i := range rows {
		l := rows[i].domain()
		name, visible := names[l.PatientID]
		if !visible {
			l.PatientID = ""
		}
		out[i] = LectureItem{Session: l, PatientName: name, Registered: containsString(mine, l.ID),
			Registrations: regs[l.ID], Recordings: recs[l.ID]}
	}
	return out, nil
}

// GetLecture returns a lecture of the actor's alliances, audited (with the
// patient, when the actor may see who it is). Errors: not_found.
func (s *Store) GetLecture(ctx context.Context, id string) (LectureItem, error) {
	a, err := actor(ctx)
	if err != nil {
		return LectureItem{}, err
	}
	var out LectureItem
	err = s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleLecture(ctx, a, id)
		if err != nil {
			return err
		}
		items, err := s.lectureItems(ctx, a, []lectureRow{row})
		if err != nil {
			return err
		}
		out = items[0]
		return s.record(ctx, Audit{Action: audit.Action("lecture.read"), PatientID: out.Session.PatientID,
			TargetType: "lecture", TargetID: id})
	})
	return out, err
}

// LectureFilter narrows ListLectures.
type LectureFilter struct {
	From, To time.Time // starts in [From, To); zero: unbounded
	Kind     teaching.Kind
	Recorded bool // only sessions with recordings
}

// ListLectures lists the lectures of the actor's alliances by start (at
// most 200), audited.
func (s *Store) ListLectures(ctx context.Context, f LectureFilter) ([]LectureItem, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []LectureItem
	err = s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx).Where("alliance_id IN (?)",
			s.conn(ctx).Model(&membershipRow{}).Select("alliance_id").Where("institution_id = ?", a.InstitutionID))
		if !f.From.IsZero() {
			db = db.Where("starts_at >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			db = db.Where("starts_at < ?", f.To.UTC())
		}
		if f.Kind != "" {
			db = db.Where("kind = ?", string(f.Kind))
		}
		if f.Recorded {
			db = db.Where("id IN (?)", s.conn(ctx).Model(&lectureRecordingRow{}).Select("lecture_id"))
		}
		var rows []lectureRow
		if err := db.Order("starts_at, id").Limit(200).Find(&rows).Error; err != nil {
			return err
		}
		if out, err = s.lectureItems(ctx, a, rows); err != nil {
			return err
		}
		return s.record(ctx, Audit{Action: audit.Action("lecture.list"), TargetType: "lecture",
			Detail: fmt.Sprintf("%d results", len(out))})
	})
	return out, err
}

// UpdateLecture edits a lecture, by its presenter, its scheduler or the
// presenter's convener, version-guarded. Enabling recording of a case
// conference that shows a patient needs the patient's recording consent.
// Errors: not_found, forbidden, invalid, conflict.
func (s *Store) UpdateLecture(ctx context.Context, id string, p teaching.Patch) (LectureItem, error) {
	a, err := actor(ctx)
	if err != nil {
		return LectureItem{}, err
	}
	var out LectureItem
	err = s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleLecture(ctx, a, id)
		if err != nil {
			return err
		}
		l := row.domain()
		prev := l.Version
		if err := p.Apply(&l, whoOf(a), s.now()); err != nil {
			return err
		}
		if p.RecordingEnabled != nil && l.NeedsRecordingConsent() {
			if err := s.requireConsentOf(ctx, l.PatientID, patient.ScopeRecording, "recordingEnabled"); err != nil {
				return err
			}
		}
		nrow := newLectureRow(&l)
		res := s.conn(ctx).Model(&lectureRow{}).Where("id = ? AND version = ?", id, prev).Select("*").
			Omit("id", "created_at").Updates(&nrow)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.Conflictf("the session has changed: reload it")
		}
		if err := s.record(ctx, Audit{Action: audit.Action("lecture.update"), PatientID: l.PatientID, TargetType: "lecture",
			TargetID: id, Detail: fmt.Sprintf("v%d, recording=%t", l.Version, l.RecordingEnabled)}); err != nil {
			return err
		}
		items, err := s.lectureItems(ctx, a, []lectureRow{nrow})
		if err != nil {
			return err
		}
		out = items[0]
		return nil
	})
	return out, err
}

// RegisterForLecture registers the actor (a clinician of the alliance) for
// a session that has not ended; registering again changes nothing and
// reports created false. Errors: not_found, forbidden, conflict (ended).
func (s *Store) RegisterForLecture(ctx context.Context, id string) (created bool, err error) {
	a, err := actor(ctx)
	if err != nil {
		return false, err
	}
	if !teaching.Clinician(a.Roles) {
		return false, apperr.Forbiddenf("clinicians register for lectures")
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleLecture(ctx, a, id)
		if err != nil {
			return err
		}
		now := s.now()
		if now.After(row.EndsAt) {
			return apperr.Conflictf("the session is over; watch its recordings")
		}
		res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&lectureRegistrationRow{LectureID: id,
			UserID: a.UserID, InstitutionID: a.InstitutionID, CreatedAt: now})
		if res.Error != nil {
			return res.Error
		}
		if created = res.RowsAffected == 1; !created {
			return nil
		}
		return s.record(ctx, Audit{Action: audit.Action("lecture.register"), TargetType: "lecture", TargetID: id})
	})
	return created, err
}

// UnregisterFromLecture withdraws the actor's registration, if any.
// Errors: not_found.
func (s *Store) UnregisterFromLecture(ctx context.Context, id string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.visibleLecture(ctx, a, id); err != nil {
			return err
		}
		res := s.conn(ctx).Where("lecture_id = ? AND user_id = ?", id, a.UserID).Delete(&lectureRegistrationRow{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.record(ctx, Audit{Action: audit.Action("lecture.unregister"), TargetType: "lecture", TargetID: id})
	})
}

// AddLectureRecording lists a recording of a session with recording
// enabled, by its presenter, scheduler or the presenter's convener. A case
// conference that shows a patient needs the patient's recording consent
// still in force. Errors: not_found, forbidden, invalid, conflict.
func (s *Store) AddLectureRecording(ctx context.Context, id string, q teaching.RecordingRequest) (teaching.Recording, error) {
	a, err := actor(ctx)
	if err != nil {
		return teaching.Recording{}, err
	}
	var out teaching.Recording
	err = s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleLecture(ctx, a, id)
		if err != nil {
			return err
		}
		l := row.domain()
		if err := l.CanRecord(whoOf(a)); err != nil {
			return err
		}
		if err := q.Validate(); err != nil {
			return err
		}
		if l.NeedsRecordingConsent() {
			ok, err := s.HasConsent(ctx, l.PatientID, patient.ScopeRecording)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Conflictf("the patient's recording consent is no longer in force")
			}
		}
		rec := lectureRecordingRow{ID: newID(), LectureID: id, Title: q.Title, Location: q.Location, CreatedBy: a.UserID,
			CreatedAt: s.now()}
		if err := s.conn(ctx).Create(&rec).Error; err != nil {
			return err
		}
		out = rec.domain()
		return s.record(ctx, Audit{Action: audit.Action("lecture.recording_add"), PatientID: l.PatientID,
			TargetType: "lecture_recording", TargetID: rec.ID, Detail: "lecture " + id})
	})
	return out, err
}

// ListLectureRecordings lists a session's recordings for users of the
// alliance's member institutions, oldest first, audited (with the patient
// a case conference shows). Errors: not_found.
func (s *Store) ListLectureRecordings(ctx context.Context, id string) ([]teaching.Recording, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []teaching.Recording
	err = s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleLecture(ctx, a, id)
		if err != nil {
			return err
		}
		var rows []lectureRecordingRow
		if err := s.conn(ctx).Where("lecture_id = ?", id).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			out = append(out, rows[i].domain())
		}
		return s.record(ctx, Audit{Action: audit.Action("lecture.recordings_read"), PatientID: row.PatientID,
			TargetType: "lecture", TargetID: id, Detail: fmt.Sprintf("%d recordings", len(out))})
	})
	return out, err
}

// MyAttendance is the actor's presence in one session's room.
type MyAttendance struct {
	RoomID    string
	Present   bool // checked in now
	Stretches []teaching.Stretch
	Minutes   int // credit so far
}

// CheckInRound records the actor joining or leaving an occurrence's room
// (self check-in, until the video layer reports presence): from 30 minutes
// before the start to the scheduled end. Errors: not_found, invalid,
// conflict (not open, cancelled, or leaving without having joined).
func (s *Store) CheckInRound(ctx context.Context, occurrenceID string, in teaching.CheckIn) (MyAttendance, error) {
	a, err := actor(ctx)
	if err != nil {
		return MyAttendance{}, err
	}
	var out MyAttendance
	err = s.WithTx(ctx, func(ctx context.Context) error {
		o, _, err := s.visibleOccurrence(ctx, a, occurrenceID)
		if err != nil {
			return err
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if err := o.CheckInOpen(s.now()); err != nil {
			return err
		}
		out, err = s.checkIn(ctx, a, o.RoomID, o.StartsAt, o.EndsAt, in.Event, "round.attend")
		return err
	})
	return out, err
}

// CheckInLecture records the actor (a clinician) joining or leaving a
// lecture's room. Errors: not_found, forbidden, invalid, conflict.
func (s *Store) CheckInLecture(ctx context.Context, id string, in teaching.CheckIn) (MyAttendance, error) {
	a, err := actor(ctx)
	if err != nil {
		return MyAttendance{}, err
	}
	var out MyAttendance
	err = s.WithTx(ctx, func(ctx context.Context) error {
		row, err := s.visibleLecture(ctx, a, id)
		if err != nil {
			return err
		}
		if !teaching.Clinician(a.Roles) {
			return apperr.Forbiddenf("clinicians attend lectures")
		}
		if err := in.Validate(); err != nil {
			return err
		}
		l := row.domain()
		if err := l.CheckInOpen(s.now()); err != nil {
			return err
		}
		out, err = s.checkIn(ctx, a, l.RoomID, l.StartsAt, l.EndsAt, in.Event, "lecture.attend")
		return err
	})
	return out, err
}

func (s *Store) checkIn(ctx context.Context, a auth.Actor, roomID string, start, end time.Time, ev teaching.Event, action string) (MyAttendance, error) {
	now := s.now()
	if ev == teaching.Join {
		if err := s.RoomJoined(ctx, roomID, a.UserID, now); err != nil {
			return MyAttendance{}, err
		}
	} else {
		res := s.conn(ctx).Model(&attendanceRow{}).Where("room_id = ? AND user_id = ? AND left_at IS NULL", roomID, a.UserID).
			Update("left_at", now)
		if res.Error != nil {
			return MyAttendance{}, res.Error
		}
		if res.RowsAffected == 0 {
			return MyAttendance{}, apperr.Conflictf("you are not checked in")
		}
		if err := s.refreshRoomCounts(ctx, roomID, a.UserID, nil); err != nil {
			return MyAttendance{}, err
		}
	}
	var rows []attendanceRow
	if err := s.conn(ctx).Where("room_id = ? AND user_id = ?", roomID, a.UserID).Order("joined_at, id").Find(&rows).Error; err != nil {
		return MyAttendance{}, err
	}
	out := MyAttendance{RoomID: roomID, Stretches: []teaching.Stretch{}}
	for _, r := range rows {
		out.Stretches = append(out.Stretches, teaching.Stretch{JoinedAt: r.JoinedAt.UTC(), LeftAt: utcPtr(r.LeftAt)})
		out.Present = out.Present || r.LeftAt == nil
	}
	out.Minutes = teaching.AttendedMinutes(out.Stretches, start, end, now)
	return out, s.record(ctx, Audit{Action: audit.Action(action), TargetType: "room", TargetID: roomID, Detail: string(ev)})
}

// RecordAttendance records presence the video layer saw in a round's or
// lecture's room: a user joined at joinedAt and, when leftAt is not nil,
// left then. Reports are idempotent: a join while a stay is open, or the
// same stay reported again, changes nothing more. It needs no actor.
// Errors: not_found (room), invalid (user, leftAt before joinedAt).
func (s *Store) RecordAttendance(ctx context.Context, roomID, userID string, joinedAt time.Time, leftAt *time.Time) error {
	joinedAt = joinedAt.UTC().Truncate(time.Microsecond)
	if leftAt != nil {
		l := leftAt.UTC().Truncate(time.Microsecond)
		if l.Before(joinedAt) {
			return apperr.InvalidField("leftAt", "leftAt is before joinedAt")
		}
		leftAt = &l
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		var room roomRow
		if err := s.conn(ctx).Where("id = ?", roomID).Take(&room).Error; err != nil {
			return notFound(err, "room")
		}
		var n int64
		if err := s.conn(ctx).Model(&userRow{}).Where("id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.InvalidField("userId", "no such user")
		}
		if leftAt == nil {
			if err := s.RoomJoined(ctx, roomID, userID, joinedAt); err != nil {
				return err
			}
		} else {
			// Close the stay that began at joinedAt, or the open one; else it
			// is a whole stay reported at once.
			db := s.conn(ctx).Model(&attendanceRow{})
			res := db.Where("room_id = ? AND user_id = ? AND joined_at = ?", roomID, userID, joinedAt).Update("left_at", *leftAt)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				res = s.conn(ctx).Model(&attendanceRow{}).Where("room_id = ? AND user_id = ? AND left_at IS NULL", roomID, userID).
					Update("left_at", *leftAt)
				if res.Error != nil {
					return res.Error
				}
			}
			if res.RowsAffected == 0 {
				if err := s.conn(ctx).Create(&attendanceRow{ID: newID(), RoomID: roomID, UserID: userID, JoinedAt: joinedAt,
					LeftAt: leftAt}).Error; err != nil {
					return err
				}
			}
			if err := s.refreshRoomCounts(ctx, roomID, userID, &joinedAt); err != nil { // may be a whole stay
				return err
			}
		}
		detail := "user " + userID + " joined"
		if leftAt != nil {
			detail = "user " + userID + " left"
		}
		return s.record(ctx, Audit{Action: audit.Action("room.attendance"), TargetType: "room", TargetID: roomID, Detail: detail})
	})
}

// Attendee is one person's attendance at a session.
type Attendee struct {
	UserID        string
	DisplayName   string
	InstitutionID string
	Stretches     []teaching.Stretch
	Minutes       int
}

// RoundAttendance lists who attended an occurrence: everyone for the host
// institution, oneself for the wards. Errors: not_found.
func (s *Store) RoundAttendance(ctx context.Context, occurrenceID string) ([]Attendee, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	o, sr, err := s.visibleOccurrence(ctx, a, occurrenceID)
	if err != nil {
		return nil, err
	}
	db := s.conn(ctx).Where("room_id = ?", o.RoomID)
	if a.InstitutionID != sr.HostInstitutionID {
		db = db.Where("user_id = ?", a.UserID)
	}
	var rows []attendanceRow
	if err := db.Order("joined_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []Attendee
	at := map[string]int{}
	var uids []string
	for _, r := range rows {
		i, ok := at[r.UserID]
		if !ok {
			i = len(out)
			at[r.UserID] = i
			out = append(out, Attendee{UserID: r.UserID})
			uids = append(uids, r.UserID)
		}
		out[i].Stretches = append(out[i].Stretches, teaching.Stretch{JoinedAt: r.JoinedAt.UTC(), LeftAt: utcPtr(r.LeftAt)})
	}
	if len(uids) > 0 {
		var users []userRow
		if err := s.conn(ctx).Select("id", "display_name", "institution_id").Where("id IN ?", uids).Find(&users).Error; err != nil {
			return nil, err
		}
		for _, u := range users {
			out[at[u.ID]].DisplayName, out[at[u.ID]].InstitutionID = u.DisplayName, u.InstitutionID
		}
	}
	now := s.now()
	for i := range out {
		out[i].Minutes = teaching.AttendedMinutes(out[i].Stretches, o.StartsAt, o.EndsAt, now)
	}
	return out, nil
}

// TrainingCredits sums the actor's attended minutes per year across ward
// rounds (not cancelled) and lectures, newest year first.
func (s *Store) TrainingCredits(ctx context.Context) ([]teaching.Credit, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var rows []attendanceRow
	if err := s.conn(ctx).Where("user_id = ? AND room_id IN (?)", a.UserID,
		s.conn(ctx).Model(&roomRow{}).Select("id").Where("kind IN ?", []string{RoomWardRound, RoomLecture})).
		Order("joined_at").Find(&rows).Error; err != nil {
		return nil, err
	}
	byRoom := map[string][]teaching.Stretch{}
	var roomIDs []string
	for _, r := range rows {
		if _, ok := byRoom[r.RoomID]; !ok {
			roomIDs = append(roomIDs, r.RoomID)
		}
		byRoom[r.RoomID] = append(byRoom[r.RoomID], teaching.Stretch{JoinedAt: r.JoinedAt.UTC(), LeftAt: utcPtr(r.LeftAt)})
	}
	var sessions []teaching.Attended
	if len(roomIDs) > 0 {
		var occs []roundOccurrenceRow
		if err := s.conn(ctx).Where("room_id IN ? AND status <> ?", roomIDs, string(rounds.Cancelled)).Find(&occs).Error; err != nil {
			return nil, err
		}
		for _, o := range occs {
			sessions = append(sessions, teaching.Attended{Kind: teaching.RoundAttendance, SubjectID: o.ID,
				StartsAt: o.StartsAt.UTC(), EndsAt: o.EndsAt.UTC(), Stretches: byRoom[o.RoomID]})
		}
		var lecs []lectureRow
		if err := s.conn(ctx).Select("id", "room_id", "starts_at", "ends_at").Where("room_id IN ?", roomIDs).Find(&lecs).Error; err != nil {
			return nil, err
		}
		for _, l := range lecs {
			sessions = append(sessions, teaching.Attended{Kind: teaching.LectureAttendance, SubjectID: l.ID,
				StartsAt: l.StartsAt.UTC(), EndsAt: l.EndsAt.UTC(), Stretches: byRoom[l.RoomID]})
		}
	}
	return teaching.Credits(sessions, s.now()), nil
}
