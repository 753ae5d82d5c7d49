package httpapi

import (
	"time"

	"github.com/lianxin-hub/lianxin/internal/alliance"
	"github.com/lianxin-hub/lianxin/internal/audit"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/internal/patient"
	"github.com/lianxin-hub/lianxin/internal/region"
)

// The API's response shapes. Domain types never go on the wire directly, so
// a field added to a domain type is not published by accident.

type institutionView struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Level          string    `json:"level"`
	Kind           string    `json:"kind"`
	RegionCode     string    `json:"regionCode"`
	RegionName     string    `json:"regionName"`
	SubSpecialties []string  `json:"subSpecialties"`
	Beds           int       `json:"beds"`
	CreatedAt      time.Time `json:"createdAt"`
}

func viewInstitution(in alliance.Institution) institutionView {
	r, _ := region.Lookup(in.RegionCode)
	subs := in.SubSpecialties
	if subs == nil {
		subs = []string{}
	}
	return institutionView{ID: in.ID, Name: in.Name, Level: string(in.Level), Kind: string(in.Kind),
		RegionCode: in.RegionCode, RegionName: r.Name, SubSpecialties: subs, Beds: in.Beds, CreatedAt: in.CreatedAt}
}

type userView struct {
	ID            string           `json:"id"`
	Username      string           `json:"username"`
	DisplayName   string           `json:"displayName"`
	Roles         []auth.Role      `json:"roles"`
	Title         string           `json:"title"`
	PracticeYears int              `json:"practiceYears"`
	Phone         string           `json:"phone"`
	InstitutionID string           `json:"institutionId"`
	Institution   *institutionView `json:"institution,omitempty"`
	Disabled      bool             `json:"disabled"`
	LockedUntil   *time.Time       `json:"lockedUntil"`
	CreatedAt     time.Time        `json:"createdAt"`
}

func viewUser(u auth.User, in *alliance.Institution) userView {
	v := userView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles, Title: string(u.Title),
		PracticeYears: u.PracticeYears, Phone: u.Phone, InstitutionID: u.InstitutionID, Disabled: u.Disabled,
		LockedUntil: u.LockedUntil, CreatedAt: u.CreatedAt}
	if v.Roles == nil {
		v.Roles = []auth.Role{}
	}
	if in != nil {
		iv := viewInstitution(*in)
		v.Institution = &iv
	}
	return v
}

type allianceView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Model         string `json:"model"`
	InitiatorID   string `json:"initiatorId"`
	RegionCode    string `json:"regionCode"`
	EstablishedOn string `json:"establishedOn"`
}

func viewAlliance(a alliance.Alliance) allianceView {
	return allianceView{ID: a.ID, Name: a.Name, Model: string(a.Model), InitiatorID: a.InitiatorID,
		RegionCode: a.RegionCode, EstablishedOn: a.EstablishedOn}
}

type personRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

type membershipView struct {
	AllianceID              string          `json:"allianceId"`
	InstitutionID           string          `json:"institutionId"`
	Institution             institutionView `json:"institution"`
	Role                    string          `json:"role"`
	JoinedOn                string          `json:"joinedOn"`
	ConvenerUserID          *string         `json:"convenerUserId"`
	Convener                *personRef      `json:"convener"`
	SubRegionalExpertUserID *string         `json:"subRegionalExpertUserId"`
	SubRegionalExpert       *personRef      `json:"subRegionalExpert"`
}

type auditView struct {
	ID            string    `json:"id"`
	Seq           *int64    `json:"seq"`
	At            time.Time `json:"at"`
	UserID        string    `json:"userId"`
	Username      string    `json:"username"`
	InstitutionID string    `json:"institutionId"`
	Action        string    `json:"action"`
	PatientID     string    `json:"patientId"`
	TargetType    string    `json:"targetType"`
	TargetID      string    `json:"targetId"`
	IP            string    `json:"ip"`
	RequestID     string    `json:"requestId"`
	Detail        string    `json:"detail"`
}

func viewAudit(e audit.Entry) auditView {
	return auditView{ID: e.ID, Seq: e.Seq, At: e.At, UserID: e.UserID, Username: e.Username, InstitutionID: e.InstitutionID,
		Action: string(e.Action), PatientID: e.PatientID, TargetType: e.TargetType, TargetID: e.TargetID, IP: e.IP,
		RequestID: e.RequestID, Detail: e.Detail}
}

type patientView struct {
	ID                string           `json:"id"`
	Name              string           `json:"name"`
	Sex               string           `json:"sex"`
	BirthDate         string           `json:"birthDate"`
	Phone             string           `json:"phone"`
	NationalIDMasked  string           `json:"nationalIdMasked"`
	HomeInstitutionID string           `json:"homeInstitutionId"`
	HomeInstitution   *institutionView `json:"homeInstitution,omitempty"`
	SevereDisorder    bool             `json:"severeDisorder"`
	DiagnosisCode     string           `json:"diagnosisCode"`
	CreatedAt         time.Time        `json:"createdAt"`
}

func viewPatient(p patient.Patient, home *alliance.Institution) patientView {
	v := patientView{ID: p.ID, Name: p.Name, Sex: string(p.Sex), BirthDate: p.BirthDate, Phone: p.Phone,
		NationalIDMasked: p.MaskedNationalID, HomeInstitutionID: p.HomeInstitutionID, SevereDisorder: p.SevereDisorder,
		DiagnosisCode: p.DiagnosisCode, CreatedAt: p.CreatedAt}
	if home != nil {
		iv := viewInstitution(*home)
		v.HomeInstitution = &iv
	}
	return v
}

type consentView struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patientId"`
	Scope          string    `json:"scope"`
	SignedBy       string    `json:"signedBy"`
	SignerName     string    `json:"signerName"`
	SignerRelation string    `json:"signerRelation"`
	SignedOn       string    `json:"signedOn"`
	HasForm        bool      `json:"hasForm"`
	CreatedAt      time.Time `json:"createdAt"`
}

func viewConsent(c patient.Consent) consentView {
	return consentView{ID: c.ID, PatientID: c.PatientID, Scope: string(c.Scope), SignedBy: c.SignedBy,
		SignerName: c.SignerName, SignerRelation: c.SignerRelation, SignedOn: c.SignedOn, HasForm: c.HasForm, CreatedAt: c.CreatedAt}
}

type list[T any] struct {
	Items []T `json:"items"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}
