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
		{"AddMember", testRoomStoreAddMember},
		{"RemoveMember", testRoomStoreRemoveMember},
		{"CreateDM", testRoomStoreCreateDM},
		{"CreateDMConcurrent", testRoomStoreCreateDMConcurrent},
		{"ReadMarkers", testRoomStoreReadMarkers},
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
	for _, st := range steps {
		if err := s.MarkRead(ctx, st.room, st.user, st.seq); err != nil {
			t.Fatalf("MarkRead: %v", err)
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
	if got.ID != want.ID || got.Type != want.Type || got.Name != want.Name || got.OwnerID != want.OwnerID ||
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
