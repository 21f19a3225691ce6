package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

// The fakes below answer through function fields.

type fakeActivity struct {
	activity func(ctx context.Context, userID string, markers map[string]int64) (map[string]Latest, error)
	seqOf    func(ctx context.Context, roomID, messageID string) (int64, error)
}

func (f *fakeActivity) Activity(ctx context.Context, userID string, markers map[string]int64) (map[string]Latest, error) {
	return f.activity(ctx, userID, markers)
}

func (f *fakeActivity) LastRev(ctx context.Context, roomID string) (int64, error) {
	l, err := f.activity(ctx, "", map[string]int64{roomID: math.MaxInt64})
	return l[roomID].LastRev, err
}

func (f *fakeActivity) LastSeq(ctx context.Context, roomID string) (int64, error) {
	l, err := f.activity(ctx, "", map[string]int64{roomID: math.MaxInt64})
	return l[roomID].Seq, err
}

func (f *fakeActivity) SeqOf(ctx context.Context, roomID, messageID string) (int64, error) {
	return f.seqOf(ctx, roomID, messageID)
}

type fakeUsers struct {
	exist func(ctx context.Context, ids []string) (map[string]bool, error)
}

func (f *fakeUsers) Exist(ctx context.Context, ids []string) (map[string]bool, error) {
	return f.exist(ctx, ids)
}

// Lookup answers the users that Exist knows, named after their ids, and
// never online.
func (f *fakeUsers) Lookup(ctx context.Context, ids []string) ([]auth.UserInfo, error) {
	exist, err := f.exist(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []auth.UserInfo
	for _, id := range ids {
		if exist[id] {
			out = append(out, auth.UserInfo{ID: id, Username: id, DisplayName: strings.ToUpper(id[:1]) + id[1:]})
		}
	}
	return out, nil
}

type fakePresence struct {
	connect    func(ctx context.Context, userID, socketID string) (bool, error)
	disconnect func(ctx context.Context, userID, socketID string) (bool, error)
}

func (f *fakePresence) Connect(ctx context.Context, userID, socketID string) (bool, error) {
	return f.connect(ctx, userID, socketID)
}

func (f *fakePresence) Disconnect(ctx context.Context, userID, socketID string) (bool, error) {
	return f.disconnect(ctx, userID, socketID)
}

// roomsOut records broadcasts and membership changes, and applies the
// changes as the real one does on one instance: the registered functions
// run, then the sockets of a user who is no longer a member leave the room.
type roomsOut struct {
	mu       sync.Mutex
	sent     []string // "event rooms payload-JSON"
	changes  []string // "room user member"
	onChange []func(room, userID string, member bool)
	sockets  map[string][]*fakeSocket // by user
}

func (o *roomsOut) Broadcast(rooms []string, event string, payload any) {
	b, _ := json.Marshal(payload)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, fmt.Sprintf("%s %v %s", event, rooms, b))
}

// named returns the broadcasts of one event, without the event name.
func (o *roomsOut) named(event string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, s := range o.sent {
		if rest, ok := strings.CutPrefix(s, event+" "); ok {
			out = append(out, rest)
		}
	}
	return out
}

func (o *roomsOut) ChangeMembership(room, userID string, member bool) {
	o.mu.Lock()
	o.changes = append(o.changes, fmt.Sprintf("%s %s %t", room, userID, member))
	o.mu.Unlock()
	o.received(room, userID, member)
}

// received applies a change as if another instance had announced it.
func (o *roomsOut) received(room, userID string, member bool) {
	o.mu.Lock()
	fns, socks := o.onChange, o.sockets[userID]
	o.mu.Unlock()
	for _, fn := range fns {
		fn(room, userID, member)
	}
	if !member {
		for _, s := range socks {
			s.leave(room)
		}
	}
}

func (o *roomsOut) OnMembershipChange(fn func(room, userID string, member bool)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.onChange = append(o.onChange, fn)
}

