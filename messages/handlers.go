package messages

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Routes mounts the history route (behind auth.Middleware).
func (s *Service) Routes(r chi.Router) {
	r.Get("/rooms/{roomId}/messages", s.handleHistory)
	s.lifecycleRoutes(r)
	s.searchRoutes(r)
}

// SetEventBudget sets the per-user budget that history reads spend from;
// call it before serving.
func (s *Service) SetEventBudget(b *sockets.Budget) { s.budget = b }

func (s *Service) handleHistory(w http.ResponseWriter, r *http.Request) {
	u, _ := auth.UserFrom(r.Context())
	if err := s.budget.Spend(r.Context(), u.ID); err != nil {
		wire.WriteError(w, r, s.logger, err)
		return
	}
	q := r.URL.Query()
	req := PageRequest{RoomID: chi.URLParam(r, "roomId"), BeforeID: q.Get("before"), AroundID: q.Get("around")}
	if q.Has("before") && req.BeforeID == "" || q.Has("around") && req.AroundID == "" {
		wire.WriteError(w, r, s.logger, ErrInvalidCursor)
		return
	}
	if v := q.Get("after"); q.Has("after") {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			wire.WriteError(w, r, s.logger, ErrInvalidCursor)
			return
		}
		req.AfterSeq = &n
	}
	limit, err := wire.QueryLimit(q)
	if err != nil {
		wire.WriteError(w, r, s.logger, err)
		return
	}
	req.Limit = limit
	page, err := s.History(r.Context(), u.ID, req)
	if err != nil {
		wire.WriteError(w, r, s.logger, err)
		return
	}
	wire.WriteJSON(w, http.StatusOK, page)
}

var errInvalidLimit = wire.ErrInvalidLimit

// Attach registers the message events of a connected socket of user u.
func (s *Service) Attach(ev *sockets.Events, sock *socket.Socket, u auth.User) {
	ev.OnStaged(sock, "send_message", func(ctx context.Context, payload json.RawMessage) (func() (any, error), error) {
		return s.onSend(ctx, sock, u, payload)
	})
	ev.On(sock, "fetch_messages", func(ctx context.Context, payload json.RawMessage) (any, error) {
		return s.onFetch(ctx, sock, u, payload)
	})
	s.attachLifecycle(ev, sock, u)
	s.attachSearch(ev, sock, u)
}

type fetchRequest struct {
	RoomID   string `json:"roomId"`
	BeforeID string `json:"beforeId"`
	AfterSeq *int64 `json:"afterSeq"`
	AroundID string `json:"aroundId"`
	Limit    *int   `json:"limit"`
}

// HistoryEvent is the payload of the history event.
type HistoryEvent struct {
	RoomID string `json:"roomId"`
	Page
}

func (s *Service) onFetch(ctx context.Context, sock *socket.Socket, u auth.User, payload json.RawMessage) (any, error) {
	if err := s.budget.Spend(ctx, u.ID); err != nil {
		return nil, err
	}
	var req fetchRequest
	if err := wire.Decode(payload, &req); err != nil {
		return nil, err
	}
	pr := PageRequest{RoomID: req.RoomID, BeforeID: req.BeforeID, AfterSeq: req.AfterSeq, AroundID: req.AroundID}
	if req.Limit != nil {
		if *req.Limit < 1 {
			return nil, errInvalidLimit
		}
		pr.Limit = *req.Limit
	}
	page, err := s.History(ctx, u.ID, pr)
	if err != nil {
		return nil, err
	}
	_ = sock.Emit("history", HistoryEvent{RoomID: req.RoomID, Page: page})
	return page, nil
}
