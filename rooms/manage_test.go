package rooms

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

func ptr(s string) *string { return &s }

func TestRolesAndRanks(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol")
	if _, err := f.svc.AddMember(ctx, "bob", r.ID, "dave"); !errors.Is(err, ErrNotAdmin) {
		t.Fatalf("a member adds: %v, want ErrNotAdmin", err)
	}
	got, err := f.svc.SetRole(ctx, "alice", r.ID, "bob", RoleAdmin)
	if err != nil || !slices.Equal(got.Admins, []string{"bob"}) {
		t.Fatalf("SetRole(bob admin) = %v, %v", got.Admins, err)
	}
	if _, err := f.svc.AddMember(ctx, "bob", r.ID, "dave"); err != nil {
		t.Fatalf("an admin adds: %v", err)
	}
	if err := f.svc.RemoveMember(ctx, "bob", r.ID, "dave"); err != nil {
		t.Fatalf("an admin removes a member: %v", err)
	}
	if role, err := f.svc.Role(ctx, r.ID, "bob"); err != nil || role != RoleAdmin {
		t.Errorf("Role(bob) = %q, %v; want admin", role, err)
	}
	if _, err := f.svc.SetRole(ctx, "alice", r.ID, "carol", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name string
		do   func() error
		want error
	}{
		{"an admin removes the owner", func() error { return f.svc.RemoveMember(ctx, "bob", r.ID, "alice") }, ErrOutranked},
		{"an admin removes an admin", func() error { return f.svc.RemoveMember(ctx, "bob", r.ID, "carol") }, ErrOutranked},
		{"an admin bans an admin", func() error { return f.svc.Ban(ctx, "bob", r.ID, "carol") }, ErrOutranked},
		{"an admin sets a role", func() error { _, err := f.svc.SetRole(ctx, "bob", r.ID, "carol", RoleMember); return err }, ErrNotOwner},
		{"the owner's own role", func() error { _, err := f.svc.SetRole(ctx, "alice", r.ID, "alice", RoleMember); return err }, ErrOwnRole},
		{"an unknown role", func() error { _, err := f.svc.SetRole(ctx, "alice", r.ID, "bob", "king"); return err }, ErrInvalidRole},
		{"the role of a non-member", func() error { _, err := f.svc.SetRole(ctx, "alice", r.ID, "dave", RoleAdmin); return err }, ErrNotInRoom},
		{"banning oneself", func() error { return f.svc.Ban(ctx, "alice", r.ID, "alice") }, errBanSelf},
		{"an admin deletes the room", func() error { return f.svc.DeleteRoom(ctx, "bob", r.ID) }, ErrNotOwner},
	}
	for _, tt := range refused {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := f.svc.RemoveMember(ctx, "alice", r.ID, "carol"); err != nil {
		t.Errorf("the owner removes an admin: %v", err)
	}
}

func TestOwnerLeaving(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol", "dave")
	if _, err := f.svc.SetRole(ctx, "alice", r.ID, "carol", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ leaves, owner string }{
		{"alice", "carol"}, // the longest-standing admin, though bob joined first
		{"carol", "bob"},   // no admin left: the longest-standing member
		{"bob", "dave"},
	}
	for _, st := range steps {
		if err := f.svc.RemoveMember(ctx, st.leaves, r.ID, st.leaves); err != nil {
			t.Fatalf("%s leaves: %v", st.leaves, err)
		}
		got, err := f.store.Room(ctx, r.ID)
		if err != nil || got.OwnerID != st.owner || got.IsMember(st.leaves) {
			t.Fatalf("after %s left: owner %q, members %v, %v; want owner %s", st.leaves, got.OwnerID, got.Members, err, st.owner)
		}
	}
	if err := f.svc.RemoveMember(ctx, "dave", r.ID, "dave"); err != nil {
		t.Fatalf("the last member leaves: %v", err)
	}
	if _, err := f.store.Room(ctx, r.ID); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("the group after its last member left: %v, want deleted", err)
	}
	if removed := f.out.named("room_removed"); len(removed) != 4 {
		t.Errorf("room_removed sent %d times, want 4 (one per member): %v", len(removed), removed)
	}
}

