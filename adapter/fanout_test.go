package adapter

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/sockets"
)

// changes records the membership changes a Fanout hands to its functions.
type changes struct {
	mu  sync.Mutex
	got []string
}

func (c *changes) record(room, userID string, member bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, fmt.Sprintf("%s %s %t", room, userID, member))
}

func (c *changes) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		n := len(c.got)
		last := ""
		if n > 0 {
			last = c.got[n-1]
		}
		c.mu.Unlock()
		if last == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("last change %q, want %q", last, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMembershipChangeOneInstance: the change runs the registered
// functions and the user's sockets leave the room before the call returns.
func TestMembershipChangeOneInstance(t *testing.T) {
	io, url := startSocketServer(t, newMemory(Config{}).Adapter(), socket.Room(sockets.UserRoom("dave")))
	f := newFanout(io)
	var seen changes
	f.OnMembershipChange(seen.record)
	s := dialSocket(t, url)
	f.ChangeMembership(testRoom, "dave", true)
	seen.wait(t, testRoom+" dave true")
	f.Broadcast([]string{testRoom}, "still", nil)
	if _, err := s.next("still", 5*time.Second); err != nil {
		t.Fatalf("a member's socket after an add: %v", err)
	}
	f.ChangeMembership(testRoom, "dave", false)
	seen.wait(t, testRoom+" dave false")
	f.Broadcast([]string{testRoom}, "gone", nil)
	f.Broadcast([]string{sockets.UserRoom("dave")}, "direct", nil)
	wantNext(t, s, "direct")
}

// wantNext fails unless the next event s receives is named name.
func wantNext(t *testing.T, s *rawSocket, name string) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok || string(ev[0]) != fmt.Sprintf("%q", name) {
			t.Errorf("next event %s, want %q", ev, name)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no %q within 5 s", name)
	}
}

func (c *changes) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// TestMembershipChangeAcrossInstances: a change made on one instance runs
// the functions registered on another and evicts the user's sockets there.
func TestMembershipChangeAcrossInstances(t *testing.T) {
	addr := testRedisAddr(t)
	prefix := testPrefix(t, testRedis(t))
	a, b := openTestCluster(t, addr, prefix), openTestCluster(t, addr, prefix)
	ioA, _ := startSocketServer(t, a.Adapter())
	ioB, urlB := startSocketServer(t, b.Adapter(), socket.Room(sockets.UserRoom("dave")))
	fa, fb := a.Fanout(ioA), b.Fanout(ioB)
	var onA, onB changes
	fa.OnMembershipChange(onA.record)
	fb.OnMembershipChange(onB.record)
	s := dialSocket(t, urlB)

	fa.ChangeMembership(testRoom, "dave", false)
	onA.wait(t, testRoom+" dave false")
	onB.wait(t, testRoom+" dave false")
	fb.Broadcast([]string{testRoom}, "gone", nil)
	fb.Broadcast([]string{sockets.UserRoom("dave")}, "direct", nil)
	wantNext(t, s, "direct")
	if n := onB.count(); n != 1 {
		t.Errorf("the other instance applied %d changes, want 1 (its own announcements are not applied twice)", n)
	}
}
