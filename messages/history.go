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
	AroundID string
	Limit    int
}

// Page is a page of history. HasNewer is set for a page around a message:
// whether newer messages follow it.
type Page struct {
	Messages []Message `json:"messages"`
	HasMore  bool      `json:"hasMore"`
	HasNewer *bool     `json:"hasNewer,omitempty"`
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
	cursors := 0
	for _, set := range []bool{req.BeforeID != "", req.AfterSeq != nil, req.AroundID != ""} {
		if set {
			cursors++
		}
	}
	if cursors > 1 {
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
	case req.AroundID != "":
		return s.around(ctx, req)
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
	if err := s.withFiles(ctx, msgs); err != nil {
		return Page{}, err
	}
	return Page{Messages: msgs, HasMore: more}, nil
}

// around returns up to req.Limit messages centred on req.AroundID, it
// included: as many older ones as fit in half the page, the rest newer.
func (s *Service) around(ctx context.Context, req PageRequest) (Page, error) {
	seq, err := s.SeqOf(ctx, req.RoomID, req.AroundID)
	if err != nil {
		return Page{}, err
	}
	older, hasOlder, err := s.store.Before(ctx, req.RoomID, seq, (req.Limit-1)/2)
	if err != nil {
		return Page{}, err
	}
	newer, hasNewer, err := s.store.After(ctx, req.RoomID, seq-1, req.Limit-len(older))
	if err != nil {
		return Page{}, err
	}
	msgs := append(older, newer...)
	if err := s.withFiles(ctx, msgs); err != nil {
		return Page{}, err
	}
	return Page{Messages: msgs, HasMore: hasOlder, HasNewer: &hasNewer}, nil
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
	found, err := s.store.Activity(ctx, userID, markers)
	if err != nil || s.files == nil {
		return found, err
	}
	for id, a := range found {
		if len(a.Last.AttachmentIDs) > 0 {
			if a.Last, err = s.withFile(ctx, a.Last); err != nil {
				return nil, err
			}
			found[id] = a
		}
	}
	return found, nil
}
