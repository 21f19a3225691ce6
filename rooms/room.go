// Package rooms owns rooms, direct-message rooms, membership with its roles,
// bans and invites, and read markers with their receipts: the store
// interfaces and their implementations, the service, its chi routes and its
// Socket.IO event handlers.
package rooms

import (
	"context"
	"encoding/json"
	"slices"
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
	Topic     string
	OwnerID   string   // empty for DM rooms
	Members   []string // in the order they joined; nil when read without them (see Store.ListedRoom)
	Admins    []string // the members whose role is admin, in the same order
	CreatedAt time.Time
	// MemberCount is the number of members as the store counted them. It
	// is what tells the count when Members is nil; with Members read, a
	// store may leave it 0 and len(Members) is the count (see memberCount).
	MemberCount int

	LastSeq       int64
	LastRev       int64
	LastMessageAt time.Time // zero while the room has no message
}

// Roles of a member. A group has exactly one owner (Room.OwnerID); every
// other member is an admin or a member. In a DM both are RoleDM.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleDM     = "dm"
)

// RoleOf returns userID's role in the room ("" if not a member).
func (r Room) RoleOf(userID string) string {
	switch {
	case !r.IsMember(userID):
		return ""
	case r.Type == TypeDM:
		return RoleDM
	case r.OwnerID == userID:
		return RoleOwner
	case slices.Contains(r.Admins, userID):
		return RoleAdmin
	}
	return RoleMember
}

// IsMember reports whether userID belongs to the room.
func (r Room) IsMember(userID string) bool { return slices.Contains(r.Members, userID) }

// roomJSON is the wire shape of a room.
type roomJSON struct {
	ID            string    `json:"id"`
	Type          string    `json:"type"`
	Name          string    `json:"name"`
	Topic         string    `json:"topic"`
	OwnerID       *string   `json:"ownerId"`
	Admins        []string  `json:"admins"`
	Members       *[]string `json:"members,omitempty"` // up to MaxListedMembers
	MemberCount   int       `json:"memberCount"`
	CreatedAt     string    `json:"createdAt"`
	LastSeq       int64     `json:"lastSeq"`
	LastRev       int64     `json:"lastRev"`
	LastMessageAt *string   `json:"lastMessageAt"`
}

