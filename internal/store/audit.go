package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
)

type auditRow struct {
	ID            string `gorm:"primaryKey"`
	At            time.Time
	UserID        string
	Username      string
	InstitutionID string
	Action        string
	PatientID     string
	TargetType    string
	TargetID      string
	IP            string
	RequestID     string
	Detail        string
	Seq           *int64
	PrevHash      *string
	Hash          *string
}

func (auditRow) TableName() string { return "audit_log" }

func (r *auditRow) entry() audit.Entry {
	e := audit.Entry{
		ID: r.ID, At: r.At.UTC(), UserID: r.UserID, Username: r.Username, InstitutionID: r.InstitutionID,
		Action: audit.Action(r.Action), PatientID: r.PatientID, TargetType: r.TargetType, TargetID: r.TargetID,
		IP: r.IP, RequestID: r.RequestID, Detail: r.Detail, Seq: r.Seq,
	}
	if r.PrevHash != nil {
		e.PrevHash = *r.PrevHash
	}
	if r.Hash != nil {
		e.Hash = *r.Hash
	}
	return e
}

// Audit is what a store method says about the action it records.
type Audit struct {
	Action     audit.Action
	PatientID  string
	TargetType string
	TargetID   string
	Detail     string
}

// record appends an audit entry in ctx's transaction, naming the actor in
// ctx (or "system" for work without one). Call it inside WithTx, so the entry
// commits or rolls back with the action.
func (s *Store) record(ctx context.Context, a Audit) error {
	row := auditRow{
		ID: newID(), At: s.now(), Action: string(a.Action), PatientID: a.PatientID,
		TargetType: a.TargetType, TargetID: a.TargetID, Detail: a.Detail, Username: "system",
	}
	if act, ok := auth.ActorFrom(ctx); ok {
		row.UserID, row.Username, row.InstitutionID = act.UserID, act.Username, act.InstitutionID
		row.IP, row.RequestID = act.IP, act.RequestID
	}
	return s.conn(ctx).Create(&row).Error
}

// Record writes one audit entry on its own, for actions that have no other
// write (a failed login). It is a transaction of its own when ctx has none.
func (s *Store) Record(ctx context.Context, a Audit) error {
	return s.WithTx(ctx, func(ctx context.Context) error { return s.record(ctx, a) })
}

// sealLockKey serialises sealers on PostgreSQL across processes. It is mixed
// with the schema's name, so that installations (or test schemas) sharing one
// database each have their own sealer instead of starving each other's.
const sealLockKey = 0x6c78617564697400

// SealAudit chains up to batch committed, unsealed entries onto the end of the
// chain, in the order it finds them committed, and returns how many it sealed.
// Only one sealer works at a time: on PostgreSQL a transaction-scoped advisory
// lock makes a second sealer return 0 at once; writers are never blocked.
func (s *Store) SealAudit(ctx context.Context, batch int) (int, error) {
	sealed := 0
	err := s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if s.dialect == Postgres {
			var got bool
			if err := db.Raw("SELECT pg_try_advisory_xact_lock(?::bigint # hashtext(current_schema())::bigint)", sealLockKey).Scan(&got).Error; err != nil {
				return err
			}
			if !got {
				return nil
			}
		}
		var head []auditRow
		if err := db.Where("seq IS NOT NULL").Order("seq DESC").Limit(1).Find(&head).Error; err != nil {
			return err
		}
		seq, prev := int64(0), audit.Genesis
		if len(head) == 1 {
			seq, prev = *head[0].Seq, *head[0].Hash
		}
		var rows []auditRow
		if err := db.Where("seq IS NULL").Order("id").Limit(batch).Find(&rows).Error; err != nil {
			return err
		}
		for i := range rows {
			seq++
			e := rows[i].entry()
			hash := s.keys.AuditMAC(e.Canonical(seq, prev))
			res := db.Model(&auditRow{}).Where("id = ? AND seq IS NULL", e.ID).
				Updates(map[string]any{"seq": seq, "prev_hash": prev, "hash": hash})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return fmt.Errorf("audit: entry %s sealed twice", e.ID)
			}
			prev = hash
			sealed++
		}
		return nil
	})
	return sealed, err
}

// RunSealer seals the audit log every interval until ctx ends. Failures are
// logged and retried on the next tick; entries stay unsealed, not lost.
func (s *Store) RunSealer(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := s.SealAudit(ctx, 500)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("audit sealer", "err", err)
				}
				break
			}
			if n < 500 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// VerifyResult is what VerifyAudit found.
type VerifyResult struct {
	Checked  int64
	Unsealed int64
	Problems []audit.Problem
}

// VerifyAudit walks the whole sealed chain in sequence order and checks every
// link and every entry's content against its keyed hash.
func (s *Store) VerifyAudit(ctx context.Context) (VerifyResult, error) {
	v := audit.NewVerifier(s.keys.AuditMAC)
	var last int64
	for {
		var rows []auditRow
		if err := s.conn(ctx).Where("seq > ?", last).Order("seq").Limit(1000).Find(&rows).Error; err != nil {
			return VerifyResult{}, err
		}
		for i := range rows {
			e := rows[i].entry()
			v.Add(&e)
			last = *rows[i].Seq
		}
		if len(rows) < 1000 {
			break
		}
	}
	var unsealed int64
	if err := s.conn(ctx).Model(&auditRow{}).Where("seq IS NULL").Count(&unsealed).Error; err != nil {
		return VerifyResult{}, err
	}
	return VerifyResult{Checked: v.Checked, Unsealed: unsealed, Problems: v.Problems}, nil
}

// AuditFilter narrows ListAudit.
type AuditFilter struct {
	UserID    string
	PatientID string
	Action    string
	Cursor    string // the id of the last entry of the previous page
	Limit     int
}

// ListAudit pages through the audit log, newest first. Reading the log is
// itself recorded. Errors: invalid for a bad limit.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) (entries []audit.Entry, next string, err error) {
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 200 {
		return nil, "", apperr.InvalidField("limit", "limit must be between 1 and 200")
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		q := s.conn(ctx).Model(&auditRow{})
		if f.UserID != "" {
			q = q.Where("user_id = ?", f.UserID)
		}
		if f.PatientID != "" {
			q = q.Where("patient_id = ?", f.PatientID)
		}
		if f.Action != "" {
			q = q.Where("action = ?", f.Action)
		}
		if f.Cursor != "" {
			q = q.Where("id < ?", f.Cursor)
		}
		var rows []auditRow
		if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) > f.Limit {
			rows = rows[:f.Limit]
			next = rows[len(rows)-1].ID
		}
		for i := range rows {
			entries = append(entries, rows[i].entry())
		}
		return s.record(ctx, Audit{Action: audit.AuditRead, TargetType: "audit_log",
			Detail: fmt.Sprintf("filter user=%q patient=%q action=%q; %d rows", f.UserID, f.PatientID, f.Action, len(rows))})
	})
	return entries, next, err
}

// errNoActor is returned by methods that need a logged-in actor.
var errNoActor = errors.New("store: no actor in context")

func actor(ctx context.Context) (auth.Actor, error) {
	a, ok := auth.ActorFrom(ctx)
	if !ok {
		return auth.Actor{}, errNoActor
	}
	return a, nil
}
