package rooms

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Routes mounts the room routes (behind auth.Middleware).
func (s *Service) Routes(r chi.Router) {
	r.Post("/rooms", s.handleCreate)
	r.Post("/rooms/dm", s.handleDM)
	r.Get("/rooms", s.handleList)
	r.Get("/rooms/{roomId}", s.handleGet)
	r.Patch("/rooms/{roomId}", s.handleUpdate)
	r.Delete("/rooms/{roomId}", s.handleDelete)
	r.Get("/rooms/{roomId}/members", s.handleMembers)
	r.Post("/rooms/{roomId}/members", s.handleAddMember)
	r.Delete("/rooms/{roomId}/members/{userId}", s.handleRemoveMember)
	r.Put("/rooms/{roomId}/members/{userId}/role", s.handleSetRole)
	r.Get("/rooms/{roomId}/bans", s.handleBans)
	r.Post("/rooms/{roomId}/bans", s.handleBan)
	r.Delete("/rooms/{roomId}/bans/{userId}", s.handleUnban)
	r.Post("/rooms/{roomId}/read", s.handleRead)
	r.Get("/rooms/{roomId}/reads", s.handleReads)
}

var errNothingToUpdate = wire.NewError(wire.InvalidArgument, "give a name or a topic to change")

func (s *Service) handleUpdate(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		var req struct {
			Name  *string `json:"name"`
			Topic *string `json:"topic"`
		}
		if err := wire.DecodeJSON(r, &req); err != nil {
			return 0, nil, err
		}
		if req.Name == nil && req.Topic == nil {
			return 0, nil, errNothingToUpdate
		}
		room, err := s.UpdateRoom(r.Context(), u.ID, chi.URLParam(r, "roomId"), req.Name, req.Topic)
		return http.StatusOK, room, err
	})
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		return http.StatusNoContent, nil, s.DeleteRoom(r.Context(), u.ID, chi.URLParam(r, "roomId"))
	})
}

// pathUserID reads and checks the {userId} of the path.
func pathUserID(r *http.Request) (string, error) {
	id := chi.URLParam(r, "userId")
	if !auth.ValidUserID(id) {
		return "", auth.ErrInvalidUserID
	}
	return id, nil
}

func (s *Service) handleSetRole(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		userID, err := pathUserID(r)
		if err != nil {
			return 0, nil, err
		}
		var req struct {
			Role string `json:"role"`
		}
		if err := wire.DecodeJSON(r, &req); err != nil {
			return 0, nil, err
		}
		room, err := s.SetRole(r.Context(), u.ID, chi.URLParam(r, "roomId"), userID, req.Role)
		return http.StatusOK, room, err
	})
}

func (s *Service) handleBans(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		ids, err := s.Bans(r.Context(), u.ID, chi.URLParam(r, "roomId"))
		return http.StatusOK, struct {
			UserIDs []string `json:"userIds"`
		}{ids}, err
	})
}

func (s *Service) handleBan(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		userID, err := decodeUserID(r)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, s.Ban(r.Context(), u.ID, chi.URLParam(r, "roomId"), userID)
	})
}

func (s *Service) handleUnban(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		userID, err := pathUserID(r)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, s.Unban(r.Context(), u.ID, chi.URLParam(r, "roomId"), userID)
	})
}

func (s *Service) handleReads(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		reads, err := s.Reads(r.Context(), u.ID, chi.URLParam(r, "roomId"))
		return http.StatusOK, struct {
			Reads []ReadReceipt `json:"reads"`
		}{reads}, err
	})
}

// handle adapts a handler that answers (status, body, error) to chi.
func (s *Service) handle(w http.ResponseWriter, r *http.Request, fn func(auth.User) (int, any, error)) {
	u, _ := auth.UserFrom(r.Context())
	status, body, err := fn(u)
	wire.Respond(w, r, s.log, status, body, err)
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		var req struct {
			Name    string   `json:"name"`
			Members []string `json:"members"`
		}
		if err := wire.DecodeJSON(r, &req); err != nil {
			return 0, nil, err
		}
		room, err := s.CreateRoom(r.Context(), u.ID, req.Name, req.Members)
		return http.StatusCreated, room, err
	})
}

func (s *Service) handleDM(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		userID, err := decodeUserID(r)
		if err != nil {
			return 0, nil, err
		}
		room, created, err := s.OpenDM(r.Context(), u.ID, userID)
		if created {
			return http.StatusCreated, room, err
		}
		return http.StatusOK, room, err
	})
}

// decodeUserID reads a {userId} request body.
func decodeUserID(r *http.Request) (string, error) {
	var req struct {
		UserID string `json:"userId"`
	}
	if err := wire.DecodeJSON(r, &req); err != nil {
		return "", err
	}
	if !auth.ValidUserID(req.UserID) {
		return "", auth.ErrInvalidUserID
	}
	return req.UserID, nil
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		rooms, err := s.List(r.Context(), u.ID)
		return http.StatusOK, struct {
			Rooms []Summary `json:"rooms"`
		}{rooms}, err
	})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		room, err := s.Get(r.Context(), u.ID, chi.URLParam(r, "roomId"))
		return http.StatusOK, room, err
	})
}

func (s *Service) handleAddMember(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		userID, err := decodeUserID(r)
		if err != nil {
			return 0, nil, err
		}
		room, err := s.AddMember(r.Context(), u.ID, chi.URLParam(r, "roomId"), userID)
		return http.StatusOK, room, err
	})
}

func (s *Service) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		err := s.RemoveMember(r.Context(), u.ID, chi.URLParam(r, "roomId"), chi.URLParam(r, "userId"))
		return http.StatusNoContent, nil, err
	})
}

