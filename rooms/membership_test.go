package rooms

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// fakeSocket is a socket of a user that records the rooms it is in.
type fakeSocket struct {
	mu    sync.Mutex
	rooms map[string]bool
}

func (s *fakeSocket) Join(rooms ...socket.Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rooms {
		s.rooms[string(r)] = true
	}
}

func (s *fakeSocket) leave(room string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.rooms, room)
}

func (s *fakeSocket) in(room string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[room]
}

// socketOf returns a new socket of userID, which the fixture's fan-out
// evicts like the real one.
func (f *roomsFixture) socketOf(userID string) *fakeSocket {
	s := &fakeSocket{rooms: map[string]bool{}}
	f.out.mu.Lock()
	defer f.out.mu.Unlock()
	f.out.sockets[userID] = append(f.out.sockets[userID], s)
	return s
}

// joinHeld starts a join of a new socket of userID to the room and returns
// once the join has checked membership: it then waits, before it takes
// effect, until release is closed. joined receives the join's error.
func (f *roomsFixture) joinHeld(ctx context.Context, userID, roomID string) (sock *fakeSocket, release chan struct{}, joined chan error) {
	checked := make(chan struct{})
	release, joined = make(chan struct{}), make(chan error, 1)
	var once sync.Once
	plain := f.activity.activity
	f.activity.activity = func(ctx context.Context, userID string, markers map[string]int64) (map[string]Latest, error) {
		once.Do(func() {
			close(checked)
			<-release
		})
		return plain(ctx, userID, markers)
	}
	sock = f.socketOf(userID)
	go func() {
		_, _, err := f.svc.join(ctx, sock, userID, roomID)
		joined <- err
	}()
	<-checked
	return sock, release, joined
}

// TestJoinRacingRemoval: a join whose membership check passed before the
// user was removed, and whose effect comes after the removal's eviction,
// must not leave the socket in the room.
func TestJoinRacingRemoval(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "dave")
	sock, release, joined := f.joinHeld(ctx, "dave", r.ID)
	if err := f.svc.RemoveMember(ctx, "alice", r.ID, "dave"); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-joined; !errors.Is(err, ErrNotMember) {
		t.Errorf("join racing the removal = %v, want %v", err, ErrNotMember)
	}
	if sock.in(r.ID) {
		t.Error("the socket is in the room after its user was removed")
	}
}

// TestJoinRacingRemoteRemoval: the same race with the removal made on
// another instance, whose announcement arrives while the join waits.
func TestJoinRacingRemoteRemoval(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "dave")
	if _, err := f.svc.Members(ctx, r.ID, "dave"); err != nil { // cached: dave is a member
		t.Fatal(err)
	}
	sock, release, joined := f.joinHeld(ctx, "dave", r.ID)
	if err := f.store.RemoveMember(ctx, r.ID, "dave"); err != nil { // the other instance's write
		t.Fatal(err)
	}
	f.out.received(r.ID, "dave", false)
	close(release)
	if err := <-joined; !errors.Is(err, ErrNotMember) {
		t.Errorf("join racing a removal on another instance = %v, want %v", err, ErrNotMember)
	}
	if sock.in(r.ID) {
		t.Error("the socket is in the room after its user was removed on another instance")
	}
	if _, err := f.svc.Members(ctx, r.ID, "dave"); !errors.Is(err, ErrNotMember) {
		t.Errorf("dave after the announced removal: %v, want %v at once", err, ErrNotMember)
	}
}

// slowStore is a Store whose Room reads can be held after reading.
type slowStore struct {
	Store
	hold func() // called by Room after the read, before it returns
}

func (s *slowStore) Room(ctx context.Context, id string) (Room, error) {
	r, err := s.Store.Room(ctx, id)
	if s.hold != nil {
		s.hold()
	}
	return r, err
}

// TestReadBeforeRemovalDoesNotRefillCache: a read of the members that began
// before a removal and ends after it must not put the old member list in
// the cache.
func TestReadBeforeRemovalDoesNotRefillCache(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice", "dave")
	slow := &slowStore{Store: f.store}
	f.svc = NewService(slow, f.activity, f.users, f.presence, f.out, slog.New(slog.DiscardHandler))
	t.Cleanup(f.svc.Close)

	read, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slow.hold = func() {
		once.Do(func() {
			close(read)
			<-release
		})
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.Members(ctx, r.ID, "dave") // reads dave as a member
		done <- err
	}()
	<-read
	slow.hold = nil
	if err := f.svc.RemoveMember(ctx, "alice", r.ID, "dave"); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the read that began before the removal: %v", err)
	}
	if _, err := f.svc.Members(ctx, r.ID, "dave"); !errors.Is(err, ErrNotMember) {
		t.Errorf("dave after the removal: %v, want %v (the old list came back into the cache)", err, ErrNotMember)
	}
}

// TestAnnouncedChangeClearsCache: a member added on another instance is a
// member here as soon as the change is announced, not after the cache
// expires.
func TestAnnouncedChangeClearsCache(t *testing.T) {
	f := newRoomsFixture(t)
	ctx := context.Background()
	r := f.group(t, "alice")
	if _, err := f.svc.Members(ctx, r.ID, "carol"); !errors.Is(err, ErrNotMember) {
		t.Fatal(err)
	}
	if _, err := f.store.AddMember(ctx, r.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	f.out.received(r.ID, "carol", true)
	if _, err := f.svc.Members(ctx, r.ID, "carol"); err != nil {
		t.Errorf("carol after an announced add: %v", err)
	}
}
