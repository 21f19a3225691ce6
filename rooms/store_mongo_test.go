package rooms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/wire"
)

func newTestMongoStore(t *testing.T, db *mongo.Database) *MongoStore {
	t.Helper()
	s, err := NewMongoStore(context.Background(), db)
	if err != nil {
		t.Fatalf("NewMongoStore: %v", err)
	}
	return s
}

func TestMongoRoomStore(t *testing.T) {
	testRoomStore(t, func(t *testing.T) Store {
		return newTestMongoStore(t, mongotest.Database(t))
	})
}

// A restarted instance (a second NewMongoStore on a database whose indexes
// exist) sees what the first stored, and the DM index still holds.
func TestMongoRoomStoreReopen(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Database(t)
	first := newTestMongoStore(t, db)
	a, b := "user-a", "user-b"
	dm := Room{ID: wire.NewID(), Type: TypeDM, Members: []string{a, b}, CreatedAt: wire.Now()}
	if _, _, err := first.CreateDM(ctx, dm); err != nil {
		t.Fatalf("CreateDM: %v", err)
	}
	group := Room{ID: wire.NewID(), Type: TypeGroup, Name: "g", OwnerID: a, Members: []string{a}, CreatedAt: wire.Now()}
	if err := first.CreateRoom(ctx, group); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}

	second := newTestMongoStore(t, mongotest.Client(t).Database(db.Name()))
	got, created, err := second.CreateDM(ctx, Room{ID: wire.NewID(), Type: TypeDM, Members: []string{b, a},
		CreatedAt: wire.Now()})
	if err != nil || created || got.ID != dm.ID {
		t.Errorf("CreateDM after reopen = %s, created %v, %v; want the first DM %s", got.ID, created, err, dm.ID)
	}
	if _, err := second.Room(ctx, group.ID); err != nil {
		t.Errorf("Room after reopen: %v", err)
	}
}

// Joins and leaves racing on two instances all take effect: each is its
// own document, not an update of the room's.
func TestMongoRoomStoreConcurrentMembership(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Database(t)
	stores := []*MongoStore{newTestMongoStore(t, db), newTestMongoStore(t, mongotest.Client(t).Database(db.Name()))}
	const leavers, joiners = 6, 12
	owner := "owner"
	r := Room{ID: wire.NewID(), Type: TypeGroup, Name: "busy", OwnerID: owner, Members: []string{owner},
		CreatedAt: wire.Now()}
	for i := range leavers {
		r.Members = append(r.Members, fmt.Sprintf("leaver-%d", i))
	}
	if err := stores[0].CreateRoom(ctx, r); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}

	var wg sync.WaitGroup
	for i := range joiners {
		wg.Go(func() {
			if _, err := stores[i%2].AddMember(ctx, r.ID, fmt.Sprintf("joiner-%d", i)); err != nil {
				t.Errorf("AddMember: %v", err)
			}
		})
	}
	for i := range leavers {
		wg.Go(func() {
			if err := stores[i%2].RemoveMember(ctx, r.ID, fmt.Sprintf("leaver-%d", i)); err != nil {
				t.Errorf("RemoveMember: %v", err)
			}
		})
	}
	wg.Wait()

	got, err := stores[1].Room(ctx, r.ID)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	want := []string{owner}
	for i := range joiners {
		want = append(want, fmt.Sprintf("joiner-%d", i))
	}
	members := slices.Clone(got.Members)
	slices.Sort(members)
	slices.Sort(want)
	if !slices.Equal(members, want) {
		t.Errorf("members after racing joins and leaves = %v, want %v", members, want)
	}
}

func TestMongoRoomStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Unreachable(t)
	if _, err := NewMongoStore(ctx, db); !errors.Is(err, wire.ErrUnavailable) {
		t.Errorf("NewMongoStore error = %v, want ErrUnavailable", err)
	}
	s := &MongoStore{rooms: db.Collection("rooms"), members: db.Collection("room_members"),
		markers: db.Collection("read_markers"), bans: db.Collection("room_bans"), owners: db.Collection("room_owners")}
	room := Room{ID: wire.NewID(), Type: TypeGroup, Name: "r", OwnerID: "a", Members: []string{"a"}, CreatedAt: wire.Now()}
	calls := map[string]func() error{
		"CreateRoom": func() error { return s.CreateRoom(ctx, room) },
		"CreateDM": func() error {
			_, _, err := s.CreateDM(ctx, Room{ID: wire.NewID(), Type: TypeDM, Members: []string{"a", "b"}})
			return err
		},
		"Room":         func() error { _, err := s.Room(ctx, room.ID); return err },
		"RoomsOf":      func() error { _, err := s.RoomsOf(ctx, "a"); return err },
		"ListedRoom":   func() error { _, err := s.ListedRoom(ctx, room.ID); return err },
		"IsMember":     func() error { _, err := s.IsMember(ctx, room.ID, "a"); return err },
		"AddMember":    func() error { _, err := s.AddMember(ctx, room.ID, "b"); return err },
		"RemoveMember": func() error { return s.RemoveMember(ctx, room.ID, "a") },
		"MarkRead":     func() error { _, err := s.MarkRead(ctx, room.ID, "a", 1); return err },
		"ReadMarkers":  func() error { _, err := s.ReadMarkers(ctx, "a"); return err },
		"Reads":        func() error { _, err := s.Reads(ctx, room.ID); return err },
		"UpdateRoom":   func() error { _, err := s.UpdateRoom(ctx, room.ID, &room.Name, nil); return err },
		"SetRole":      func() error { return s.SetRole(ctx, room.ID, "a", RoleAdmin) },
		"SetOwner":     func() error { return s.SetOwner(ctx, room.ID, "a", "b") },
		"Ban":          func() error { return s.Ban(ctx, room.ID, "b") },
		"Unban":        func() error { return s.Unban(ctx, room.ID, "b") },
		"Bans":         func() error { _, err := s.Bans(ctx, room.ID); return err },
		"Banned":       func() error { _, err := s.Banned(ctx, room.ID, "b"); return err },
		"DeleteRoom":   func() error { return s.DeleteRoom(ctx, room.ID) },
		"DeletedRooms": func() error { _, err := s.DeletedRooms(ctx, 1); return err },
		"PurgeRoom":    func() error { _, err := s.PurgeRoom(ctx, room.ID, 1); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, wire.ErrUnavailable) {
			t.Errorf("%s error = %v, want ErrUnavailable", name, err)
		}
	}
}
