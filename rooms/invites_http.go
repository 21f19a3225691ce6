package rooms

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/wire"
)

// Routes mounts the invite routes (behind auth.Middleware).
func (iv *Invites) Routes(r chi.Router) {
	r.Post("/rooms/{roomId}/invites", iv.handleCreate)
	r.Get("/rooms/{roomId}/invites", iv.handleList)
	r.Delete("/rooms/{roomId}/invites/{code}", iv.handleRevoke)
	r.Post("/invites/{code}/accept", iv.handleAccept)
}

func (iv *Invites) handleCreate(w http.ResponseWriter, r *http.Request) {
	iv.rooms.handle(w, r, func(u auth.User) (int, any, error) {
		var req struct {
			MaxUses          *int   `json:"maxUses"`
			ExpiresInSeconds *int64 `json:"expiresInSeconds"`
		}
		if r.ContentLength != 0 { // no body: every field takes its default
			if err := wire.DecodeJSON(r, &req); err != nil {
				return 0, nil, err
			}
		}
		inv, err := iv.Create(r.Context(), u.ID, chi.URLParam(r, "roomId"), req.MaxUses, req.ExpiresInSeconds)
		return http.StatusCreated, inv, err
	})
}

func (iv *Invites) handleList(w http.ResponseWriter, r *http.Request) {
	iv.rooms.handle(w, r, func(u auth.User) (int, any, error) {
		invites, err := iv.List(r.Context(), u.ID, chi.URLParam(r, "roomId"))
		return http.StatusOK, struct {
			Invites []Invite `json:"invites"`
		}{invites}, err
	})
}

func (iv *Invites) handleRevoke(w http.ResponseWriter, r *http.Request) {
	iv.rooms.handle(w, r, func(u auth.User) (int, any, error) {
		return http.StatusNoContent, nil, iv.Revoke(r.Context(), u.ID, chi.URLParam(r, "roomId"), chi.URLParam(r, "code"))
	})
}

func (iv *Invites) handleAccept(w http.ResponseWriter, r *http.Request) {
	iv.rooms.handle(w, r, func(u auth.User) (int, any, error) {
		room, err := iv.Accept(r.Context(), u.ID, chi.URLParam(r, "code"))
		return http.StatusOK, room, err
	})
}
