package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lianxin-hub/lianxin/internal/apperr"
	"github.com/lianxin-hub/lianxin/internal/auth"
	"github.com/lianxin-hub/lianxin/signaling"
	"github.com/lianxin-hub/lianxin/signaling/cluster"
)

// RoomTokenTTL is how long a room token may be used to join; the session
// then lives as long as its connection.
const RoomTokenTTL = 2 * time.Minute

type joinView struct {
	RoomID       string                `json:"roomId"`
	Role         string                `json:"role"`
	Title        string                `json:"title"`
	Token        string                `json:"token"`
	ExpiresAt    time.Time             `json:"expiresAt"`
	SignalingURL string                `json:"signalingUrl"`
	ICEServers   []signaling.ICEServer `json:"iceServers"`
}

// joinRoom decides, from the clinical record, whether the caller may enter
// a room and as what, and hands out the short-lived signed token that is the
// only thing the signaling server trusts.
func (s *Server) joinRoom(c echo.Context) error {
	if s.rooms == nil {
		return apperr.Errorf(apperr.Conflict, "video is not enabled on this hub")
	}
	ctx := c.Request().Context()
	g, err := s.store.JoinRoom(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	a, _ := auth.ActorFrom(ctx)
	u := currentUser(c)
	name := u.DisplayName
	if name == "" {
		name = a.Username
	}
	exp := s.store.Now().Add(RoomTokenTTL)
	tok, err := s.rooms.Sign(signaling.Claims{RoomID: g.RoomID, UserID: a.UserID, Name: name,
		Role: signaling.Role(g.Role), Expires: exp, Record: g.Record})
	if err != nil {
		return err
	}
	url, err := s.signalingURLFor(ctx, g.RoomID)
	if err != nil {
		return err
	}
	ice := append(append([]signaling.ICEServer{}, s.iceServers...), s.turnServers(a.UserID)...)
	return c.JSON(http.StatusOK, joinView{RoomID: g.RoomID, Role: g.Role, Title: g.Title, Token: tok, ExpiresAt: exp,
		SignalingURL: url, ICEServers: ice})
}

// signalingURLFor names the SFU node that holds roomID: this hub's own
// endpoint, or with external nodes the one the directory assigns (choosing
// the least loaded live node the first time). Errors: Conflict when no node
// is alive; directory failures are internal.
func (s *Server) signalingURLFor(ctx context.Context, roomID string) (string, error) {
	if s.nodes == nil {
		return s.signalingURL, nil
	}
	n, err := s.nodes.Assign(ctx, roomID)
	if errors.Is(err, cluster.ErrNoNodes) {
		return "", apperr.Errorf(apperr.Conflict, "no video node is running; try again shortly")
	}
	if err != nil {
		return "", err
	}
	return n.URL, nil
}

// openRoom opens an ad hoc call: the caller hosts, the invitees take part.
func (s *Server) openRoom(c echo.Context) error {
	var req struct {
		Title    string   `json:"title"`
		Invitees []string `json:"invitees"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	r, err := s.store.OpenAdHocRoom(c.Request().Context(), req.Title, req.Invitees)
	if err != nil {
		return err
	}
	if r.Invitees == nil {
		r.Invitees = []string{}
	}
	return c.JSON(http.StatusCreated, r)
}

// turnServers returns the configured TURN URLs for one user: STUN URLs as
// they are, TURN URLs with credentials of the TURN REST API scheme that the
// embedded server and coturn check, valid for the credentials' TTL.
func (s *Server) turnServers(userID string) []signaling.ICEServer {
	var stun, relay []string
	for _, u := range s.turnURLs {
		if strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:") {
			relay = append(relay, u)
		} else {
			stun = append(stun, u)
		}
	}
	var out []signaling.ICEServer
	if len(stun) > 0 {
		out = append(out, signaling.ICEServer{URLs: stun})
	}
	if len(relay) > 0 {
		user, cred := s.turn.Issue(userID, s.store.Now())
		out = append(out, signaling.ICEServer{URLs: relay, Username: user, Credential: cred})
	}
	return out
}
