package httpapi

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/lianxin-hub/lianxin/internal/auth"
)

// routes registers every route of the hub, with the permission each needs.
func (s *Server) routes(e *echo.Echo) {
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	e.GET("/api/openapi.yaml", s.openAPI)

	jsonLimit := middleware.BodyLimit(jsonBodyLimit)
	pub := e.Group("/api/v1", jsonLimit, s.withRequestActor)
	pub.POST("/auth/login", s.login)

	api := e.Group("/api/v1", s.withRequestActor, s.authenticate, checkParams)
	j := api.Group("", jsonLimit)
	j.POST("/auth/logout", s.logout)

	j.GET("/me", s.getMe, need(auth.PermSelf))
	j.PATCH("/me", s.patchMe, need(auth.PermSelf))
	j.POST("/me/password", s.changePassword, need(auth.PermSelf))

	j.GET("/regions", s.listRegions, need(auth.PermDirectoryRead))
	j.GET("/institutions", s.listInstitutions, need(auth.PermDirectoryRead))
	j.POST("/institutions", s.createInstitution, need(auth.PermDirectoryWrite))
	j.GET("/institutions/:id", s.getInstitution, need(auth.PermDirectoryRead))
	j.PATCH("/institutions/:id", s.patchInstitution, need(auth.PermDirectoryWrite))

	j.GET("/alliances", s.listAlliances, need(auth.PermDirectoryRead))
	j.GET("/alliances/:id", s.getAlliance, need(auth.PermDirectoryRead))
	j.GET("/alliances/:id/members", s.listMembers, need(auth.PermDirectoryRead))
	j.POST("/alliances/:id/members", s.addMember, need(auth.PermDirectoryWrite))
	j.PATCH("/alliances/:id/members/:institutionId", s.patchMember, need(auth.PermDirectoryWrite))
	j.DELETE("/alliances/:id/members/:institutionId", s.removeMember, need(auth.PermDirectoryWrite))

	j.GET("/users", s.listUsers, need(auth.PermUsersManage))
	j.POST("/users", s.createUser, need(auth.PermUsersManage))
	j.PATCH("/users/:id", s.patchUser, need(auth.PermUsersManage))
	j.POST("/users/:id/reset-password", s.resetPassword, need(auth.PermUsersManage))

	j.GET("/audit", s.listAudit, need(auth.PermAuditRead))

	j.GET("/patients", s.searchPatients, need(auth.PermPatientsRead))
	j.POST("/patients", s.createPatient, need(auth.PermPatientsWrite))
	j.GET("/patients/:id", s.getPatient, need(auth.PermPatientsRead))
	j.GET("/patients/:id/consents", s.listConsents, need(auth.PermPatientsRead))
	j.POST("/patients/:id/consents", s.addConsent, need(auth.PermPatientsWrite))
	api.PUT("/patients/:id/consents/:consentId/form", s.putConsentForm, need(auth.PermPatientsWrite), middleware.BodyLimit(formBodyLimit))
	api.GET("/patients/:id/consents/:consentId/form", s.getConsentForm, need(auth.PermPatientsRead))

	j.GET("/icd10", s.listICD10, need(auth.PermReferrals))
	j.GET("/referrals", s.listReferrals, need(auth.PermReferrals))
	j.POST("/referrals", s.createReferral, need(auth.PermReferrals))
	j.GET("/referrals/suggestions", s.suggestReceivers, need(auth.PermReferrals))
	j.GET("/referrals/:id", s.getReferral, need(auth.PermReferrals))
	j.POST("/referrals/:id/actions/:action", s.actOnReferral, need(auth.PermReferrals))
	j.GET("/referrals/:id/fhir", s.referralFHIR, need(auth.PermReferrals))
	api.POST("/referrals/:id/attachments", s.uploadAttachment, need(auth.PermReferrals), middleware.BodyLimit(attachmentBodyLimit))
	api.GET("/referrals/:id/attachments/:attachmentId", s.downloadAttachment, need(auth.PermReferrals))
	j.GET("/sla-breaches", s.listSLABreaches, need(auth.PermReferrals))
	j.GET("/alliances/:id/referral-sla", s.getReferralSLA, need(auth.PermDirectoryRead))
	j.PUT("/alliances/:id/referral-sla", s.putReferralSLA, need(auth.PermSLAConfigure))

	j.GET("/consults", s.listConsults, need(auth.PermReferrals))
	j.POST("/consults", s.createConsult, need(auth.PermReferrals))
	j.GET("/consults/consultants", s.listConsultants, need(auth.PermReferrals))
	j.GET("/consults/:id", s.getConsult, need(auth.PermReferrals))
	j.POST("/consults/:id/actions/:action", s.actOnConsult, need(auth.PermReferrals))
	j.POST("/consults/:id/referral", s.convertConsult, need(auth.PermReferrals))

	j.GET("/video-consults", s.listVideos, need(auth.PermReferrals))
	j.POST("/video-consults", s.bookVideo, need(auth.PermReferrals))
	j.GET("/video-consults/:id", s.getVideo, need(auth.PermReferrals))
	j.POST("/video-consults/:id/actions/:action", s.actOnVideo, need(auth.PermReferrals))
	j.GET("/specialists/:userId/availability", s.getAvailability, need(auth.PermReferrals))
	j.POST("/specialists/:userId/availability/templates", s.addTemplate, need(auth.PermReferrals))
	j.POST("/specialists/:userId/availability/exceptions", s.addException, need(auth.PermReferrals))
	j.DELETE("/specialists/:userId/availability/:entryId", s.deleteAvailability, need(auth.PermReferrals))
	j.GET("/specialists/:userId/slots", s.freeSlots, need(auth.PermReferrals))

	s.roundsTeachingRoutes(j)
	j.GET("/colleagues", s.listColleagues, need(auth.PermReferrals))
	j.POST("/rooms", s.openRoom, need(auth.PermReferrals))
	j.POST("/rooms/:id/join", s.joinRoom, need(auth.PermSelf))
	j.GET("/rooms/:id/recordings", s.listRoomRecordings, need(auth.PermSelf))

	s.analyticsRoutes(j)
	j.GET("/notifications", s.listNotifications, need(auth.PermSelf))
	j.POST("/notifications/read", s.markNotificationsRead, need(auth.PermSelf))
	api.GET("/events", s.eventStream, need(auth.PermSelf))

	e.GET("/*", s.serveWeb)
}
