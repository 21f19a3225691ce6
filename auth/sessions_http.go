package auth

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roomchat/chat/wire"
)

// The refresh token travels only in a cookie that script cannot read
// (HttpOnly), that the browser sends only to /session (Path) and only on
// requests its own pages make (SameSite=Strict), and only over HTTPS when
// the page is served over HTTPS (Secure). The README explains why this
// leaves no room for cross-site request forgery.
const (
	refreshCookie = "chat_refresh"
	sessionPath   = "/session"
)

// Routes mounts the session endpoints, which need no bearer token except
// DELETE, which checks its own.
func (s *Sessions) Routes(r chi.Router) {
	r.Post(sessionPath, s.handleSignIn)
	r.Post(sessionPath+"/refresh", s.handleRefresh)
	r.Delete(sessionPath, s.handleSignOut)
}

// grantJSON is the answer of sign-in and refresh. ExpiresIn (seconds) says
// the same as ExpiresAt to a client whose clock is off.
type grantJSON struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expiresAt"`
	ExpiresIn int64  `json:"expiresIn"`
	User      User   `json:"user"`
}

func (s *Sessions) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		wire.WriteError(w, r, s.log, errCrossSite)
		return
	}
	r = s.users.fromClient(r) // the login limits count the client's address
	var c credentials
	if err := wire.DecodeJSON(r, &c); err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	g, err := s.SignIn(r.Context(), c.Username, c.Password)
	if err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	s.writeGrant(w, r, g)
}

func (s *Sessions) handleRefresh(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		wire.WriteError(w, r, s.log, errCrossSite)
		return
	}
	var raw string
	if c, err := r.Cookie(refreshCookie); err == nil {
		raw = c.Value
	}
	g, err := s.Refresh(r.Context(), raw)
	if err != nil {
		if wire.CodeOf(err) == wire.Unauthorized {
			s.clearCookie(w, r)
		}
		wire.WriteError(w, r, s.log, err)
		return
	}
	s.writeGrant(w, r, g)
}

// handleSignOut ends every session of the caller, who shows a bearer token,
// as on every other authenticated endpoint.
func (s *Sessions) handleSignOut(w http.ResponseWriter, r *http.Request) {
	u, err := s.users.Authenticate(r.Context(), BearerToken(r.Header.Get("Authorization")))
	if err != nil {
		wire.WriteError(w, r, s.log, refusal(err))
		return
	}
	if err := s.SignOut(r.Context(), u.ID); err != nil {
		wire.WriteError(w, r, s.log, err)
		return
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sessions) writeGrant(w http.ResponseWriter, r *http.Request, g Grant) {
	if g.Refresh != "" {
		s.setCookie(w, r, g.Refresh, s.cfg.RefreshTTL)
	}
	w.Header().Set("Cache-Control", "no-store")
	wire.WriteJSON(w, http.StatusOK, grantJSON{Token: g.Token, ExpiresAt: wire.FormatTime(g.ExpiresAt),
		ExpiresIn: int64(s.cfg.AccessTTL / time.Second), User: g.User})
}

func (s *Sessions) setCookie(w http.ResponseWriter, r *http.Request, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: refreshCookie, Value: value, Path: sessionPath,
		MaxAge: int(ttl / time.Second), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secureRequest(r),
	})
}

func (s *Sessions) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: refreshCookie, Value: "", Path: sessionPath,
		MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secureRequest(r),
	})
}

// secureRequest reports whether the page reached the service over HTTPS,
// directly or through a proxy that says so.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// sameOrigin refuses what a browser marks as coming from another site: an
// Origin header naming another host, or Sec-Fetch-Site other than
// same-origin (or none, for what the user typed). Requests without either
// header (curl, scripts) carry no cookie of a victim's browser and pass.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
