package rooms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

// testRoomStore is the contract every Store implementation passes. newStore
// may hand out stores that share one database, so every subtest makes its
// own room and user ids and never assumes an empty store.
func testRoomStore(t *testing.T, newStore func(t *testing.T) Store) {
	subtests := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"CreateRoomThenRead", testRoomStoreCreateThenRead},
		{"UnknownRoom", testRoomStoreUnknown},
		{"RoomsOf", testRoomStoreRoomsOf},
		{"ListedRoom", testRoomStoreListedRoom},
		{"IsMember", testRoomStoreIsMember},
		{"AddMember", testRoomStoreAddMember},
		{"RemoveMember", testRoomStoreRemoveMember},
		{"CreateDM", testRoomStoreCreateDM},
		{"CreateDMConcurrent", testRoomStoreCreateDMConcurrent},
		{"ReadMarkers", testRoomStoreReadMarkers},
		{"UpdateRoom", testRoomStoreUpdate},
		{"Roles", testRoomStoreRoles},
		{"SetOwnerConcurrent", testRoomStoreSetOwnerConcurrent},
		{"Bans", testRoomStoreBans},
		{"BanRacingAdd", testRoomStoreBanRacingAdd},
		{"DeleteAndPurge", testRoomStoreDeleteAndPurge},
	}
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			st.run(t, newStore(t))
		})
	}
}

func testRoomStoreCreateThenRead(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c := roomTestUser(), roomTestUser(), roomTestUser()
	r := roomTestGroup(a, c, b)
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	got, err := s.Room(ctx, r.ID)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	roomTestSame(t, got, r)
}

func testRoomStoreUnknown(t *testing.T, s Store) {
	ctx := context.Background()
	id := wire.NewID()
	if _, err := s.Room(ctx, id); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("Room(unknown) error = %v, want ErrRoomNotFound", err)
	}
	if _, err := s.AddMember(ctx, id, roomTestUser()); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("AddMember(unknown room) error = %v, want ErrRoomNotFound", err)
	}
	if err := s.RemoveMember(ctx, id, roomTestUser()); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("RemoveMember(unknown room) error = %v, want ErrRoomNotFound", err)
	}
	if _, err := s.Room(ctx, id); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("AddMember created the unknown room: Room error = %v", err)
	}
}

func testRoomStoreRoomsOf(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c := roomTestUser(), roomTestUser(), roomTestUser()
	r1, r2, r3 := roomTestGroup(a), roomTestGroup(b, a), roomTestGroup(c, b)
	for _, r := range []Room{r1, r2, r3} {
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatalf("CreateRoom: %v", err)
		}
	}
	dm, _, err := s.CreateDM(ctx, roomTestDM(a, c))
	if err != nil {
		t.Fatalf("CreateDM: %v", err)
	}
	got, err := s.RoomsOf(ctx, a)
	if err != nil {
		t.Fatalf("RoomsOf: %v", err)
	}
	roomTestSameSet(t, got, []Room{r1, r2, dm})
	got, err = s.RoomsOf(ctx, roomTestUser())
	if err != nil || len(got) != 0 {
		t.Errorf("RoomsOf(unknown user) = %v, %v; want none", got, err)
	}
	ids, err := s.RoomIDsOf(ctx, a)
	if err != nil {
		t.Fatalf("RoomIDsOf: %v", err)
	}
	slices.Sort(ids)
	want := []string{r1.ID, r2.ID, dm.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("RoomIDsOf = %v, want %v", ids, want)
	}
	if ids, err := s.RoomIDsOf(ctx, roomTestUser()); err != nil || ids == nil || len(ids) != 0 {
		t.Errorf("RoomIDsOf(unknown user) = %#v, %v; want an empty list", ids, err)
	}
}

