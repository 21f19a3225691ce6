// Package rooms owns rooms, direct-message rooms, membership and read
// markers: the store interface and its implementations, the service, its chi
// routes and its Socket.IO event handlers.
package rooms

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/roomchat/chat/wire"
)

// Room types.
const (
	TypeGroup = "group"
	TypeDM    = "dm"
)

// Room is a group room or the direct-message room of two users.
// LastSeq and LastMessageAt are not stored with the room: the service fills
// them from the messages of the room.
type Room struct {
	ID        string
	Type      string
	Name      string
	OwnerID   string // empty for DM rooms
	Members   []string
	CreatedAt time.Time

	LastSeq       int64
	LastRev       int64
	LastMessageAt time.Time // zero while the room has no message
}

// Roles of a member, as messages asks for them.
const (
	RoleOwner  = "owner"
	RoleMember = "member"
	RoleDM     = "dm"
)

// IsMember reports whether userID belongs to the room.
func (r Room) IsMember(userID string) bool {
	for _, m := range r.Members {
		if m == userID {
			return true
		}
	}
	return false
}

// roomJSON is the wire shape of a room.
type roomJSON struct {
	ID            string   `json:"id"`
	Type          string   `json:"type"`
	Name          string   `json:"name"`
	OwnerID       *string  `json:"ownerId"`
	Members       []string `json:"members"`
	CreatedAt     string   `json:"createdAt"`
	LastSeq       int64    `json:"lastSeq"`
	LastRev       int64    `json:"lastRev"`
	LastMessageAt *string  `json:"lastMessageAt"`
}

func (r Room) wire() roomJSON {
	out := roomJSON{ID: r.ID, Type: r.Type, Name: r.Name, Members: r.Members,
		CreatedAt: wire.FormatTime(r.CreatedAt), LastSeq: r.LastSeq, LastRev: r.LastRev}
	if out.Members == nil {
		out.Members = []string{}
	}
	if r.OwnerID != "" {
		owner := r.OwnerID
		out.OwnerID = &owner
	}
	if !r.LastMessageAt.IsZero() {
		at := wire.FormatTime(r.LastMessageAt)
		out.LastMessageAt = &at
	}
	return out
}

// MarshalJSON writes the wire shape of a room.
func (r Room) MarshalJSON() ([]byte, error) { return json.Marshal(r.wire()) }

// DMKey is the key that makes a DM room unique per pair of users.
func DMKey(a, b string) string {
	pair := []string{a, b}
	sort.Strings(pair)
	return pair[0] + "\x00" + pair[1]
}

// Store keeps rooms, their members and the members' read markers.
// Implementations: SQLiteStore (embedded) and MongoStore.
type Store interface {
	// CreateRoom stores a new group room.
	CreateRoom(ctx context.Context, r Room) error
	// CreateDM stores the DM room r of its two members, unless the pair
	// already has one: then it returns that room and created false.
	CreateDM(ctx context.Context, r Room) (room Room, created bool, err error)
	// Room returns the room or ErrRoomNotFound.
	Room(ctx context.Context, id string) (Room, error)
	// RoomsOf returns every room userID belongs to, in no set order.
	RoomsOf(ctx context.Context, userID string) ([]Room, error)
	// RoomIDsOf returns the ids of the rooms userID belongs to, in no set
	// order: RoomsOf without reading the rooms and their members.
	RoomIDsOf(ctx context.Context, userID string) ([]string, error)
	// AddMember adds userID to the room (no-op if a member) and returns the
	// room; ErrRoomNotFound if there is no such room.
	AddMember(ctx context.Context, roomID, userID string) (Room, error)
	// RemoveMember removes userID from the room (no-op if not a member);
	// ErrRoomNotFound if there is no such room.
	RemoveMember(ctx context.Context, roomID, userID string) error
	// MarkRead moves userID's read marker in the room forward to seq; a seq
	// at or below the current marker changes nothing.
	MarkRead(ctx context.Context, roomID, userID string, seq int64) error
	// RemovedAt returns the last time a member left or was removed from
	// the room, zero if never; ErrRoomNotFound if there is no such room.
	RemovedAt(ctx context.Context, roomID string) (time.Time, error)
	// ReadMarkers returns userID's read markers by room id (rooms without a
	// marker are absent: their marker is 0).
	ReadMarkers(ctx context.Context, userID string) (map[string]int64, error)
}

// Sentinel errors of the rooms package.
var (
	ErrRoomNotFound   = wire.NewError(wire.NotFound, "room not found")
	ErrNotMember      = wire.NewError(wire.Forbidden, "not a member of the room")
	ErrNotOwner       = wire.NewError(wire.Forbidden, "only the room owner can do that")
	ErrInvalidRoomID  = wire.NewError(wire.InvalidArgument, "roomId must be a 24-hex-character id")
	ErrInvalidName    = wire.NewError(wire.InvalidArgument, "name must be 1-100 characters")
	ErrDMFixed        = wire.NewError(wire.InvalidArgument, "the members of a DM room cannot change")
	ErrDMSelf         = wire.NewError(wire.InvalidArgument, "a DM needs another user")
	ErrInvalidMembers = wire.NewError(wire.InvalidArgument, "members must be an array of user ids")
)