// changed returns the changes announced so far.
func (o *roomsOut) changed() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.changes...)
}

// roomsFixture is a Service on the embedded store, with users alice, bob,
// carol and dave, and an Activity reporting the latest messages in latest.
type roomsFixture struct {
	svc      *Service
	store    *SQLiteStore
	activity *fakeActivity
	presence *fakePresence
	users    *fakeUsers
	out      *roomsOut
	latest   map[string]Latest
	unreadOf map[string][2]int // by room id
	calls    int               // Activity calls for a reader
	asked    []string          // Unread calls: "room user afterSeq"
}

var roomsTestUsers = map[string]bool{"alice": true, "bob": true, "carol": true, "dave": true}

func newRoomsFixture(t *testing.T) *roomsFixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	store, err := NewSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := &roomsFixture{store: store, out: &roomsOut{sockets: map[string][]*fakeSocket{}}, latest: map[string]Latest{}, unreadOf: map[string][2]int{}}
	f.activity = &fakeActivity{
		activity: func(_ context.Context, userID string, markers map[string]int64) (map[string]Latest, error) {
			if userID != "" {
				f.calls++
			}
			out := map[string]Latest{}
			for id, after := range markers {
				if userID != "" {
					f.asked = append(f.asked, fmt.Sprintf("%s %s %d", id, userID, after))
				}
				if l, ok := f.latest[id]; ok {
					if n := f.unreadOf[id]; l.Seq > after {
						l.Unread, l.UnreadMentions = n[0], n[1]
					}
					out[id] = l
				}
			}
			slices.Sort(f.asked)
			return out, nil
		},
		seqOf: func(_ context.Context, roomID, messageID string) (int64, error) {
			var seq int64
			if _, err := fmt.Sscanf(messageID, "seq-%d", &seq); err != nil {
				return 0, wire.NewError(wire.NotFound, "message not found")
			}
			return seq, nil
		},
	}
	f.users = &fakeUsers{exist: func(_ context.Context, ids []string) (map[string]bool, error) {
		out := map[string]bool{}
		for _, id := range ids {
			out[id] = roomsTestUsers[id]
		}
		return out, nil
	}}
	f.presence = &fakePresence{}
	f.svc = NewService(store, f.activity, f.users, f.presence, f.out, slog.New(slog.DiscardHandler))
	t.Cleanup(f.svc.Close)
	return f
}