// testRoomStoreListedRoom reads a room of MaxListedMembers members, which
// lists them, and one that grows past it, which lists its admins and its
// count only, through ListedRoom and RoomsOf.
func testRoomStoreListedRoom(t *testing.T, s Store) {
	ctx := context.Background()
	owner := roomTestUser()
	others := make([]string, MaxListedMembers-1)
	for i := range others {
		others[i] = roomTestUser()
	}
	small, big := roomTestGroup(owner, others[:3]...), roomTestGroup(owner, others...)
	for _, r := range []Room{small, big} {
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatalf("CreateRoom: %v", err)
		}
	}
	admins := []string{others[150], others[7]}
	for _, u := range admins {
		if err := s.SetRole(ctx, big.ID, u, RoleAdmin); err != nil {
			t.Fatalf("SetRole: %v", err)
		}
	}
	slices.Reverse(admins) // in the order they joined
	got, err := s.ListedRoom(ctx, big.ID)
	if err != nil {
		t.Fatalf("ListedRoom: %v", err)
	}
	if !slices.Equal(got.Members, big.Members) || !slices.Equal(got.Admins, admins) || got.OwnerID != owner || got.Name != big.Name {
		t.Errorf("ListedRoom of %d members = %+v; want them all listed, admins %v", MaxListedMembers, got, admins)
	}
	last := roomTestUser()
	if _, err := s.AddMember(ctx, big.ID, last); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	check := func(what string, got Room) {
		t.Helper()
		if got.Members != nil || got.MemberCount != MaxListedMembers+1 || !slices.Equal(got.Admins, admins) ||
			got.OwnerID != owner || got.Name != big.Name || !got.CreatedAt.Equal(big.CreatedAt) {
			t.Errorf("%s of %d members = members %d listed, count %d, admins %v, owner %q; want none listed, count %d, admins %v, owner %q",
				what, MaxListedMembers+1, len(got.Members), got.MemberCount, got.Admins, got.OwnerID, MaxListedMembers+1, admins, owner)
		}
	}
	got, err = s.ListedRoom(ctx, big.ID)
	if err != nil {
		t.Fatalf("ListedRoom: %v", err)
	}
	check("ListedRoom", got)
	of, err := s.RoomsOf(ctx, owner)
	if err != nil {
		t.Fatalf("RoomsOf: %v", err)
	}
	if len(of) != 2 {
		t.Fatalf("RoomsOf = %d rooms, want 2", len(of))
	}
	for _, r := range of {
		switch r.ID {
		case big.ID:
			check("RoomsOf", r)
		case small.ID:
			roomTestSame(t, r, small)
			if r.MemberCount != len(small.Members) {
				t.Errorf("RoomsOf: small room's MemberCount = %d, want %d", r.MemberCount, len(small.Members))
			}
		default:
			t.Errorf("RoomsOf returned room %s, not one of the user's", r.ID)
		}
	}
	full, err := s.Room(ctx, big.ID)
	if err != nil || len(full.Members) != MaxListedMembers+1 || full.Members[MaxListedMembers] != last {
		t.Errorf("Room of %d members = %d members, %v; want all of them", MaxListedMembers+1, len(full.Members), err)
	}
	if err := s.Ban(ctx, big.ID, last); err != nil {
		t.Fatalf("Ban: %v", err)
	}
	if got, err := s.ListedRoom(ctx, big.ID); err != nil || !slices.Equal(got.Members, big.Members) {
		t.Errorf("ListedRoom once back to %d members = %d listed, %v; want all listed", MaxListedMembers, len(got.Members), err)
	}
	if _, err := s.ListedRoom(ctx, wire.NewID()); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("ListedRoom(unknown) error = %v, want ErrRoomNotFound", err)
	}
}

func testRoomStoreIsMember(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c := roomTestUser(), roomTestUser(), roomTestUser()
	r := roomTestGroup(a, b)
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	for user, want := range map[string]bool{a: true, b: true, c: false} {
		if got, err := s.IsMember(ctx, r.ID, user); err != nil || got != want {
			t.Errorf("IsMember(%s) = %v, %v; want %v", user, got, err, want)
		}
	}
	if err := s.RemoveMember(ctx, r.ID, b); err != nil {
		t.Fatal(err)
	}
	if got, err := s.IsMember(ctx, r.ID, b); err != nil || got {
		t.Errorf("IsMember(removed) = %v, %v; want false", got, err)
	}
	if _, err := s.IsMember(ctx, wire.NewID(), a); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("IsMember(unknown room) error = %v, want ErrRoomNotFound", err)
	}
	if err := s.DeleteRoom(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IsMember(ctx, r.ID, a); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("IsMember(deleted room) error = %v, want ErrRoomNotFound", err)
	}
}

