package rooms

import (
	"context"
	"log/slog"

	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Presence tracks which users have a socket connected anywhere.
type Presence interface {
	// Connect records a socket; first is true for the user's only socket.
	Connect(ctx context.Context, userID, socketID string) (first bool, err error)
	// Disconnect forgets a socket; last is true when none is left.
	Disconnect(ctx context.Context, userID, socketID string) (last bool, err error)
}

// PresenceEvent is the payload of the presence event.
type PresenceEvent struct {
	UserID     string  `json:"userId"`
	Online     bool    `json:"online"`
	LastSeenAt *string `json:"lastSeenAt,omitempty"`
}

// Connected records a new socket of userID and, if it is the user's first
// anywhere, tells the user's rooms the user is online.
func (s *Service) Connected(ctx context.Context, userID, socketID string) error {
	first, err := s.presence.Connect(ctx, userID, socketID)
	if err != nil {
		return err
	}
	if first {
		s.announce(ctx, PresenceEvent{UserID: userID, Online: true})
	}
	return nil
}

// Disconnected forgets a socket of userID, ends its typing indicators and,
// if it was the user's last socket anywhere, tells the user's rooms the
// user is offline.
func (s *Service) Disconnected(ctx context.Context, userID, socketID string) error {
	s.typing.stopSocket(socketID)
	last, err := s.presence.Disconnect(ctx, userID, socketID)
	if err != nil {
		return err
	}
	if last {
		s.WentOffline(userID)
	}
	return nil
}

// WentOffline tells the user's rooms the user is offline: after their last
// socket closed, or when the instance holding their sockets stopped.
func (s *Service) WentOffline(userID string) {
	at := wire.FormatTime(wire.Now())
	ctx, cancel := context.WithTimeout(context.Background(), sockets.EventTimeout)
	defer cancel()
	s.announce(ctx, PresenceEvent{UserID: userID, Online: false, LastSeenAt: &at})
}

func (s *Service) announce(ctx context.Context, ev PresenceEvent) {
	ids, err := s.store.RoomIDsOf(ctx, ev.UserID)
	if err != nil {
		s.log.Warn("presence not announced", slog.String("user", ev.UserID), slog.Any("err", err))
		return
	}
	if len(ids) == 0 {
		return
	}
	s.out.Broadcast(ids, "presence", ev)
}
