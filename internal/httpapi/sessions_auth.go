package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token string     `json:"token"`
	User  *auth.User `json:"user"`
}

type presenceRequest struct {
	Presence auth.Presence `json:"presence"`
}

func (s *Server) registerAuth() {
	s.handle("POST /api/v1/auth/login", public, op{action: policy.AuthLogin, required: []string{"login", "password"}, summary: "Log in; returns a token to send as Bearer", in: loginRequest{}, out: loginResponse{}, fails: []int{http.StatusTooManyRequests}}, s.handleLogin)
	s.handle("POST /api/v1/auth/logout", staff, op{action: policy.AuthLogout, summary: "Revoke the token this request carries", status: http.StatusNoContent}, s.handleLogout)
	s.handle("GET /api/v1/me", staff, op{action: policy.MeRead, summary: "The logged-in user", out: auth.User{}}, s.handleMe)
	s.handle("PUT /api/v1/me/presence", staff, op{action: policy.MePresence, required: []string{"presence"}, summary: "Set the caller's presence", in: presenceRequest{}, out: auth.User{}}, s.handlePresence)
}

// handleLogin handles POST /api/v1/auth/login. For the web UI it also sets the session
// cookie (HttpOnly, SameSite=Lax), so pages need not keep the token in script reach.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	var list errsList
	list.need("login", in.Login != "")
	list.need("password", in.Password != "")
	if err := list.Err(); err != nil {
		return err
	}
	// Guessing is throttled per login and per address before any password is compared, so
	// a refusal takes the same time and says the same for known and unknown logins.
	err := check("login attempts", time.Now(), limitKey{s.limits.loginPerLogin, strings.ToLower(in.Login)},
		limitKey{s.limits.loginPerAddress, s.clientAddr(r)})
	if err != nil {
		return err
	}
	token, u, err := s.Auth.Login(r.Context(), in.Login, in.Password)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: int(s.Auth.TokenTTL.Seconds())})
	return ok(w, loginResponse{token, u})
}

// handleLogout handles POST /api/v1/auth/logout.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.Logout(r.Context(), bearer(r)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r)})
	return noContent(w)
}

// handleMe handles GET /api/v1/me.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	u, err := auth.StaffFrom(r.Context())
	if err != nil {
		return err
	}
	return ok(w, u)
}

// presence sets the user's presence through the chat where there is one, so that an operator
// who comes online gets the waiting sessions routing has for them in the same transaction.
func (s *Server) presence(r *http.Request, id string, p auth.Presence) (*auth.User, error) {
	if s.Chat != nil {
		return s.Chat.SetPresence(r.Context(), id, p)
	}
	return s.Auth.SetPresence(r.Context(), id, p)
}

// handlePresence handles PUT /api/v1/me/presence.
func (s *Server) handlePresence(w http.ResponseWriter, r *http.Request) error {
	var in presenceRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	u, _ := auth.StaffFrom(r.Context())
	u, err := s.presence(r, u.ID, in.Presence)
	if err != nil {
		return err
	}
	return ok(w, u)
}