func (f *roomsFixture) group(t *testing.T, owner string, members ...string) Room {
	t.Helper()
	r, err := f.svc.CreateRoom(context.Background(), owner, "room of "+owner, members)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantRoomCode(t *testing.T, err error, code wire.Code) {
	t.Helper()
	if got := wire.CodeOf(err); err == nil || got != code {
		t.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
}

func TestCreateRoom(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r, err := f.svc.CreateRoom(ctx, "alice", "  general ", []string{"bob", "alice", "bob", "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if !wire.ValidID(r.ID) || r.Type != TypeGroup || r.Name != "general" || r.OwnerID != "alice" ||
		!reflect.DeepEqual(r.Members, []string{"alice", "bob", "carol"}) {
		t.Errorf("room = %+v", r)
	}
	got, err := f.svc.Get(ctx, "carol", r.ID)
	if err != nil || !reflect.DeepEqual(got.Members, r.Members) || got.OwnerID != "alice" {
		t.Errorf("Get = %+v, %v", got, err)
	}
	var shape map[string]any
	b, _ := json.Marshal(got)
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	if shape["ownerId"] != "alice" || shape["type"] != "group" || shape["lastMessageAt"] != nil ||
		shape["lastSeq"] != float64(0) || shape["createdAt"] != wire.FormatTime(r.CreatedAt) {
		t.Errorf("room JSON = %s", b)
	}
	if _, ok := shape["lastMessageAt"]; !ok {
		t.Errorf("room JSON lacks lastMessageAt: %s", b)
	}
}

func TestCreateRoomValidation(t *testing.T) {
	f := newRoomsFixture(t)
	tests := []struct {
		name    string
		room    string
		members []string
		code    wire.Code // "" for success
	}{
		{"no other member", "solo", nil, ""},
		{"name of 100 code points", strings.Repeat("界", 100), nil, ""},
		{"name of 101 code points", strings.Repeat("界", 101), nil, wire.InvalidArgument},
		{"empty name", "", nil, wire.InvalidArgument},
		{"blank name", " \t ", nil, wire.InvalidArgument},
		{"unknown member", "r", []string{"bob", "zed"}, wire.NotFound},
		{"empty member id", "r", []string{""}, wire.InvalidArgument},
		{"member id of 129 bytes", "r", []string{strings.Repeat("x", 129)}, wire.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.CreateRoom(context.Background(), "alice", tt.room, tt.members)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRoomCode(t, err, tt.code)
		})
	}
}

func TestOpenDM(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.OpenDM(ctx, "alice", "alice"); !errors.Is(err, ErrDMSelf) {
		t.Errorf("DM with oneself = %v", err)
	}
	_, _, err := f.svc.OpenDM(ctx, "alice", "zed")
	wantRoomCode(t, err, wire.NotFound)

	dm, created, err := f.svc.OpenDM(ctx, "alice", "bob")
	if err != nil || !created {
		t.Fatalf("first OpenDM = %v, %v", created, err)
	}
	if dm.Type != TypeDM || dm.OwnerID != "" || dm.Name != "" || len(dm.Members) != 2 || !dm.IsMember("alice") || !dm.IsMember("bob") {
		t.Errorf("DM = %+v", dm)
	}
	for _, pair := range [][2]string{{"alice", "bob"}, {"bob", "alice"}} {
		again, created, err := f.svc.OpenDM(ctx, pair[0], pair[1])
		if err != nil || created || again.ID != dm.ID {
			t.Errorf("OpenDM(%s, %s) = %s, created %v, %v; want %s", pair[0], pair[1], again.ID, created, err, dm.ID)
		}
	}
	b, _ := json.Marshal(dm)
	if !strings.Contains(string(b), `"ownerId":null`) || !strings.Contains(string(b), `"name":""`) || !strings.Contains(string(b), `"type":"dm"`) {
		t.Errorf("DM JSON = %s", b)
	}
	other, created, err := f.svc.OpenDM(ctx, "alice", "carol")
	if err != nil || !created || other.ID == dm.ID {
		t.Errorf("DM with another user = %s, %v, %v", other.ID, created, err)
	}
}

func TestGetAndMembers(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob")
	at := wire.Now().Add(time.Minute)
	f.latest[r.ID] = Latest{Seq: 9, At: at}

	got, err := f.svc.Get(ctx, "bob", r.ID)
	if err != nil || got.LastSeq != 9 || !got.LastMessageAt.Equal(at) {
		t.Errorf("Get = %+v, %v; want lastSeq 9", got, err)
	}
	members, err := f.svc.Members(ctx, r.ID, "bob")
	if err != nil || !reflect.DeepEqual(members, []string{"alice", "bob"}) {
		t.Errorf("Members = %v, %v", members, err)
	}
	tests := []struct {
		name, user, room string
		code             wire.Code
	}{
		{"non-member", "carol", r.ID, wire.Forbidden},
		{"unknown room", "alice", "ffffffffffffffffffffffff", wire.NotFound},
		{"malformed id", "alice", "general", wire.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Get(ctx, tt.user, tt.room)
			wantRoomCode(t, err, tt.code)
			_, err = f.svc.Members(ctx, tt.room, tt.user)
			wantRoomCode(t, err, tt.code)
		})
	}
}

func TestAddMember(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob")
	dm, _, err := f.svc.OpenDM(ctx, "alice", "bob")
	if err != nil {
		t.Fatal(err)
	}
	// Warm the membership cache: a change must show at once.
	if _, err := f.svc.Members(ctx, r.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Members(ctx, r.ID, "carol"); !errors.Is(err, ErrNotMember) {
		t.Fatalf("carol before being added: %v", err)
	}

	tests := []struct {
		name, caller, room, user string
		err                      error
		code                     wire.Code
	}{
		{name: "by a member who is not the owner", caller: "bob", room: r.ID, user: "carol", err: ErrNotAdmin},
		{name: "by a non-member", caller: "carol", room: r.ID, user: "carol", err: ErrNotMember},
		{name: "to a DM", caller: "alice", room: dm.ID, user: "carol", err: ErrDMFixed},
		{name: "an unknown user", caller: "alice", room: r.ID, user: "zed", code: wire.NotFound},
		{name: "to an unknown room", caller: "alice", room: "ffffffffffffffffffffffff", user: "carol", code: wire.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.AddMember(ctx, tt.caller, tt.room, tt.user)
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("AddMember = %v, want %v", err, tt.err)
			}
			if tt.code != "" {
				wantRoomCode(t, err, tt.code)
			}
		})
	}

	got, err := f.svc.AddMember(ctx, "alice", r.ID, "carol")
	if err != nil || !reflect.DeepEqual(got.Members, []string{"alice", "bob", "carol"}) {
		t.Fatalf("owner adds carol = %+v, %v", got, err)
	}
	if _, err := f.svc.Members(ctx, r.ID, "carol"); err != nil {
		t.Errorf("carol after being added: %v", err)
	}
	if again, err := f.svc.AddMember(ctx, "alice", r.ID, "carol"); err != nil || len(again.Members) != 3 {
		t.Errorf("adding a member again = %+v, %v", again, err)
	}
	if got, want := f.out.changed(), []string{r.ID + " carol true"}; !reflect.DeepEqual(got, want) {
		t.Errorf("announced %v, want %v (once: the second add changed nothing)", got, want)
	}
}

func TestRemoveMember(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol", "dave")
	dm, _, err := f.svc.OpenDM(ctx, "alice", "bob")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, caller, room, user string
		err                      error
		code                     wire.Code
	}{
		{name: "someone else, not the owner", caller: "bob", room: r.ID, user: "carol", err: ErrNotAdmin},
		{name: "by a non-member", caller: "zed", room: r.ID, user: "zed", err: ErrNotMember},
		{name: "from a DM", caller: "alice", room: dm.ID, user: "bob", err: ErrDMFixed},
		{name: "leave a DM", caller: "bob", room: dm.ID, user: "bob", err: ErrDMFixed},
		{name: "a user who is not a member", caller: "alice", room: r.ID, user: "zed", code: wire.NotFound},
		{name: "malformed room", caller: "alice", room: "x", user: "bob", code: wire.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.RemoveMember(ctx, tt.caller, tt.room, tt.user)
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("RemoveMember = %v, want %v", err, tt.err)
			}
			if tt.code != "" {
				wantRoomCode(t, err, tt.code)
			}
		})
	}
	if got := f.out.changed(); len(got) != 0 {
		t.Fatalf("refused removals announced %v", got)
	}

	if _, err := f.svc.Members(ctx, r.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveMember(ctx, "alice", r.ID, "carol"); err != nil {
		t.Fatalf("owner removes carol: %v", err)
	}
	if err := f.svc.RemoveMember(ctx, "dave", r.ID, "dave"); err != nil {
		t.Fatalf("dave leaves: %v", err)
	}
	for _, u := range []string{"carol", "dave"} {
		if _, err := f.svc.Members(ctx, r.ID, u); !errors.Is(err, ErrNotMember) {
			t.Errorf("%s after removal: %v, want not a member at once", u, err)
		}
	}
	want := []string{r.ID + " carol false", r.ID + " dave false"}
	if got := f.out.changed(); !reflect.DeepEqual(got, want) {
		t.Errorf("announced %v, want %v", got, want)
	}
	got, err := f.svc.Get(ctx, "bob", r.ID)
	if err != nil || !reflect.DeepEqual(got.Members, []string{"alice", "bob"}) {
		t.Errorf("room after removals = %+v, %v", got.Members, err)
	}
}

