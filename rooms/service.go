package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Activity is what rooms needs to know of rooms' messages.
type Activity interface {
	// Activity returns, for each room of markers (room id -> userID's read
	// marker), its newest message and userID's unread counts, in one read;
	// rooms without messages are absent.
	Activity(ctx context.Context, userID string, markers map[string]int64) (map[string]Latest, error)
	// LastSeq returns the seq of the room's newest message, 0 when none.
	LastSeq(ctx context.Context, roomID string) (int64, error)
	// LastRev returns the room's newest rev, 0 when nothing changed yet.
	LastRev(ctx context.Context, roomID string) (int64, error)
	// SeqOf returns the seq of a message of the room.
	SeqOf(ctx context.Context, roomID, messageID string) (int64, error)
}

// Latest describes the newest message of a room and a reader's unread
// counts after their marker.
type Latest struct {
	Seq            int64
	LastRev        int64
	At             time.Time
	Message        json.Marshaler
	Unread         int
	UnreadMentions int
}

// Users tells whether users exist and who they are.
type Users interface {
	// Exist returns the ids among ids that are known users.
	Exist(ctx context.Context, ids []string) (map[string]bool, error)
	// Lookup returns the users among ids that exist, with presence, in the
	// order of ids.
	Lookup(ctx context.Context, ids []string) ([]auth.UserInfo, error)
}

// Broadcaster delivers events to Socket.IO rooms on every instance and
// announces membership changes to every instance.
type Broadcaster interface {
	Broadcast(rooms []string, event string, payload any)
	// ChangeMembership announces, once the change is stored, that userID
	// became a member of room (member true) or stopped being one. Every
	// instance runs the functions registered with OnMembershipChange, then
	// makes the sockets of a user who is no longer a member leave the
	// Socket.IO room; this instance does so before the call returns.
	ChangeMembership(room, userID string, member bool)
	// OnMembershipChange registers fn, run for every change any instance
	// announces.
	OnMembershipChange(fn func(room, userID string, member bool))
}

// Service manages rooms and membership.
type Service struct {
	store    Store
	activity Activity
	users    Users
	out      Broadcaster
	log      *slog.Logger
	members  *memberCache
	typing   *typingTracker
	presence Presence
	budget   *sockets.Budget // typing and join_room; nil: unlimited (SetEventBudget)
	receipts *receipts
	purge    *purger
}

// NewService returns a Service.
func NewService(store Store, activity Activity, users Users, presence Presence, out Broadcaster, log *slog.Logger) *Service {
	s := &Service{store: store, activity: activity, users: users, out: out, log: log, presence: presence,
		members: newMemberCache(2 * time.Second)}
	s.typing = newTypingTracker(TypingExpiry, s.typingExpired)
	s.receipts = newReceipts(time.Second, func(ev ReadEvent) { out.Broadcast([]string{ev.RoomID}, "read", ev) })
	s.purge = newPurger(s)
	out.OnMembershipChange(func(room, _ string, _ bool) { s.members.changed(room) })
	return s
}

// Close stops the typing and receipt timers and the purge of deleted rooms.
func (s *Service) Close() {
	s.typing.close()
	s.receipts.close()
	s.purge.close()
}

// CreateRoom creates a group room owned by ownerID with the given members.
func (s *Service) CreateRoom(ctx context.Context, ownerID, name string, members []string) (Room, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return Room{}, ErrInvalidName
	}
	all := uniqueMembers(ownerID, members)
	if err := s.checkUsers(ctx, all); err != nil {
		return Room{}, err
	}
	r := Room{ID: wire.NewID(), Type: TypeGroup, Name: name, OwnerID: ownerID, Members: all, CreatedAt: wire.Now()}
	if err := s.store.CreateRoom(ctx, r); err != nil {
		return Room{}, err
	}
	s.tellMembers(r, r.Members...)
	return r, nil
}

