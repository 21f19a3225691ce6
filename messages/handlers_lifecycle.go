package messages

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// lifecycleRoutes mounts the routes of edits, deletes, reactions, pins and
// the change stream.
func (s *Service) lifecycleRoutes(r chi.Router) {
	r.Patch("/rooms/{roomId}/messages/{messageId}", s.handleEdit)
	r.Delete("/rooms/{roomId}/messages/{messageId}", s.handleDelete)
	r.Put("/rooms/{roomId}/messages/{messageId}/reactions/{emoji}", s.handleReact(true))
	r.Delete("/rooms/{roomId}/messages/{messageId}/reactions/{emoji}", s.handleReact(false))
	r.Post("/rooms/{roomId}/pins", s.handlePin)
	r.Delete("/rooms/{roomId}/pins/{messageId}", s.handleUnpin)
	r.Get("/rooms/{roomId}/pins", s.handlePins)
	r.Get("/rooms/{roomId}/changes", s.handleChanges)
}

// respond answers a request with what fn returned.
func (s *Service) respond(w http.ResponseWriter, r *http.Request, fn func(auth.User) (int, any, error)) {
	u, _ := auth.UserFrom(r.Context())
	status, body, err := fn(u)
	wire.Respond(w, r, s.logger, status, body, err)
}

func (s *Service) handleEdit(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(u auth.User) (int, any, error) {
		var req struct {
			Content *string `json:"content"`
		}
		if err := wire.DecodeJSON(r, &req); err != nil {
			return 0, nil, err
		}
		m, err := s.Edit(r.Context(), u, chi.URLParam(r, "roomId"), chi.URLParam(r, "messageId"), req.Content)
		return http.StatusOK, m, err
	})
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(u auth.User) (int, any, error) {
		return http.StatusNoContent, nil, s.Delete(r.Context(), u, chi.URLParam(r, "roomId"), chi.URLParam(r, "messageId"))
	})
}

func (s *Service) handleReact(add bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.respond(w, r, func(u auth.User) (int, any, error) {
			emoji, err := url.PathUnescape(chi.URLParam(r, "emoji"))
			if err != nil {
				return 0, nil, ErrInvalidEmoji
			}
			m, err := s.React(r.Context(), u, chi.URLParam(r, "roomId"), chi.URLParam(r, "messageId"), emoji, add)
			return http.StatusOK, m, err
		})
	}
}

func (s *Service) handlePin(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(u auth.User) (int, any, error) {
		var req struct {
			MessageID string `json:"messageId"`
		}
		if err := wire.DecodeJSON(r, &req); err != nil {
			return 0, nil, err
		}
		m, err := s.Pin(r.Context(), u, chi.URLParam(r, "roomId"), req.MessageID, true)
		return http.StatusOK, m, err
	})
}

func (s *Service) handleUnpin(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(u auth.User) (int, any, error) {
		_, err := s.Pin(r.Context(), u, chi.URLParam(r, "roomId"), chi.URLParam(r, "messageId"), false)
		return http.StatusNoContent, nil, err
	})
}

func (s *Service) handlePins(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(u auth.User) (int, any, error) {
		pins, err := s.Pins(r.Context(), u.ID, chi.URLParam(r, "roomId"))
		return http.StatusOK, struct {
			Messages []Message `json:"messages"`
		}{pins}, err
	})
}

func (s *Service) handleChanges(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(u auth.User) (int, any, error) {
		q := r.URL.Query()
		var after int64
		if q.Has("after") {
			n, err := strconv.ParseInt(q.Get("after"), 10, 64)
			if err != nil || n < 0 {
				return 0, nil, ErrInvalidRev
			}
			after = n
		}
		limit, err := wire.QueryLimit(q)
		if err != nil {
			return 0, nil, err
		}
		page, err := s.Changes(r.Context(), u.ID, chi.URLParam(r, "roomId"), after, limit)
		return http.StatusOK, page, err
	})
}

// attachLifecycle registers the socket events of edits, deletes,
// reactions and the change stream.
func (s *Service) attachLifecycle(ev *sockets.Events, sock *socket.Socket, u auth.User) {
	type target struct {
		RoomID    string `json:"roomId"`
		MessageID string `json:"messageId"`
	}
	ev.On(sock, "edit_message", func(ctx context.Context, payload json.RawMessage) (any, error) {
		var req struct {
			target
			Content *string `json:"content"`
		}
		if err := wire.Decode(payload, &req); err != nil {
			return nil, err
		}
		m, err := s.Edit(ctx, u, req.RoomID, req.MessageID, req.Content)
		return messageResult{m}, err
	})
	ev.On(sock, "delete_message", func(ctx context.Context, payload json.RawMessage) (any, error) {
		var req target
		if err := wire.Decode(payload, &req); err != nil {
			return nil, err
		}
		return nil, s.Delete(ctx, u, req.RoomID, req.MessageID)
	})
	ev.On(sock, "react", func(ctx context.Context, payload json.RawMessage) (any, error) {
		var req struct {
			target
			Emoji string `json:"emoji"`
			Add   *bool  `json:"add"`
		}
		if err := wire.Decode(payload, &req); err != nil {
			return nil, err
		}
		if req.Add == nil {
			return nil, errReactAdd
		}
		m, err := s.React(ctx, u, req.RoomID, req.MessageID, req.Emoji, *req.Add)
		return messageResult{m}, err
	})
	ev.On(sock, "fetch_changes", func(ctx context.Context, payload json.RawMessage) (any, error) {
		var req struct {
			RoomID   string `json:"roomId"`
			AfterRev *int64 `json:"afterRev"`
			Limit    *int   `json:"limit"`
		}
		if err := wire.Decode(payload, &req); err != nil {
			return nil, err
		}
		if req.AfterRev == nil {
			return nil, ErrInvalidRev
		}
		limit := 0
		if req.Limit != nil {
			if *req.Limit < 1 {
				return nil, errInvalidLimit
			}
			limit = *req.Limit
		}
		return s.Changes(ctx, u.ID, req.RoomID, *req.AfterRev, limit)
	})
}

// messageResult is the ack of an event answered with a message.
type messageResult struct {
	Message Message `json:"message"`
}

var errReactAdd = wire.NewError(wire.InvalidArgument, "add must be a boolean")