func TestTransferOwnership(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol")
	got, err := f.svc.SetRole(ctx, "alice", r.ID, "bob", RoleOwner)
	if err != nil || got.OwnerID != "bob" || got.RoleOf("alice") != RoleAdmin {
		t.Fatalf("transfer = owner %q, alice %q, %v", got.OwnerID, got.RoleOf("alice"), err)
	}
	if _, err := f.svc.SetRole(ctx, "alice", r.ID, "carol", RoleOwner); !errors.Is(err, ErrNotOwner) {
		t.Errorf("the former owner transfers again: %v, want ErrNotOwner", err)
	}
	updates := f.out.named("room_updated")
	if len(updates) != 1 || !strings.Contains(updates[0], `"ownerId":"bob"`) {
		t.Fatalf("room_updated = %v, want one with the new owner", updates)
	}
	for _, u := range []string{"alice", "bob", "carol"} {
		if !strings.Contains(updates[0], "user:"+u) {
			t.Errorf("room_updated did not reach %s: %s", u, updates[0])
		}
	}
}

func TestBanKeepsOut(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol")
	if err := f.svc.Ban(ctx, "alice", r.ID, "bob"); err != nil {
		t.Fatalf("Ban: %v", err)
	}
	if _, err := f.svc.Members(ctx, r.ID, "bob"); !errors.Is(err, ErrNotMember) {
		t.Errorf("banned bob is still a member: %v", err)
	}
	if got := f.out.changed(); !slices.Contains(got, r.ID+" bob false") {
		t.Errorf("the ban was not announced: %v", got)
	}
	_, err := f.svc.AddMember(ctx, "alice", r.ID, "bob")
	wantRoomCode(t, err, wire.Forbidden)
	if !errors.Is(err, ErrBanned) {
		t.Errorf("adding banned bob: %v, want ErrBanned", err)
	}
	if err := f.svc.Ban(ctx, "alice", r.ID, "dave"); err != nil {
		t.Errorf("banning a non-member: %v", err)
	}
	if ids, err := f.svc.Bans(ctx, "alice", r.ID); err != nil || !slices.Equal(ids, []string{"bob", "dave"}) {
		t.Errorf("Bans = %v, %v", ids, err)
	}
	if _, err := f.svc.Bans(ctx, "carol", r.ID); !errors.Is(err, ErrNotAdmin) {
		t.Errorf("a member lists bans: %v, want ErrNotAdmin", err)
	}
	if err := f.svc.Unban(ctx, "alice", r.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddMember(ctx, "alice", r.ID, "bob"); err != nil {
		t.Errorf("adding bob after the unban: %v", err)
	}
	if err := f.svc.Ban(ctx, "alice", r.ID, "zed"); wire.CodeOf(err) != wire.NotFound {
		t.Errorf("banning an unknown user: %v, want not_found", err)
	}
}

func TestUpdateRoom(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob")
	dm, _, err := f.svc.OpenDM(ctx, "alice", "carol")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.UpdateRoom(ctx, "alice", r.ID, ptr("  Design  "), ptr("Mondays at ten"))
	if err != nil || got.Name != "Design" || got.Topic != "Mondays at ten" {
		t.Fatalf("UpdateRoom = %+v, %v", got, err)
	}
	if updates := f.out.named("room_updated"); len(updates) != 1 || !strings.Contains(updates[0], `"topic":"Mondays at ten"`) ||
		!strings.Contains(updates[0], "user:bob") {
		t.Errorf("room_updated = %v", updates)
	}
	refused := []struct {
		name         string
		caller, id   string
		name2, topic *string
		want         error
	}{
		{"a member", "bob", r.ID, ptr("x"), nil, ErrNotAdmin},
		{"an empty name", "alice", r.ID, ptr("   "), nil, ErrInvalidName},
		{"a long name", "alice", r.ID, ptr(strings.Repeat("名", 101)), nil, ErrInvalidName},
		{"a long topic", "alice", r.ID, nil, ptr(strings.Repeat("é", 501)), ErrInvalidTopic},
		{"a DM", "alice", dm.ID, nil, ptr("x"), ErrDMFixed},
		{"a non-member", "carol", r.ID, nil, ptr("x"), ErrNotMember},
	}
	for _, tt := range refused {
		if _, err := f.svc.UpdateRoom(ctx, tt.caller, tt.id, tt.name2, tt.topic); !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := f.svc.UpdateRoom(ctx, "alice", r.ID, nil, ptr(strings.Repeat("é", 500))); err != nil {
		t.Errorf("a topic of 500 code points: %v", err)
	}
}

func TestReadsListEveryMember(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol")
	if err := f.svc.MarkRead(ctx, "bob", r.ID, "seq-4"); err != nil {
		t.Fatal(err)
	}
	reads, err := f.svc.Reads(ctx, "alice", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 3 || reads[1].UserID != "bob" || reads[1].Seq != 4 || reads[1].At == nil ||
		reads[0].At != nil || reads[2].Seq != 0 {
		t.Errorf("Reads = %+v", reads)
	}
	if _, err := f.svc.Reads(ctx, "dave", r.ID); !errors.Is(err, ErrNotMember) {
		t.Errorf("a non-member reads receipts: %v", err)
	}
}

// TestReceiptsCoalesce moves one marker five times within an interval: the
// first move goes out at once, the others as one event with the latest
// seq at the end of the interval; another user's move is not held back.
func TestReceiptsCoalesce(t *testing.T) {
	var mu sync.Mutex
	var sent []ReadEvent
	c := newReceipts(200*time.Millisecond, func(ev ReadEvent) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, ev)
	})
	defer c.close()
	for seq := int64(1); seq <= 5; seq++ {
		c.note(ReadEvent{RoomID: "r", UserID: "bob", Seq: seq})
	}
	c.note(ReadEvent{RoomID: "r", UserID: "carol", Seq: 2})
	snapshot := func() []ReadEvent {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(sent)
	}
	want := []ReadEvent{{"r", "bob", 1}, {"r", "carol", 2}}
	if got := snapshot(); !slices.Equal(got, want) {
		t.Fatalf("sent at once %v, want %v", got, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(snapshot()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	want = append(want, ReadEvent{"r", "bob", 5})
	if got := snapshot(); !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// countingPurger records the rooms it purged.
type countingPurger struct {
	mu     sync.Mutex
	purged []string
}

func (p *countingPurger) PurgeRoom(_ context.Context, roomID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.purged = append(p.purged, roomID)
	return nil
}

func TestDeleteRoom(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "bob", "carol")
	if err := f.svc.MarkRead(ctx, "bob", r.ID, "seq-2"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteRoom(ctx, "bob", r.ID); !errors.Is(err, ErrNotAdmin) {
		t.Fatalf("a member deletes: %v, want ErrNotAdmin", err)
	}
	if err := f.svc.DeleteRoom(ctx, "alice", r.ID); err != nil {
		t.Fatalf("DeleteRoom: %v", err)
	}
	if _, err := f.svc.Get(ctx, "bob", r.ID); wire.CodeOf(err) != wire.NotFound {
		t.Errorf("Get(deleted) = %v, want not_found", err)
	}
	changes := f.out.changed()
	for _, u := range []string{"alice", "bob", "carol"} {
		if !slices.Contains(changes, r.ID+" "+u+" false") {
			t.Errorf("%s's leaving not announced: %v", u, changes)
		}
	}
	if removed := f.out.named("room_removed"); len(removed) != 1 || !strings.Contains(removed[0], "user:carol") {
		t.Errorf("room_removed = %v", removed)
	}
	p := &countingPurger{}
	f.svc.UsePurger(p)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if left, err := f.store.DeletedRooms(ctx, 10); err == nil && len(left) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if left, err := f.store.DeletedRooms(ctx, 10); err != nil || len(left) != 0 {
		t.Errorf("rooms left unpurged: %v, %v", left, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Equal(p.purged, []string{r.ID}) {
		t.Errorf("purged %v, want [%s]", p.purged, r.ID)
	}
	if reads, err := f.store.Reads(ctx, r.ID); err != nil || len(reads) != 0 {
		t.Errorf("markers of the purged room: %v, %v", reads, err)
	}
}
