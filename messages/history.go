package messages

import (
	"context"

	"github.com/roomchat/chat/wire"
)

// PageRequest asks for a page of history.
type PageRequest struct {
	RoomID   string
	BeforeID string
	AfterSeq *int64
	Limit    int
}

// Page is a page of history.
type Page struct {
	Messages []Message `json:"messages"`
	HasMore  bool      `json:"hasMore"`
}

// DefaultPageSize and MaxPageSize bound history pages.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// History returns a page of a room's messages to one of its members.
func (s *Service) History(ctx context.Context, userID string, req PageRequest) (Page, error) {
	if !wire.ValidID(req.RoomID) {
		return Page{}, ErrInvalidRoom
	}
	if req.BeforeID != "" && req.AfterSeq != nil {
		return Page{}, ErrInvalidCursor
	}
	if req.Limit <= 0 {
		req.Limit = DefaultPageSize
	}
	req.Limit = min(req.Limit, MaxPageSize)
	if _, err := s.members.Members(ctx, req.RoomID, userID); err != nil {
		return Page{}, err
	}
	var (
		msgs []Message
		more bool
		err  error
	)
	switch {
	case req.AfterSeq != nil:
		if *req.AfterSeq < 0 {
			return Page{}, ErrInvalidCursor
		}
		msgs, more, err = s.store.After(ctx, req.RoomID, *req.AfterSeq, req.Limit)
	case req.BeforeID != "":
		var seq int64
		if seq, err = s.SeqOf(ctx, req.RoomID, req.BeforeID); err == nil {
			msgs, more, err = s.store.Before(ctx, req.RoomID, seq, req.Limit)
		}
	default:
		msgs, more, err = s.store.Before(ctx, req.RoomID, 0, req.Limit)
	}
	if err != nil {
		return Page{}, err
	}
	if msgs == nil {
		msgs = []Message{}
	}
	return Page{Messages: msgs, HasMore: more}, nil
}

// SeqOf returns the seq of a message of the room; a message of another room
// is not found.
func (s *Service) SeqOf(ctx context.Context, roomID, messageID string) (int64, error) {
	if !wire.ValidID(messageID) {
		return 0, ErrInvalidMessage
	}
	m, err := s.store.ByID(ctx, messageID)
	if err != nil {
		return 0, err
	}
	if m.RoomID != roomID {
		return 0, ErrMessageNotFound
	}
	return m.Seq, nil
}

// LastSeq returns the seq of the room's newest message, 0 when it has none.
func (s *Service) LastSeq(ctx context.Context, roomID string) (int64, error) {
	return s.store.LastSeq(ctx, roomID)
}

// Activity returns, for each room of markers (room id -> userID's read
// marker), its newest message and userID's unread counts, in one read of
// the store; rooms without messages are absent.
func (s *Service) Activity(ctx context.Context, userID string, markers map[string]int64) (map[string]RoomActivity, error) {
	if len(markers) == 0 {
		return map[string]RoomActivity{}, nil
	}
	return s.store.Activity(ctx, userID, markers)
}