func testRoomStoreAddMember(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c := roomTestUser(), roomTestUser(), roomTestUser()
	r := roomTestGroup(a, b)
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	for range 2 { // the second time changes nothing
		got, err := s.AddMember(ctx, r.ID, c)
		if err != nil {
			t.Fatalf("AddMember: %v", err)
		}
		if want := []string{a, b, c}; !slices.Equal(got.Members, want) {
			t.Errorf("AddMember returned members %v, want %v", got.Members, want)
		}
	}
	got, err := s.Room(ctx, r.ID)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	if want := []string{a, b, c}; !slices.Equal(got.Members, want) {
		t.Errorf("members = %v, want %v", got.Members, want)
	}
	of, err := s.RoomsOf(ctx, c)
	if err != nil {
		t.Fatalf("RoomsOf: %v", err)
	}
	r.Members = []string{a, b, c}
	roomTestSameSet(t, of, []Room{r})
}

func testRoomStoreRemoveMember(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c, d := roomTestUser(), roomTestUser(), roomTestUser(), roomTestUser()
	r := roomTestGroup(a, b, c)
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	if at, err := s.RemovedAt(ctx, r.ID); err != nil || !at.IsZero() {
		t.Errorf("RemovedAt of a room nobody left = %v, %v; want zero", at, err)
	}
	before := time.Now().Add(-time.Millisecond)
	for _, user := range []string{b, b, d} { // b twice, and d never joined
		if err := s.RemoveMember(ctx, r.ID, user); err != nil {
			t.Fatalf("RemoveMember: %v", err)
		}
	}
	roomTestMembers(t, s, r.ID, []string{a, c})
	if at, err := s.RemovedAt(ctx, r.ID); err != nil || at.Before(before) || at.After(time.Now()) {
		t.Errorf("RemovedAt after a removal = %v, %v; want about now", at, err)
	}
	if _, err := s.RemovedAt(ctx, wire.NewID()); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("RemovedAt of an unknown room = %v", err)
	}
	if of, err := s.RoomsOf(ctx, b); err != nil || len(of) != 0 {
		t.Errorf("RoomsOf(removed member) = %v, %v; want none", of, err)
	}
	// Joining again puts b last.
	if _, err := s.AddMember(ctx, r.ID, b); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	roomTestMembers(t, s, r.ID, []string{a, c, b})
}

func testRoomStoreCreateDM(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c := roomTestUser(), roomTestUser(), roomTestUser()
	first := roomTestDM(a, b)
	got, created, err := s.CreateDM(ctx, first)
	if err != nil || !created {
		t.Fatalf("CreateDM(a, b) = created %v, %v; want created", created, err)
	}
	roomTestSame(t, got, first)
	again, created, err := s.CreateDM(ctx, roomTestDM(b, a))
	if err != nil || created {
		t.Fatalf("CreateDM(b, a) = created %v, %v; want the existing room", created, err)
	}
	roomTestSame(t, again, first)
	stored, err := s.Room(ctx, first.ID)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	roomTestSame(t, stored, first)
	other, created, err := s.CreateDM(ctx, roomTestDM(a, c))
	if err != nil || !created || other.ID == first.ID {
		t.Errorf("CreateDM(a, c) = %s created %v, %v; want a new room", other.ID, created, err)
	}
}

func testRoomStoreCreateDMConcurrent(t *testing.T, s Store) {
	ctx := context.Background()
	a, b := roomTestUser(), roomTestUser()
	const racers = 8
	rooms := make([]Room, racers)
	created := make([]bool, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			pair := roomTestDM(a, b)
			if i%2 == 1 {
				pair = roomTestDM(b, a)
			}
			var err error
			if rooms[i], created[i], err = s.CreateDM(ctx, pair); err != nil {
				t.Errorf("CreateDM: %v", err)
			}
		})
	}
	wg.Wait()
	var n int
	for i := range racers {
		if created[i] {
			n++
		}
		if rooms[i].ID != rooms[0].ID {
			t.Errorf("racing CreateDM returned rooms %s and %s", rooms[0].ID, rooms[i].ID)
		}
	}
	if n != 1 {
		t.Errorf("%d racing CreateDM calls created a room, want 1", n)
	}
}