func (r Room) wire() roomJSON {
	out := roomJSON{ID: r.ID, Type: r.Type, Name: r.Name, Topic: r.Topic, Admins: r.Admins,
		MemberCount: r.memberCount(), CreatedAt: wire.FormatTime(r.CreatedAt), LastSeq: r.LastSeq, LastRev: r.LastRev}
	if out.MemberCount <= MaxListedMembers {
		members := r.Members
		if members == nil {
			members = []string{}
		}
		out.Members = &members
	}
	if out.Admins == nil {
		out.Admins = []string{}
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

// memberCount is the number of members, listed or not.
func (r Room) memberCount() int {
	if r.Members == nil {
		return r.MemberCount
	}
	return len(r.Members)
}

// MarshalJSON writes the wire shape of a room.
func (r Room) MarshalJSON() ([]byte, error) { return json.Marshal(r.wire()) }

// DMKey is the key that makes a DM room unique per pair of users.
func DMKey(a, b string) string {
	pair := []string{a, b}
	sort.Strings(pair)
	return pair[0] + "\x00" + pair[1]
}

// Store keeps rooms, their members with their roles, bans and the members'
// read markers. Implementations: SQLiteStore (embedded) and MongoStore;
// both pass the contract tests of this package.
type Store interface {
	// CreateRoom stores a new group room; its members other than the owner
	// are members, none an admin.
	CreateRoom(ctx context.Context, r Room) error
	// CreateDM stores the DM room r of its two members, unless the pair
	// already has one: then it returns that room and created false.
	CreateDM(ctx context.Context, r Room) (room Room, created bool, err error)
	// Room returns the room with all its members, or ErrRoomNotFound (also
	// once it is deleted).
	Room(ctx context.Context, id string) (Room, error)
	// ListedRoom returns the room as its payload shows it: its members
	// only if there are at most MaxListedMembers of them, else Members is
	// nil and MemberCount tells how many; Admins always. Its cost does not
	// grow with the room.
	ListedRoom(ctx context.Context, id string) (Room, error)
	// RoomsOf returns every room userID belongs to, in no set order, read
	// as ListedRoom reads them.
	RoomsOf(ctx context.Context, userID string) ([]Room, error)
	// IsMember reports whether userID belongs to the room, from one
	// membership; ErrRoomNotFound if there is no such room.
	IsMember(ctx context.Context, roomID, userID string) (bool, error)
	// RoomIDsOf returns the ids of the rooms userID belongs to, in no set
	// order: RoomsOf without reading the rooms and their members.
	RoomIDsOf(ctx context.Context, userID string) ([]string, error)
	// AddMember adds userID to the room as a member (no-op if one) and
	// returns the room; ErrRoomNotFound if there is no such room, ErrBanned
	// if userID is banned from it, even when the ban is stored while the
	// member is being added.
	AddMember(ctx context.Context, roomID, userID string) (Room, error)
	// RemoveMember removes userID from the room (no-op if not a member);
	// ErrRoomNotFound if there is no such room.
	RemoveMember(ctx context.Context, roomID, userID string) error
	// UpdateRoom sets the room's name and topic (nil: unchanged) and
	// returns the room.
	UpdateRoom(ctx context.Context, roomID string, name, topic *string) (Room, error)
	// SetRole makes a member (not the owner) RoleAdmin or RoleMember;
	// ErrNotMember if userID is not a member.
	SetRole(ctx context.Context, roomID, userID, role string) error
	// SetOwner makes the member to the owner in place of from, who (if
	// still a member) becomes an admin. The room has one owner at every
	// moment: its owner field changes in one write.
	SetOwner(ctx context.Context, roomID, from, to string) error
	// Ban keeps userID out of the room: they are removed if a member, and
	// AddMember refuses them from then on.
	Ban(ctx context.Context, roomID, userID string) error
	// Unban lifts a ban; ErrNotBanned if there is none.
	Unban(ctx context.Context, roomID, userID string) error
	// Bans returns the banned user ids, in the order they were banned.
	Bans(ctx context.Context, roomID string) ([]string, error)
	// Banned reports whether userID is banned from the room.
	Banned(ctx context.Context, roomID, userID string) (bool, error)
	// MarkRead moves userID's read marker in the room forward to seq and
	// reports whether it moved; a seq at or below the current marker
	// changes nothing.
	MarkRead(ctx context.Context, roomID, userID string, seq int64) (moved bool, err error)
	// ReadMarkers returns userID's read markers by room id (rooms without a
	// marker are absent: their marker is 0).
	ReadMarkers(ctx context.Context, userID string) (map[string]int64, error)
	// Reads returns the read markers of the room's readers, by user id.
	Reads(ctx context.Context, roomID string) (map[string]Read, error)
	// RemovedAt returns the last time a member left or was removed from
	// the room, zero if never; ErrRoomNotFound if there is no such room.
	RemovedAt(ctx context.Context, roomID string) (time.Time, error)
	// DeleteRoom marks the room deleted: from then on it is not found, and
	// PurgeRoom deletes what is kept of it.
	DeleteRoom(ctx context.Context, roomID string) error
	// DeletedRooms returns up to limit rooms marked deleted and not purged
	// yet, the longest deleted first.
	DeletedRooms(ctx context.Context, limit int) ([]string, error)
	// PurgeRoom deletes up to limit of the memberships, read markers and
	// bans of a room marked deleted, and returns how many it deleted; once
	// none is left, it deletes the room itself and returns 0.
	PurgeRoom(ctx context.Context, roomID string, limit int) (int, error)
}

// Read is a member's read marker: the seq of the last message they read
// and when they marked it.
type Read struct {
	Seq int64
	At  time.Time
}

// Sentinel errors of the rooms package.
var (
	ErrRoomNotFound   = wire.NewError(wire.NotFound, "room not found")
	ErrNotMember      = wire.NewError(wire.Forbidden, "not a member of the room")
	ErrNotOwner       = wire.NewError(wire.Forbidden, "only the room owner can do that")
	ErrNotAdmin       = wire.NewError(wire.Forbidden, "only the room's owner or an admin can do that")
	ErrOutranked      = wire.NewError(wire.Forbidden, "an admin cannot remove or ban the owner or another admin")
	ErrBanned         = wire.NewError(wire.Forbidden, "banned from the room")
	ErrNotBanned      = wire.NewError(wire.NotFound, "not banned from the room")
	ErrNotInRoom      = wire.NewError(wire.NotFound, "not a member of the room")
	ErrInvalidTopic   = wire.NewError(wire.InvalidArgument, "topic must be at most 500 characters")
	ErrInvalidRole    = wire.NewError(wire.InvalidArgument, `role must be "admin", "member" or "owner"`)
	ErrOwnRole        = wire.NewError(wire.InvalidArgument, "the owner's role changes only by making another member the owner")
	ErrInvalidRoomID  = wire.NewError(wire.InvalidArgument, "roomId must be a 24-hex-character id")
	ErrInvalidName    = wire.NewError(wire.InvalidArgument, "name must be 1-100 characters")
	ErrDMFixed        = wire.NewError(wire.InvalidArgument, "the members of a DM room cannot change")
	ErrDMSelf         = wire.NewError(wire.InvalidArgument, "a DM needs another user")
	ErrInvalidMembers = wire.NewError(wire.InvalidArgument, "members must be an array of user ids")
)