func (s *Service) handleRead(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		var req struct {
			MessageID string `json:"messageId"`
		}
		if err := wire.DecodeJSON(r, &req); err != nil {
			return 0, nil, err
		}
		err := s.MarkRead(r.Context(), u.ID, chi.URLParam(r, "roomId"), req.MessageID)
		return http.StatusNoContent, nil, err
	})
}

// roomRequest is the payload of join_room and leave_room.
type roomRequest struct {
	RoomID string `json:"roomId"`
}

// Attach registers the room events of a connected socket of user u.
func (s *Service) Attach(ev *sockets.Events, sock *socket.Socket, u auth.User) {
	on := func(event string, fn sockets.Handler) { ev.On(sock, event, fn) }
	on("join_room", func(ctx context.Context, payload json.RawMessage) (any, error) {
		return s.onJoin(ctx, sock, u, payload)
	})
	on("leave_room", func(ctx context.Context, payload json.RawMessage) (any, error) {
		return s.onLeave(sock, payload)
	})
	on("typing", func(ctx context.Context, payload json.RawMessage) (any, error) {
		return nil, s.onTyping(ctx, sock, u, payload)
	})
	on("mark_read", func(ctx context.Context, payload json.RawMessage) (any, error) {
		var req struct {
			RoomID    string `json:"roomId"`
			MessageID string `json:"messageId"`
		}
		if err := wire.Decode(payload, &req); err != nil {
			return nil, err
		}
		return nil, s.MarkRead(ctx, u.ID, req.RoomID, req.MessageID)
	})
}

type joinResult struct {
	RoomID  string `json:"roomId"`
	LastSeq int64  `json:"lastSeq"`
	LastRev int64  `json:"lastRev"`
}

// SetEventBudget sets the per-user budget that join_room and typing spend
// from; call it before serving.
func (s *Service) SetEventBudget(b *sockets.Budget) { s.budget = b }

func (s *Service) onJoin(ctx context.Context, sock *socket.Socket, u auth.User, payload json.RawMessage) (any, error) {
	if err := s.budget.Spend(ctx, u.ID); err != nil {
		return nil, err
	}
	var req roomRequest
	if err := wire.Decode(payload, &req); err != nil {
		return nil, err
	}
	lastSeq, lastRev, err := s.join(ctx, sock, u.ID, req.RoomID)
	if err != nil {
		return nil, err
	}
	_ = sock.Emit("joined", roomRequest{RoomID: req.RoomID})
	return joinResult{RoomID: req.RoomID, LastSeq: lastSeq, LastRev: lastRev}, nil
}

// joiner is what joining a room needs of a socket.
type joiner interface {
	Join(rooms ...socket.Room)
}

// joinAttempts bounds how often a join checks membership again because it
// changed during the check.
const joinAttempts = 3

var errMembershipChanging = wire.NewError(wire.Unavailable, "the room's members are changing; try again")

// join checks that userID belongs to the room and makes the socket join it,
// and returns the room's last seq and rev. The socket joins only if the
// room's membership did not change since the check began; otherwise it
// checks again. So a removal either refuses the join or evicts the joined
// socket, whatever the timing, and no event of the room reaches a socket
// whose user was removed before it joined.
func (s *Service) join(ctx context.Context, sock joiner, userID, roomID string) (lastSeq, lastRev int64, err error) {
	for range joinAttempts {
		epoch := s.members.epoch(roomID)
		if lastSeq, err = s.LastSeq(ctx, userID, roomID); err != nil {
			return 0, 0, err
		}
		if lastRev, err = s.activity.LastRev(ctx, roomID); err != nil {
			return 0, 0, err
		}
		if s.members.ifUnchanged(roomID, epoch, func() { sock.Join(socket.Room(roomID)) }) {
			return lastSeq, lastRev, nil
		}
	}
	return 0, 0, errMembershipChanging
}

func (s *Service) onLeave(sock *socket.Socket, payload json.RawMessage) (any, error) {
	var req roomRequest
	if err := wire.Decode(payload, &req); err != nil {
		return nil, err
	}
	if !wire.ValidID(req.RoomID) {
		return nil, ErrInvalidRoomID
	}
	sock.Leave(socket.Room(req.RoomID))
	s.typing.stop(string(sock.Id()), req.RoomID)
	return roomRequest{RoomID: req.RoomID}, nil
}

func (s *Service) onTyping(ctx context.Context, sock *socket.Socket, u auth.User, payload json.RawMessage) error {
	if err := s.budget.Spend(ctx, u.ID); err != nil {
		return err
	}
	var req struct {
		RoomID   string `json:"roomId"`
		IsTyping *bool  `json:"isTyping"`
	}
	if err := wire.Decode(payload, &req); err != nil {
		return err
	}
	if req.IsTyping == nil {
		return errTypingFlag
	}
	if _, err := s.Members(ctx, req.RoomID, u.ID); err != nil {
		return err
	}
	ev := TypingEvent{RoomID: req.RoomID, UserID: u.ID, Username: u.Username, IsTyping: *req.IsTyping}
	emit := func(ev TypingEvent) { _ = sock.To(socket.Room(ev.RoomID)).Emit("typing", ev) }
	if ev.IsTyping {
		s.typing.start(string(sock.Id()), ev, emit)
	} else {
		s.typing.stop(string(sock.Id()), req.RoomID)
	}
	emit(ev)
	return nil
}

var errTypingFlag = wire.NewError(wire.InvalidArgument, "isTyping must be a boolean")

// typingExpired sends the stop of a typing indicator that was not refreshed.
func (s *Service) typingExpired(emit func(TypingEvent), ev TypingEvent) { emit(ev) }