func uniqueMembers(first string, rest []string) []string {
	out := []string{first}
	seen := map[string]bool{first: true}
	for _, m := range rest {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

var errUnknownUser = wire.NewError(wire.NotFound, "user not found")

// checkUsers fails with not_found unless every id is a known user.
func (s *Service) checkUsers(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if id == "" || len(id) > 128 {
			return ErrInvalidMembers
		}
	}
	exist, err := s.users.Exist(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !exist[id] {
			return wire.Errorf(wire.NotFound, "user %q not found", id)
		}
	}
	return nil
}

// OpenDM returns the DM room of a and b, creating it if needed.
func (s *Service) OpenDM(ctx context.Context, a, b string) (Room, bool, error) {
	if a == b {
		return Room{}, false, ErrDMSelf
	}
	if err := s.checkUsers(ctx, []string{b}); err != nil {
		return Room{}, false, err
	}
	r := Room{ID: wire.NewID(), Type: TypeDM, Members: []string{a, b}, CreatedAt: wire.Now()}
	room, created, err := s.store.CreateDM(ctx, r)
	if err != nil {
		return Room{}, false, err
	}
	room, err = s.withActivity(ctx, room)
	if err == nil && created {
		s.tellMembers(room, room.Members...)
	}
	return room, created, err
}

// Get returns a room to one of its members, as its payload shows it
// (Store.ListedRoom).
func (s *Service) Get(ctx context.Context, userID, roomID string) (Room, error) {
	if err := s.checkMember(ctx, roomID, userID); err != nil {
		return Room{}, err
	}
	r, err := s.store.ListedRoom(ctx, roomID)
	if err != nil {
		return Room{}, err
	}
	return s.withActivity(ctx, r)
}

// LastSeq returns the seq of the newest message of a room to one of its
// members. Membership comes from the member cache, so a burst of joins to a
// large room costs no reads of its member list.
func (s *Service) LastSeq(ctx context.Context, userID, roomID string) (int64, error) {
	if _, err := s.Members(ctx, roomID, userID); err != nil {
		return 0, err
	}
	return s.activity.LastSeq(ctx, roomID)
}

// memberRoom loads a room and checks userID belongs to it.
func (s *Service) memberRoom(ctx context.Context, roomID, userID string) (Room, error) {
	if !wire.ValidID(roomID) {
		return Room{}, ErrInvalidRoomID
	}
	r, err := s.readRoom(ctx, roomID)
	if err != nil {
		return Room{}, err
	}
	if !r.IsMember(userID) {
		return Room{}, ErrNotMember
	}
	return r, nil
}

// checkMember returns nil if userID belongs to the room: from the member
// cache, else from the one membership in the store, so that the check
// costs the same in a room of any size.
func (s *Service) checkMember(ctx context.Context, roomID, userID string) error {
	if !wire.ValidID(roomID) {
		return ErrInvalidRoomID
	}
	if members, ok := s.members.get(roomID); ok {
		if slices.Contains(members, userID) {
			return nil
		}
		return ErrNotMember
	}
	member, err := s.store.IsMember(ctx, roomID, userID)
	switch {
	case err != nil:
		return err
	case !member:
		return ErrNotMember
	}
	return nil
}

// Members implements the messages package's Membership: the member ids of
// the room if userID is one of them. Membership is cached for a moment;
// changes made through this instance take effect at once.
func (s *Service) Members(ctx context.Context, roomID, userID string) ([]string, error) {
	if !wire.ValidID(roomID) {
		return nil, ErrInvalidRoomID
	}
	members, ok := s.members.get(roomID)
	if !ok {
		r, err := s.readRoom(ctx, roomID)
		if err != nil {
			return nil, err
		}
		members = r.Members
	}
	for _, m := range members {
		if m == userID {
			return members, nil
		}
	}
	return nil, ErrNotMember
}

// readRoom reads a room from the store and caches its members, unless its
// membership changed while it was being read.
func (s *Service) readRoom(ctx context.Context, roomID string) (Room, error) {
	epoch := s.members.epoch(roomID)
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return Room{}, err
	}
	s.members.fill(r, epoch)
	return r, nil
}

// RemovedAt returns the last time a member left or was removed from the
// room (zero if never).
func (s *Service) RemovedAt(ctx context.Context, roomID string) (time.Time, error) {
	return s.store.RemovedAt(ctx, roomID)
}

// RoomIDs returns the ids of the rooms userID is a member of.
func (s *Service) RoomIDs(ctx context.Context, userID string) ([]string, error) {
	return s.store.RoomIDsOf(ctx, userID)
}

// Role returns userID's role in the room: "dm" in a direct-message room,
// else "owner", "admin" or "member"; forbidden unless userID is a member.
func (s *Service) Role(ctx context.Context, roomID, userID string) (string, error) {
	r, err := s.memberRoom(ctx, roomID, userID)
	if err != nil {
		return "", err
	}
	return r.RoleOf(userID), nil
}