func testRoomStoreReadMarkers(t *testing.T, s Store) {
	ctx := context.Background()
	a, b := roomTestUser(), roomTestUser()
	r1, r2 := wire.NewID(), wire.NewID()
	steps := []struct {
		room, user string
		seq        int64
	}{
		{r1, a, 5}, {r1, a, 3}, {r1, a, 5}, {r2, a, 2}, {r2, a, 9}, {r1, b, 1},
	}
	before := time.Now().Add(-time.Millisecond)
	for i, st := range steps {
		moved, err := s.MarkRead(ctx, st.room, st.user, st.seq)
		if err != nil {
			t.Fatalf("MarkRead: %v", err)
		}
		if want := i != 1 && i != 2; moved != want {
			t.Errorf("MarkRead step %d (%+v) moved = %v, want %v", i, st, moved, want)
		}
	}
	reads, err := s.Reads(ctx, r1)
	if err != nil {
		t.Fatalf("Reads: %v", err)
	}
	if len(reads) != 2 || reads[a].Seq != 5 || reads[b].Seq != 1 {
		t.Errorf("Reads(r1) = %+v, want a at 5 and b at 1", reads)
	}
	for user, rd := range reads {
		if rd.At.Before(before) || rd.At.After(time.Now()) {
			t.Errorf("Reads(r1)[%s].At = %v, want about now", user, rd.At)
		}
	}
	for user, want := range map[string]map[string]int64{
		a:              {r1: 5, r2: 9},
		b:              {r1: 1},
		roomTestUser(): {},
	} {
		got, err := s.ReadMarkers(ctx, user)
		if err != nil {
			t.Fatalf("ReadMarkers: %v", err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("ReadMarkers = %v, want %v", got, want)
		}
	}
}

func testRoomStoreUpdate(t *testing.T, s Store) {
	ctx := context.Background()
	r := roomTestGroup(roomTestUser())
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	topic := "the plan for Monday"
	got, err := s.UpdateRoom(ctx, r.ID, nil, &topic)
	if err != nil || got.Name != r.Name || got.Topic != topic {
		t.Fatalf("UpdateRoom(topic) = %+v, %v", got, err)
	}
	name := "renamed"
	if got, err = s.UpdateRoom(ctx, r.ID, &name, nil); err != nil || got.Name != name || got.Topic != topic {
		t.Fatalf("UpdateRoom(name) = %+v, %v", got, err)
	}
	if got, err = s.Room(ctx, r.ID); err != nil || got.Name != name || got.Topic != topic {
		t.Errorf("Room after updates = %+v, %v", got, err)
	}
	if _, err := s.UpdateRoom(ctx, wire.NewID(), &name, nil); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("UpdateRoom(unknown) error = %v", err)
	}
}

