package httpapi

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/patient"
)

type patientRequest struct {
	Name           string `json:"name"`
	Sex            string `json:"sex"`
	BirthDate      string `json:"birthDate"`
	Phone          string `json:"phone"`
	NationalID     string `json:"nationalId"`
	SevereDisorder bool   `json:"severeDisorder"`
	DiagnosisCode  string `json:"diagnosisCode"`
}

func (s *Server) viewPatients(c echo.Context, ps []patient.Patient) ([]patientView, error) {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.HomeInstitutionID
	}
	ins, err := s.institutionsOf(c, ids)
	if err != nil {
		return nil, err
	}
	out := make([]patientView, len(ps))
	for i, p := range ps {
		home := ins[p.HomeInstitutionID]
		out[i] = viewPatient(p, &home)
	}
	return out, nil
}

func (s *Server) createPatient(c echo.Context) error {
	var req patientRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	p, err := s.store.CreatePatient(c.Request().Context(), patient.Patient{Name: req.Name, Sex: patient.Sex(req.Sex),
		BirthDate: req.BirthDate, Phone: req.Phone, NationalID: req.NationalID, SevereDisorder: req.SevereDisorder,
		DiagnosisCode: req.DiagnosisCode})
	if err != nil {
		return err
	}
	out, err := s.viewPatients(c, []patient.Patient{p})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out[0])
}

func (s *Server) searchPatients(c echo.Context) error {
	ps, err := s.store.SearchPatients(c.Request().Context(), c.QueryParam("q"))
	if err != nil {
		return err
	}
	out, err := s.viewPatients(c, ps)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out))
}

func (s *Server) getPatient(c echo.Context) error {
	p, err := s.store.GetPatient(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out, err := s.viewPatients(c, []patient.Patient{p})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out[0])
}

func (s *Server) listConsents(c echo.Context) error {
	cs, err := s.store.ListConsents(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]consentView, len(cs))
	for i, x := range cs {
		out[i] = viewConsent(x)
	}
	return c.JSON(http.StatusOK, listOf(out))
}

type consentRequest struct {
	Scope          string `json:"scope"`
	SignedBy       string `json:"signedBy"`
	SignerName     string `json:"signerName"`
	SignerRelation string `json:"signerRelation"`
	SignedOn       string `json:"signedOn"`
}

func (s *Server) addConsent(c echo.Context) error {
	var req consentRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	x, err := s.store.AddConsent(c.Request().Context(), patient.Consent{PatientID: c.Param("id"), Scope: patient.Scope(req.Scope),
		SignedBy: req.SignedBy, SignerName: req.SignerName, SignerRelation: req.SignerRelation, SignedOn: req.SignedOn})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewConsent(x))
}

func (s *Server) putConsentForm(c echo.Context) error {
	err := s.store.SaveConsentForm(c.Request().Context(), c.Param("id"), c.Param("consentId"), c.Request().Body)
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getConsentForm(c echo.Context) error {
	f, ctype, err := s.store.OpenConsentForm(c.Request().Context(), c.Param("id"), c.Param("consentId"))
	if err != nil {
		return err
	}
	defer f.Close()
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderContentType, ctype)
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), f)
	return err
}