// withActivity fills the room's last seq, last rev and message time.
func (s *Service) withActivity(ctx context.Context, r Room) (Room, error) {
	latest, err := s.activity.Activity(ctx, "", map[string]int64{r.ID: math.MaxInt64})
	if err != nil {
		return Room{}, err
	}
	if l, ok := latest[r.ID]; ok {
		r.LastSeq, r.LastMessageAt, r.LastRev = l.Seq, l.At, l.LastRev
	}
	return r, nil
}

// Summary is a room as the room list shows it, with the caller's read
// marker (ReadSeq: the seq of the last message they marked read).
type Summary struct {
	Room
	ReadSeq        int64
	Unread         int
	UnreadMentions int
	LastMessage    json.Marshaler
}

// MarshalJSON writes the room with its unread counts and last message.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		roomJSON
		ReadSeq        int64          `json:"readSeq"`
		Unread         int            `json:"unread"`
		UnreadMentions int            `json:"unreadMentions"`
		LastMessage    json.Marshaler `json:"lastMessage"`
	}{s.Room.wire(), s.ReadSeq, s.Unread, s.UnreadMentions, s.LastMessage})
}

// List returns the rooms of userID, newest activity first.
func (s *Service) List(ctx context.Context, userID string) ([]Summary, error) {
	rooms, err := s.store.RoomsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	markers, err := s.store.ReadMarkers(ctx, userID)
	if err != nil {
		return nil, err
	}
	after := make(map[string]int64, len(rooms))
	for _, r := range rooms {
		after[r.ID] = markers[r.ID]
	}
	latest, err := s.activity.Activity(ctx, userID, after)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(rooms))
	for _, r := range rooms {
		sum := Summary{Room: r, ReadSeq: markers[r.ID]}
		if l, ok := latest[r.ID]; ok {
			sum.LastSeq, sum.LastMessageAt, sum.LastMessage, sum.LastRev = l.Seq, l.At, l.Message, l.LastRev
			sum.Unread, sum.UnreadMentions = l.Unread, l.UnreadMentions
		}
		out = append(out, sum)
	}
	sort.SliceStable(out, func(i, j int) bool { return activityTime(out[i].Room).After(activityTime(out[j].Room)) })
	return out, nil
}

func activityTime(r Room) time.Time {
	if r.LastMessageAt.After(r.CreatedAt) {
		return r.LastMessageAt
	}
	return r.CreatedAt
}

// AddMember adds userID to a group room; its owner and admins may.
func (s *Service) AddMember(ctx context.Context, callerID, roomID, userID string) (Room, error) {
	r, err := s.manage(ctx, callerID, roomID)
	if err != nil {
		return Room{}, err
	}
	if err := s.checkUsers(ctx, []string{userID}); err != nil {
		return Room{}, err
	}
	return s.admit(ctx, r, userID)
}

// admit makes userID a member of the group room r (a no-op if they are
// one) and tells everyone concerned.
func (s *Service) admit(ctx context.Context, r Room, userID string) (Room, error) {
	already := r.IsMember(userID)
	r, err := s.store.AddMember(ctx, r.ID, userID)
	if err != nil {
		return Room{}, err
	}
	if !already {
		s.out.ChangeMembership(r.ID, userID, true)
	}
	if r, err = s.withActivity(ctx, r); err == nil && !already {
		s.tellMembers(r, userID)
		s.tellUpdated(r, userID)
	}
	return r, err
}

// RemoveMember removes userID from a group room: anyone may leave, the
// owner may remove anyone, an admin only members who are not admins. When
// the owner leaves, the longest-standing admin (else member) becomes the
// owner first; when the last member leaves, the group is deleted.
func (s *Service) RemoveMember(ctx context.Context, callerID, roomID, userID string) error {
	r, err := s.memberRoom(ctx, roomID, callerID)
	if err != nil {
		return err
	}
	if r.Type == TypeDM {
		return ErrDMFixed
	}
	if !r.IsMember(userID) {
		return ErrNotInRoom
	}
	if callerID != userID {
		if err := outranks(r, callerID, userID); err != nil {
			return err
		}
	}
	if r.OwnerID == userID {
		if r, err = s.handOver(ctx, r); err != nil {
			return err
		}
	}
	if len(r.Members) == 1 {
		return s.deleteRoom(ctx, r)
	}
	if err := s.store.RemoveMember(ctx, roomID, userID); err != nil {
		return err
	}
	s.removed(ctx, roomID, userID)
	return nil
}