func testRoomStoreRoles(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c, d := roomTestUser(), roomTestUser(), roomTestUser(), roomTestUser()
	r := roomTestGroup(a, b, c)
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	roomTestRoles(t, s, r.ID, a, nil)
	for _, u := range []string{c, b} {
		if err := s.SetRole(ctx, r.ID, u, RoleAdmin); err != nil {
			t.Fatalf("SetRole(admin): %v", err)
		}
	}
	roomTestRoles(t, s, r.ID, a, []string{b, c}) // in the order they joined
	if err := s.SetRole(ctx, r.ID, c, RoleMember); err != nil {
		t.Fatalf("SetRole(member): %v", err)
	}
	roomTestRoles(t, s, r.ID, a, []string{b})
	if err := s.SetRole(ctx, r.ID, d, RoleAdmin); !errors.Is(err, ErrNotMember) {
		t.Errorf("SetRole(not a member) error = %v, want ErrNotMember", err)
	}
	if err := s.SetOwner(ctx, r.ID, a, c); err != nil {
		t.Fatalf("SetOwner: %v", err)
	}
	roomTestRoles(t, s, r.ID, c, []string{a, b})
	if err := s.SetOwner(ctx, r.ID, a, b); !errors.Is(err, ErrNotOwner) {
		t.Errorf("SetOwner from a former owner: error = %v, want ErrNotOwner", err)
	}
	if err := s.SetOwner(ctx, r.ID, c, d); !errors.Is(err, ErrNotMember) {
		t.Errorf("SetOwner to a non-member: error = %v, want ErrNotMember", err)
	}
	roomTestRoles(t, s, r.ID, c, []string{a, b})
	// A role does not outlive the membership.
	if err := s.RemoveMember(ctx, r.ID, b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMember(ctx, r.ID, b); err != nil {
		t.Fatal(err)
	}
	roomTestRoles(t, s, r.ID, c, []string{a})
}

// testRoomStoreSetOwnerConcurrent transfers the ownership of one room to
// eight members at once: exactly one transfer wins, and the room ends with
// one owner who is a member and the old owner as an admin.
func testRoomStoreSetOwnerConcurrent(t *testing.T, s Store) {
	ctx := context.Background()
	owner := roomTestUser()
	var others []string
	for range 8 {
		others = append(others, roomTestUser())
	}
	r := roomTestGroup(owner, others...)
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(others))
	for i, u := range others {
		wg.Go(func() { errs[i] = s.SetOwner(ctx, r.ID, owner, u) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrNotOwner):
			t.Errorf("SetOwner error = %v", err)
		}
	}
	got, err := s.Room(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || !slices.Contains(others, got.OwnerID) {
		t.Errorf("%d transfers won; owner %s", won, got.OwnerID)
	}
	if got.RoleOf(owner) != RoleAdmin || len(got.Members) != 9 {
		t.Errorf("after the transfer: old owner is %q, %d members", got.RoleOf(owner), len(got.Members))
	}
}

func testRoomStoreBans(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c, d := roomTestUser(), roomTestUser(), roomTestUser(), roomTestUser()
	r := roomTestGroup(a, b, c)
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	for _, u := range []string{b, d, b} { // d is not a member; b twice
		if err := s.Ban(ctx, r.ID, u); err != nil {
			t.Fatalf("Ban: %v", err)
		}
	}
	roomTestMembers(t, s, r.ID, []string{a, c})
	if bans, err := s.Bans(ctx, r.ID); err != nil || !slices.Equal(bans, []string{b, d}) {
		t.Errorf("Bans = %v, %v; want [%s %s]", bans, err, b, d)
	}
	if _, err := s.AddMember(ctx, r.ID, b); !errors.Is(err, ErrBanned) {
		t.Errorf("AddMember(banned) error = %v, want ErrBanned", err)
	}
	roomTestMembers(t, s, r.ID, []string{a, c})
	if banned, err := s.Banned(ctx, r.ID, d); err != nil || !banned {
		t.Errorf("Banned(d) = %v, %v", banned, err)
	}
	if err := s.Unban(ctx, r.ID, b); err != nil {
		t.Fatalf("Unban: %v", err)
	}
	if err := s.Unban(ctx, r.ID, b); !errors.Is(err, ErrNotBanned) {
		t.Errorf("Unban twice: error = %v, want ErrNotBanned", err)
	}
	if _, err := s.AddMember(ctx, r.ID, b); err != nil {
		t.Errorf("AddMember after Unban: %v", err)
	}
	if banned, err := s.Banned(ctx, r.ID, b); err != nil || banned {
		t.Errorf("Banned(b) after Unban = %v, %v", banned, err)
	}
	if err := s.Ban(ctx, wire.NewID(), b); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("Ban in an unknown room: error = %v", err)
	}
}