func TestListOrderAndUnread(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	quiet, busy, newest := f.group(t, "alice", "bob"), f.group(t, "bob", "alice"), f.group(t, "carol", "alice")
	f.group(t, "bob", "carol") // not alice's
	now := wire.Now()
	f.latest[busy.ID] = Latest{Seq: 5, At: now.Add(time.Hour), Message: json.RawMessage(`{"seq":5}`)}
	f.latest[newest.ID] = Latest{Seq: 3, At: now.Add(2 * time.Hour), Message: json.RawMessage(`{"seq":3}`)}
	f.unreadOf[busy.ID] = [2]int{3, 1}
	f.unreadOf[newest.ID] = [2]int{2, 0}
	if err := f.svc.MarkRead(ctx, "alice", busy.ID, "seq-2"); err != nil {
		t.Fatal(err)
	}

	list, err := f.svc.List(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range list {
		order = append(order, s.ID)
	}
	if want := []string{newest.ID, busy.ID, quiet.ID}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order = %v, want newest activity first %v", order, want)
	}
	if s := list[1]; s.Unread != 3 || s.UnreadMentions != 1 || s.LastSeq != 5 {
		t.Errorf("busy room = unread %d mentions %d lastSeq %d", s.Unread, s.UnreadMentions, s.LastSeq)
	}
	if s := list[2]; s.Unread != 0 || s.LastMessage != nil {
		t.Errorf("quiet room = %+v", s)
	}
	wantAsked := []string{newest.ID + " alice 0", busy.ID + " alice 2", quiet.ID + " alice 0"}
	slices.Sort(wantAsked)
	if !reflect.DeepEqual(f.asked, wantAsked) || f.calls != 1 {
		t.Errorf("activity asked %v in %d calls, want %v in one: every room after its read marker", f.asked, f.calls, wantAsked)
	}

	b, err := json.Marshal(list[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`"unread":3`, `"unreadMentions":1`, `"lastMessage":{"seq":5}`, `"lastSeq":5`, `"members":["bob","alice"]`} {
		if !strings.Contains(string(b), part) {
			t.Errorf("summary JSON %s lacks %s", b, part)
		}
	}
	if b, _ := json.Marshal(list[2]); !strings.Contains(string(b), `"lastMessage":null`) || !strings.Contains(string(b), `"lastMessageAt":null`) {
		t.Errorf("quiet summary JSON = %s", b)
	}
}

func TestMarkRead(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob")
	f.latest[r.ID] = Latest{Seq: 6, At: wire.Now()}

	for _, msg := range []string{"seq-4", "seq-2"} {
		if err := f.svc.MarkRead(ctx, "bob", r.ID, msg); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.List(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if want := []string{r.ID + " bob 4"}; !reflect.DeepEqual(f.asked, want) {
		t.Errorf("activity asked %v, want %v: the marker never moves back", f.asked, want)
	}
	f.asked = nil
	if err := f.svc.MarkRead(ctx, "bob", r.ID, "seq-6"); err != nil {
		t.Fatal(err)
	}
	if list, err := f.svc.List(ctx, "bob"); err != nil || list[0].Unread != 0 || !reflect.DeepEqual(f.asked, []string{r.ID + " bob 6"}) {
		t.Errorf("all read: %+v, asked %v, %v", list, f.asked, err)
	}

	wantRoomCode(t, f.svc.MarkRead(ctx, "carol", r.ID, "seq-1"), wire.Forbidden)
	wantRoomCode(t, f.svc.MarkRead(ctx, "bob", r.ID, "nope"), wire.NotFound)
	wantRoomCode(t, f.svc.MarkRead(ctx, "bob", "nope", "seq-1"), wire.InvalidArgument)
}

func TestPresenceAnnouncements(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r1, r2 := f.group(t, "alice", "bob"), f.group(t, "bob", "alice")
	sockets := map[string]int{}
	f.presence.connect = func(_ context.Context, user, _ string) (bool, error) {
		sockets[user]++
		return sockets[user] == 1, nil
	}
	f.presence.disconnect = func(_ context.Context, user, _ string) (bool, error) {
		sockets[user]--
		return sockets[user] == 0, nil
	}
	for _, s := range []string{"s1", "s2"} {
		if err := f.svc.Connected(ctx, "alice", s); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Connected(ctx, "dave", "s3"); err != nil {
		t.Fatal(err)
	}
	sent := f.out.named("presence")
	if len(sent) != 1 || !strings.HasSuffix(sent[0], `{"userId":"alice","online":true}`) {
		t.Fatalf("after connecting = %q, want one online event", sent)
	}
	if !strings.Contains(sent[0], r1.ID) || !strings.Contains(sent[0], r2.ID) {
		t.Errorf("online event went to %q, want both of alice's rooms", sent[0])
	}
	for _, s := range []string{"s1", "s2"} {
		if err := f.svc.Disconnected(ctx, "alice", s); err != nil {
			t.Fatal(err)
		}
	}
	if sent := f.out.named("presence"); len(sent) != 2 || !strings.Contains(sent[1], `"userId":"alice","online":false,"lastSeenAt":"`) {
		t.Errorf("after disconnecting = %q, want one offline event with lastSeenAt", sent)
	}

	down := wire.Unavailablef("presence", errors.New("gone"))
	f.presence.connect = func(context.Context, string, string) (bool, error) { return false, down }
	if err := f.svc.Connected(ctx, "bob", "s4"); !errors.Is(err, down) {
		t.Errorf("Connected with presence down = %v", err)
	}
}

// TestRoomEventsToUsers: users learn of rooms they join or leave through
// room_added and room_removed on their own Socket.IO room.
func TestRoomEventsToUsers(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob")
	added := f.out.named("room_added")
	if len(added) != 1 || !strings.HasPrefix(added[0], "[user:alice user:bob] {") || !strings.Contains(added[0], `"id":"`+r.ID+`"`) {
		t.Fatalf("room_added after create = %q, want the room to both members", added)
	}

	if _, err := f.svc.AddMember(ctx, "bob", r.ID, "carol"); err == nil {
		t.Fatal("bob added a member")
	}
	if _, err := f.svc.AddMember(ctx, "alice", r.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddMember(ctx, "alice", r.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	added = f.out.named("room_added")
	if len(added) != 2 || !strings.HasPrefix(added[1], "[user:carol] {") || !strings.Contains(added[1], `"members":["alice","bob","carol"]`) {
		t.Errorf("room_added after adds = %q, want one, to carol only, with her in the members", added)
	}

	for range 2 {
		if _, _, err := f.svc.OpenDM(ctx, "bob", "dave"); err != nil {
			t.Fatal(err)
		}
	}
	if added = f.out.named("room_added"); len(added) != 3 || !strings.HasPrefix(added[2], "[user:bob user:dave] {") {
		t.Errorf("room_added after opening a DM twice = %q, want one more, to both", added)
	}

	if err := f.svc.RemoveMember(ctx, "bob", r.ID, "carol"); err == nil {
		t.Fatal("bob removed carol")
	}
	if err := f.svc.RemoveMember(ctx, "alice", r.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveMember(ctx, "bob", r.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	want := []string{"[user:carol] {\"roomId\":\"" + r.ID + "\"}", "[user:bob] {\"roomId\":\"" + r.ID + "\"}"}
	if removed := f.out.named("room_removed"); !reflect.DeepEqual(removed, want) {
		t.Errorf("room_removed = %q, want %q", removed, want)
	}
}
