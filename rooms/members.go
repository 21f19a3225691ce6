package rooms

import (
	"context"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/wire"
)

// MaxListedMembers is the size up to which a room's payload lists its
// members; a bigger room's members are read page by page (MemberPage).
const MaxListedMembers = 200

// MemberPageLimit is the default and the largest page of MemberPage.
const MemberPageLimit = 100

// MemberInfo is one member as GET /rooms/{id}/members lists them.
type MemberInfo struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
	Online      bool   `json:"online"`
}

// MemberPage is a page of a room's members, in the order they joined.
type MemberPage struct {
	Members []MemberInfo `json:"members"`
	HasMore bool         `json:"hasMore"`
}

var errMemberCursor = wire.NewError(wire.InvalidArgument, "after must be the id of a member of the room")

// MemberPage returns, to one of the room's members, up to limit members
// (MemberPageLimit if 0, at most that) who joined after the member after
// ("" for the first page), with their roles and presence.
func (s *Service) MemberPage(ctx context.Context, callerID, roomID, after string, limit int) (MemberPage, error) {
	r, err := s.memberRoom(ctx, roomID, callerID)
	if err != nil {
		return MemberPage{}, err
	}
	if limit <= 0 || limit > MemberPageLimit {
		limit = MemberPageLimit
	}
	start := 0
	if after != "" {
		i := slices.Index(r.Members, after)
		if i < 0 {
			return MemberPage{}, errMemberCursor
		}
		start = i + 1
	}
	end := min(start+limit, len(r.Members))
	ids := r.Members[start:end]
	users, err := s.users.Lookup(ctx, ids)
	if err != nil {
		return MemberPage{}, err
	}
	page := MemberPage{Members: make([]MemberInfo, 0, len(ids)), HasMore: end < len(r.Members)}
	for _, u := range users {
		page.Members = append(page.Members, MemberInfo{ID: u.ID, Username: u.Username,
			DisplayName: u.DisplayName, Role: r.RoleOf(u.ID), Online: u.Online})
	}
	return page, nil
}

func (s *Service) handleMembers(w http.ResponseWriter, r *http.Request) {
	s.handle(w, r, func(u auth.User) (int, any, error) {
		q := r.URL.Query()
		limit, err := wire.QueryLimit(q)
		if err != nil {
			return 0, nil, err
		}
		page, err := s.MemberPage(r.Context(), u.ID, chi.URLParam(r, "roomId"), q.Get("after"), limit)
		return http.StatusOK, page, err
	})
}
