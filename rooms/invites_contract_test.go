package rooms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

// testInviteStore is the contract every InviteStore implementation passes.
// newStores returns two stores on one database, as two instances of the
// service have; every subtest makes its own rooms and invites.
func testInviteStore(t *testing.T, newStores func(t *testing.T) (InviteStore, InviteStore)) {
	subtests := []struct {
		name string
		run  func(t *testing.T, a, b InviteStore)
	}{
		{"CreateThenRead", testInviteStoreCreateThenRead},
		{"Unknown", testInviteStoreUnknown},
		{"Uses", testInviteStoreUses},
		{"Unlimited", testInviteStoreUnlimited},
		{"RacingUses", testInviteStoreRacingUses},
		{"Delete", testInviteStoreDelete},
		{"DeleteRoomInvites", testInviteStoreDeleteRoom},
	}
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			a, b := newStores(t)
			st.run(t, a, b)
		})
	}
}

func TestSQLiteInviteStore(t *testing.T) {
	testInviteStore(t, func(t *testing.T) (InviteStore, InviteStore) {
		ctx := context.Background()
		db, err := sqlite.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		s, err := NewSQLiteInviteStore(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return s, s
	})
}

func TestMongoInviteStore(t *testing.T) {
	testInviteStore(t, func(t *testing.T) (InviteStore, InviteStore) {
		db := mongotest.Database(t)
		return newTestMongoInviteStore(t, db), newTestMongoInviteStore(t, mongotest.Client(t).Database(db.Name()))
	})
}

func newTestMongoInviteStore(t *testing.T, db *mongo.Database) *MongoInviteStore {
	t.Helper()
	s, err := NewMongoInviteStore(context.Background(), db)
	if err != nil {
		t.Fatalf("NewMongoInviteStore: %v", err)
	}
	return s
}

// inviteTest stores a new invite to roomID with maxUses.
func inviteTest(t *testing.T, s InviteStore, roomID string, maxUses int) Invite {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	inv := Invite{Hash: hex.EncodeToString(b), RoomID: roomID, Sealed: b[:20], CreatedBy: roomTestUser(),
		CreatedAt: wire.Now(), ExpiresAt: wire.Now().Add(time.Hour), MaxUses: maxUses}
	if err := s.CreateInvite(context.Background(), inv); err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	return inv
}

func inviteTestUses(t *testing.T, s InviteStore, inv Invite, want int) {
	t.Helper()
	got, err := s.Invite(context.Background(), inv.Hash)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if got.Uses != want {
		t.Errorf("uses = %d, want %d", got.Uses, want)
	}
}

func testInviteStoreCreateThenRead(t *testing.T, a, b InviteStore) {
	ctx := context.Background()
	roomID := wire.NewID()
	first := inviteTest(t, a, roomID, 3)
	never := Invite{Hash: inviteHash("x" + roomID), RoomID: roomID, Sealed: []byte("sealed"), CreatedBy: "u",
		CreatedAt: first.CreatedAt.Add(time.Millisecond)}
	if err := a.CreateInvite(ctx, never); err != nil {
		t.Fatal(err)
	}
	got, err := b.Invite(ctx, first.Hash)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if got.Hash != first.Hash || got.RoomID != roomID || string(got.Sealed) != string(first.Sealed) ||
		got.CreatedBy != first.CreatedBy || !got.CreatedAt.Equal(first.CreatedAt) ||
		!got.ExpiresAt.Equal(first.ExpiresAt) || got.MaxUses != 3 || got.Uses != 0 {
		t.Errorf("Invite = %+v, want %+v", got, first)
	}
	list, err := b.Invites(ctx, roomID)
	if err != nil {
		t.Fatalf("Invites: %v", err)
	}
	if len(list) != 2 || list[0].Hash != first.Hash || list[1].Hash != never.Hash ||
		!list[1].ExpiresAt.IsZero() || list[1].MaxUses != 0 {
		t.Errorf("Invites = %+v, want the two invites, oldest first", list)
	}
	if other, err := b.Invites(ctx, wire.NewID()); err != nil || len(other) != 0 {
		t.Errorf("Invites(other room) = %v, %v; want none", other, err)
	}
}

func testInviteStoreUnknown(t *testing.T, a, _ InviteStore) {
	ctx := context.Background()
	ghost := Invite{Hash: inviteHash(wire.NewID()), RoomID: wire.NewID(), MaxUses: 1}
	if _, err := a.Invite(ctx, ghost.Hash); !errors.Is(err, ErrInviteNotFound) {
		t.Errorf("Invite(unknown) = %v, want ErrInviteNotFound", err)
	}
	if _, err := a.UseInvite(ctx, ghost, roomTestUser()); !errors.Is(err, ErrInviteNotFound) {
		t.Errorf("UseInvite(unknown) = %v, want ErrInviteNotFound", err)
	}
	if err := a.DeleteInvite(ctx, ghost.RoomID, ghost.Hash); !errors.Is(err, ErrInviteNotFound) {
		t.Errorf("DeleteInvite(unknown) = %v, want ErrInviteNotFound", err)
	}
}

// A user takes one use however often they join; the uses run out at
// MaxUses, but who used the invite may still use it.
func testInviteStoreUses(t *testing.T, a, b InviteStore) {
	ctx := context.Background()
	inv := inviteTest(t, a, wire.NewID(), 2)
	u1, u2, u3 := roomTestUser(), roomTestUser(), roomTestUser()
	steps := []struct {
		store    InviteStore
		user     string
		took     bool
		notFound bool
	}{{a, u1, true, false}, {b, u1, false, false}, {b, u2, true, false}, {a, u3, false, true}, {a, u1, false, false}}
	for i, st := range steps {
		took, err := st.store.UseInvite(ctx, inv, st.user)
		if took != st.took || errors.Is(err, ErrInviteNotFound) != st.notFound || (err != nil && !st.notFound) {
			t.Errorf("step %d: UseInvite = %v, %v; want took %v, not found %v", i, took, err, st.took, st.notFound)
		}
	}
	inviteTestUses(t, b, inv, 2)
}

func testInviteStoreUnlimited(t *testing.T, a, b InviteStore) {
	ctx := context.Background()
	inv := inviteTest(t, a, wire.NewID(), 0)
	for i := range 5 {
		s := []InviteStore{a, b}[i%2]
		if took, err := s.UseInvite(ctx, inv, roomTestUser()); !took || err != nil {
			t.Fatalf("UseInvite %d = %v, %v; want a use", i, took, err)
		}
	}
	inviteTestUses(t, a, inv, 5)
}

// Ten users racing on two stores for an invite of 1 and one of 3 uses:
// exactly 1 and 3 of them get one.
func testInviteStoreRacingUses(t *testing.T, a, b InviteStore) {
	for _, maxUses := range []int{1, 3} {
		inv := inviteTest(t, a, wire.NewID(), maxUses)
		var mu sync.Mutex
		took, failed := 0, 0
		var wg sync.WaitGroup
		for i := range 10 {
			s := []InviteStore{a, b}[i%2]
			wg.Go(func() {
				ok, err := s.UseInvite(context.Background(), inv, roomTestUser())
				mu.Lock()
				defer mu.Unlock()
				switch {
				case ok && err == nil:
					took++
				case !errors.Is(err, ErrInviteNotFound):
					t.Errorf("UseInvite = %v, %v", ok, err)
				default:
					failed++
				}
			})
		}
		wg.Wait()
		if took != maxUses || failed != 10-maxUses {
			t.Errorf("maxUses %d: %d took a use, %d were refused; want %d and %d", maxUses, took, failed, maxUses, 10-maxUses)
		}
		inviteTestUses(t, b, inv, maxUses)
	}
}

func testInviteStoreDelete(t *testing.T, a, b InviteStore) {
	ctx := context.Background()
	inv := inviteTest(t, a, wire.NewID(), 5)
	user := roomTestUser()
	if _, err := a.UseInvite(ctx, inv, user); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteInvite(ctx, wire.NewID(), inv.Hash); !errors.Is(err, ErrInviteNotFound) {
		t.Errorf("DeleteInvite(another room) = %v, want ErrInviteNotFound", err)
	}
	if err := b.DeleteInvite(ctx, inv.RoomID, inv.Hash); err != nil {
		t.Fatalf("DeleteInvite: %v", err)
	}
	if _, err := a.Invite(ctx, inv.Hash); !errors.Is(err, ErrInviteNotFound) {
		t.Errorf("Invite after delete = %v, want ErrInviteNotFound", err)
	}
	if _, err := a.UseInvite(ctx, inv, user); !errors.Is(err, ErrInviteNotFound) {
		t.Errorf("UseInvite after delete = %v, want ErrInviteNotFound (even for who used it)", err)
	}
}

func testInviteStoreDeleteRoom(t *testing.T, a, b InviteStore) {
	ctx := context.Background()
	roomID, otherRoom := wire.NewID(), wire.NewID()
	var invites []Invite
	for range 3 {
		inv := inviteTest(t, a, roomID, 0)
		for range 2 {
			if _, err := a.UseInvite(ctx, inv, roomTestUser()); err != nil {
				t.Fatal(err)
			}
		}
		invites = append(invites, inv)
	}
	kept := inviteTest(t, a, otherRoom, 0)
	if _, err := a.UseInvite(ctx, kept, roomTestUser()); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteRoomInvites(ctx, roomID); err != nil {
		t.Fatalf("DeleteRoomInvites: %v", err)
	}
	if list, err := a.Invites(ctx, roomID); err != nil || len(list) != 0 {
		t.Errorf("Invites after DeleteRoomInvites = %v, %v; want none", list, err)
	}
	for _, inv := range invites {
		if _, err := a.Invite(ctx, inv.Hash); !errors.Is(err, ErrInviteNotFound) {
			t.Errorf("Invite after DeleteRoomInvites = %v, want ErrInviteNotFound", err)
		}
	}
	inviteTestUses(t, a, kept, 1)
}