// outranks checks that callerID may remove or ban userID from r: the owner
// anyone but themselves, an admin only plain members.
func outranks(r Room, callerID, userID string) error {
	switch caller, target := r.RoleOf(callerID), r.RoleOf(userID); {
	case caller != RoleOwner && caller != RoleAdmin:
		return ErrNotAdmin
	case target == RoleOwner, caller == RoleAdmin && target == RoleAdmin:
		return ErrOutranked
	}
	return nil
}

// handOver makes the successor of r's owner the owner, before the owner
// leaves, and returns the room as it was read last. A successor who leaves
// at the same moment is passed over.
func (s *Service) handOver(ctx context.Context, r Room) (Room, error) {
	owner := r.OwnerID
	for range joinAttempts {
		if len(r.Members) == 1 {
			return r, nil
		}
		err := s.store.SetOwner(ctx, r.ID, owner, successor(r, owner))
		switch {
		case err == nil, errors.Is(err, ErrNotOwner):
			return r, nil
		case !errors.Is(err, ErrNotMember):
			return Room{}, err
		}
		if r, err = s.store.Room(ctx, r.ID); err != nil {
			return Room{}, err
		}
	}
	return Room{}, errMembershipChanging
}

// successor is who becomes the owner of r when its owner leaves: the
// longest-standing admin, else the longest-standing other member.
func successor(r Room, leaving string) string {
	if len(r.Admins) > 0 {
		return r.Admins[0]
	}
	for _, m := range r.Members {
		if m != leaving {
			return m
		}
	}
	return ""
}

// removed tells every instance and the user that userID is no longer a
// member, and the remaining members that the room changed. If the room was
// left without an owner who is a member (the owner's successor left at the
// same moment), ownership passes on again.
func (s *Service) removed(ctx context.Context, roomID, userID string) {
	s.out.ChangeMembership(roomID, userID, false)
	s.out.Broadcast([]string{sockets.UserRoom(userID)}, "room_removed", RoomRemovedEvent{RoomID: roomID})
	r, err := s.ensureOwner(ctx, roomID)
	if err != nil {
		s.log.Warn("room after a removal", "room", roomID, "err", err)
		return
	}
	s.tellUpdated(r)
}

// ensureOwner reads the room and, while its owner is not one of its
// members, makes the successor the owner.
func (s *Service) ensureOwner(ctx context.Context, roomID string) (Room, error) {
	for range joinAttempts {
		r, err := s.store.Room(ctx, roomID)
		if err != nil || r.Type == TypeDM || r.IsMember(r.OwnerID) || len(r.Members) == 0 {
			return r, err
		}
		err = s.store.SetOwner(ctx, roomID, r.OwnerID, successor(r, r.OwnerID))
		if err != nil && !errors.Is(err, ErrNotOwner) && !errors.Is(err, ErrNotMember) {
			return Room{}, err
		}
	}
	return s.store.Room(ctx, roomID)
}

// MarkRead moves userID's read marker forward to messageID; when it moves,
// the room's members hear of it (coalesced, see receipts).
func (s *Service) MarkRead(ctx context.Context, userID, roomID, messageID string) error {
	if err := s.checkMember(ctx, roomID, userID); err != nil {
		return err
	}
	seq, err := s.activity.SeqOf(ctx, roomID, messageID)
	if err != nil {
		return err
	}
	moved, err := s.store.MarkRead(ctx, roomID, userID, seq)
	if err == nil && moved {
		s.receipts.note(ReadEvent{RoomID: roomID, UserID: userID, Seq: seq})
	}
	return err
}

// RoomRemovedEvent is the payload of room_removed, sent to a user removed
// from a room (or who left it).
type RoomRemovedEvent struct {
	RoomID string `json:"roomId"`
}

// tellMembers sends room_added with the room to every device of the users,
// so their clients list it and join it without polling.
func (s *Service) tellMembers(r Room, userIDs ...string) {
	s.out.Broadcast(userRooms(userIDs), "room_added", r)
}

// userRooms returns the Socket.IO rooms of every device of the users but
// those in except.
func userRooms(userIDs []string, except ...string) []string {
	targets := make([]string, 0, len(userIDs))
	for _, id := range userIDs {
		if !slices.Contains(except, id) {
			targets = append(targets, sockets.UserRoom(id))
		}
	}
	return targets
}