// testRoomStoreBanRacingAdd adds and bans users at the same moment: once
// both are done, no banned user is a member, whichever came first.
func testRoomStoreBanRacingAdd(t *testing.T, s Store) {
	ctx := context.Background()
	r := roomTestGroup(roomTestUser())
	if err := s.CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	users := make([]string, 12)
	for i := range users {
		users[i] = roomTestUser()
	}
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			if _, err := s.AddMember(ctx, r.ID, u); err != nil && !errors.Is(err, ErrBanned) {
				t.Errorf("AddMember: %v", err)
			}
		})
		wg.Go(func() {
			if err := s.Ban(ctx, r.ID, u); err != nil {
				t.Errorf("Ban: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.Room(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if got.IsMember(u) {
			t.Errorf("banned user %s is a member", u)
		}
	}
}

func testRoomStoreDeleteAndPurge(t *testing.T, s Store) {
	ctx := context.Background()
	a, b, c := roomTestUser(), roomTestUser(), roomTestUser()
	r, kept := roomTestGroup(a, b), roomTestGroup(a, c)
	for _, room := range []Room{r, kept} {
		if err := s.CreateRoom(ctx, room); err != nil {
			t.Fatalf("CreateRoom: %v", err)
		}
		if _, err := s.MarkRead(ctx, room.ID, a, 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Ban(ctx, r.ID, c); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRoom(ctx, r.ID); err != nil {
		t.Fatalf("DeleteRoom: %v", err)
	}
	if err := s.DeleteRoom(ctx, r.ID); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("DeleteRoom twice: error = %v, want ErrRoomNotFound", err)
	}
	if _, err := s.Room(ctx, r.ID); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("Room(deleted) error = %v, want ErrRoomNotFound", err)
	}
	if _, err := s.AddMember(ctx, r.ID, c); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("AddMember(deleted room) error = %v, want ErrRoomNotFound", err)
	}
	of, err := s.RoomsOf(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	kept.Members = []string{a, c}
	roomTestSameSet(t, of, []Room{kept})
	deleted, err := s.DeletedRooms(ctx, 1000)
	if err != nil || !slices.Contains(deleted, r.ID) || slices.Contains(deleted, kept.ID) {
		t.Fatalf("DeletedRooms = %v, %v; want %s among them", deleted, err, r.ID)
	}
	// Two memberships, one marker and one ban, in batches of two.
	var steps []int
	for range 5 {
		n, err := s.PurgeRoom(ctx, r.ID, 2)
		if err != nil {
			t.Fatalf("PurgeRoom: %v", err)
		}
		if steps = append(steps, n); n == 0 {
			break
		}
	}
	if !slices.Equal(steps, []int{2, 2, 0}) {
		t.Errorf("PurgeRoom deleted %v per batch, want [2 2 0]", steps)
	}
	if deleted, err := s.DeletedRooms(ctx, 1000); err != nil || slices.Contains(deleted, r.ID) {
		t.Errorf("DeletedRooms after the purge = %v, %v", deleted, err)
	}
	if reads, err := s.Reads(ctx, r.ID); err != nil || len(reads) != 0 {
		t.Errorf("Reads of the purged room = %v, %v", reads, err)
	}
	if bans, err := s.Bans(ctx, r.ID); err != nil || len(bans) != 0 {
		t.Errorf("Bans of the purged room = %v, %v", bans, err)
	}
	if reads, err := s.Reads(ctx, kept.ID); err != nil || reads[a].Seq != 3 {
		t.Errorf("Reads of the other room = %v, %v", reads, err)
	}
	if n, err := s.PurgeRoom(ctx, r.ID, 2); err != nil || n != 0 {
		t.Errorf("PurgeRoom of a purged room = %d, %v", n, err)
	}
}

func roomTestRoles(t *testing.T, s Store, roomID, owner string, admins []string) {
	t.Helper()
	got, err := s.Room(context.Background(), roomID)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	if got.OwnerID != owner || !slices.Equal(got.Admins, admins) {
		t.Errorf("owner %s admins %v, want %s %v", got.OwnerID, got.Admins, owner, admins)
	}
}

// roomTestUser returns a fresh user id.
func roomTestUser() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "user-" + hex.EncodeToString(b)
}

func roomTestGroup(owner string, others ...string) Room {
	return Room{ID: wire.NewID(), Type: TypeGroup, Name: "room " + owner, OwnerID: owner,
		Members: append([]string{owner}, others...), CreatedAt: wire.Now().Add(-time.Minute)}
}

func roomTestDM(a, b string) Room {
	return Room{ID: wire.NewID(), Type: TypeDM, Members: []string{a, b}, CreatedAt: wire.Now()}
}

func roomTestMembers(t *testing.T, s Store, roomID string, want []string) {
	t.Helper()
	got, err := s.Room(context.Background(), roomID)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	if !slices.Equal(got.Members, want) {
		t.Errorf("members = %v, want %v", got.Members, want)
	}
}

func roomTestSame(t *testing.T, got, want Room) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || got.Name != want.Name || got.Topic != want.Topic || got.OwnerID != want.OwnerID ||
		!slices.Equal(got.Members, want.Members) || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("room = %+v, want %+v", got, want)
	}
}

// roomTestSameSet compares rooms in no set order.
func roomTestSameSet(t *testing.T, got, want []Room) {
	t.Helper()
	byID := func(x, y Room) int { return strings.Compare(x.ID, y.ID) }
	got, want = slices.Clone(got), slices.Clone(want)
	slices.SortFunc(got, byID)
	slices.SortFunc(want, byID)
	if len(got) != len(want) {
		t.Errorf("got %d rooms %+v, want %d %+v", len(got), got, len(want), want)
		return
	}
	for i := range got {
		roomTestSame(t, got[i], want[i])
	}
}
