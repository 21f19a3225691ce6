package messages

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

// DefaultSearchPage and MaxSearchPage bound pages of search results.
const (
	DefaultSearchPage = 20
	MaxSearchPage     = 50
)

// SearchParams is a search as a client asks for it.
type SearchParams struct {
	Q        string `json:"q"`
	RoomID   string `json:"roomId"`
	SenderID string `json:"senderId"`
	BeforeID string `json:"before"`
	Limit    int    `json:"limit"`
}

// SearchPage is a page of search results, newest first.
type SearchPage struct {
	Messages []SearchHit `json:"messages"`
	HasMore  bool        `json:"hasMore"`
}

// Search finds the messages that match p.Q in the rooms userID is a member
// of now (with p.RoomID: that room, which userID must be a member of).
func (s *Service) Search(ctx context.Context, userID string, p SearchParams) (SearchPage, error) {
	q, err := ParseQuery(p.Q)
	if err != nil {
		return SearchPage{}, err
	}
	if p.BeforeID != "" && !wire.ValidID(p.BeforeID) {
		return SearchPage{}, ErrInvalidMessage
	}
	if p.Limit < 0 {
		return SearchPage{}, errInvalidLimit
	}
	if p.Limit == 0 {
		p.Limit = DefaultSearchPage
	}
	rooms, err := s.searchRooms(ctx, userID, p.RoomID)
	if err != nil {
		return SearchPage{}, err
	}
	hits, more, err := s.store.Search(ctx, SearchRequest{Query: q, Rooms: rooms, SenderID: p.SenderID,
		BeforeID: p.BeforeID, Limit: min(p.Limit, MaxSearchPage)})
	if err != nil {
		return SearchPage{}, err
	}
	if hits == nil {
		hits = []SearchHit{}
	}
	ms := make([]Message, len(hits))
	for i, h := range hits {
		ms[i] = h.Message
	}
	if err := s.withFiles(ctx, ms); err != nil {
		return SearchPage{}, err
	}
	for i := range hits {
		hits[i].Message = ms[i]
	}
	return SearchPage{Messages: hits, HasMore: more}, nil
}

// searchRooms is the rooms a search looks in: the one asked for, or all of
// the user's.
func (s *Service) searchRooms(ctx context.Context, userID, roomID string) ([]string, error) {
	if roomID == "" {
		return s.members.RoomIDs(ctx, userID)
	}
	if !wire.ValidID(roomID) {
		return nil, ErrInvalidRoom
	}
	if _, err := s.members.Members(ctx, roomID, userID); err != nil {
		return nil, err
	}
	return []string{roomID}, nil
}

func (s *Service) handleSearch(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func(u auth.User) (int, any, error) {
		q := r.URL.Query()
		limit, err := wire.QueryLimit(q)
		if err != nil {
			return 0, nil, err
		}
		page, err := s.Search(r.Context(), u.ID, SearchParams{Q: q.Get("q"), RoomID: q.Get("roomId"),
			SenderID: q.Get("senderId"), BeforeID: q.Get("before"), Limit: limit})
		return http.StatusOK, page, err
	})
}

func (s *Service) searchRoutes(r chi.Router) {
	r.Get("/search", s.handleSearch)
}

func (s *Service) attachSearch(ev *sockets.Events, sock *socket.Socket, u auth.User) {
	ev.On(sock, "search_messages", func(ctx context.Context, payload json.RawMessage) (any, error) {
		var p SearchParams
		if err := wire.Decode(payload, &p); err != nil {
			return nil, err
		}
		return s.Search(ctx, u.ID, p)
	})
}
