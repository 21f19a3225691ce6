// Package storetest is the contract suite of messages.Store: every
// implementation runs it (the embedded store and MongoDB), directly and
// under the room log, which is how the service uses a store.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/wire"
)

// Factory returns the backend under test for one test.
type Factory func(t *testing.T) Backend

// Backend opens the store under test. Stores may hold data of other
// tests: every test makes its own rooms, users and ids.
type Backend struct {
	// Open returns a store. When Shared, each call opens a new store on
	// the same database, as another instance of the service would; else
	// one process owns the database and every call returns the same store.
	Open   func() messages.Store
	Shared bool
}

// instances returns the room logs of two instances of the service: on two
// stores of the database when it is shared, else one log, which is what a
// second instance of the same process would share.
func (b Backend) instances() (*messages.Log, *messages.Log) {
	la, _ := NewLog(b.Open())
	if !b.Shared {
		return la, la
	}
	lb, _ := NewLog(b.Open())
	return la, lb
}

// Run runs the contract suite.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name string
		run  func(t *testing.T, b Backend)
	}{
		{"AppendKeepsSeqAndID", testAppend},
		{"AppendRefusesTakenSeq", testAppendTakenSeq},
		{"AppendRefusesTakenID", testAppendTakenID},
		{"ByID", testByID},
		{"Claim", testClaim},
		{"Before", testBefore},
		{"After", testAfter},
		{"EmptyRoom", testEmptyRoom},
		{"Activity", testActivity},
		{"SweepClaimsIsBounded", testSweepClaims},
		{"LogNumbersFromOne", testLogNumbers},
		{"LogRepeatTakesNoSeq", testLogRepeat},
		{"LogRepeatOtherSender", testLogRepeatOtherSender},
		{"LogDedupeWindow", testLogDedupeWindow},
		{"LogDedupeRacingInstances", testLogDedupeRacing},
		{"LogSeqGapFreeAcrossInstances", testLogSeqAcrossInstances},
		{"LogOutlastsLostRounds", testLogOutlastsLostRounds},
		{"LogPublishesInSeqOrder", testLogPublishOrder},
	}
	for _, tt := range slices.Concat(tests, changeTests, searchTests, purgeTests) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, f(t))
		})
	}
}

// User returns a fresh user id.
func User() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "user-" + hex.EncodeToString(b)
}

// Message returns a new message of room by sender, created now.
func Message(room, sender, content string) messages.Message {
	return messages.Message{ID: wire.NewID(), RoomID: room, SenderID: sender, SenderName: "name of " + sender,
		Content: content, CreatedAt: wire.Now()}
}

// NewLog returns a room log on s that records what it publishes.
func NewLog(s messages.Store) (*messages.Log, *Published) {
	pub := &Published{}
	return messages.NewLog(s, pub.add, pub.addChange, slog.New(slog.DiscardHandler)), pub
}

// Published records the messages and changes a log published, in order.
type Published struct {
	mu      sync.Mutex
	msgs    []messages.Message
	changes []messages.Outcome
}

func (p *Published) add(m messages.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, m)
}

func (p *Published) addChange(o messages.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changes = append(p.changes, o)
}

// Changes returns the changes published so far.
func (p *Published) Changes() []messages.Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.changes)
}

// All returns what was published so far.
func (p *Published) All() []messages.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.msgs)
}

// Send stores m through the log and returns the stored message, failing
// the test unless it was stored anew.
func Send(t testing.TB, l *messages.Log, m messages.Message) messages.Message {
	t.Helper()
	got, created, err := l.Append(context.Background(), m).Wait()
	if err != nil {
		t.Fatalf("send %q: %v", m.Content, err)
	}
	if !created {
		t.Fatalf("send %q was taken for a repeat", m.Content)
	}
	return got
}

// Fill sends "message 1".."message n" to a new room and returns its id.
func Fill(t testing.TB, l *messages.Log, n int) string {
	t.Helper()
	room, sender := wire.NewID(), User()
	for i := 1; i <= n; i++ {
		Send(t, l, Message(room, sender, fmt.Sprintf("message %d", i)))
	}
	return room
}

// Same fails the test unless got and want are the same message.
func Same(t testing.TB, got, want messages.Message) {
	t.Helper()
	if got.ID != want.ID || got.RoomID != want.RoomID || got.Seq != want.Seq || got.SenderID != want.SenderID ||
		got.SenderName != want.SenderName || got.Content != want.Content || got.TempID != want.TempID ||
		!slices.Equal(got.Mentions, want.Mentions) || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("message = %+v,\nwant %+v", got, want)
	}
}

// Seqs returns the seqs of page, or nil if a message is not of room or
// does not have the content Fill gave it.
func Seqs(page []messages.Message, room string) []int64 {
	var seqs []int64
	for _, m := range page {
		if m.RoomID != room || m.Content != fmt.Sprintf("message %d", m.Seq) {
			return nil
		}
		seqs = append(seqs, m.Seq)
	}
	return seqs
}

// Range returns from..to.
func Range(from, to int64) []int64 {
	var r []int64
	for i := from; i <= to; i++ {
		r = append(r, i)
	}
	return r
}

func numbered(room, sender string, from int64, contents ...string) []messages.Message {
	out := make([]messages.Message, len(contents))
	for i, c := range contents {
		out[i] = Message(room, sender, c)
		out[i].Seq = from + int64(i)
	}
	return out
}

func testAppend(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	room := wire.NewID()
	if last, err := s.LastSeq(ctx, room); err != nil || last != 0 {
		t.Fatalf("LastSeq(new room) = %d, %v; want 0", last, err)
	}
	batch := numbered(room, User(), 1, "one", "two", "three")
	if n, err := s.Append(ctx, batch); err != nil || n != 3 {
		t.Fatalf("Append = %d, %v; want 3 stored", n, err)
	}
	if last, err := s.LastSeq(ctx, room); err != nil || last != 3 {
		t.Errorf("LastSeq = %d, %v; want 3", last, err)
	}
	for _, m := range batch {
		got, err := s.ByID(ctx, m.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		Same(t, got, m)
	}
	if n, err := s.Append(ctx, numbered(wire.NewID(), User(), 1, "elsewhere")); err != nil || n != 1 {
		t.Errorf("first message of another room: %d, %v", n, err)
	}
}

func testAppendTakenSeq(t *testing.T, be Backend) {
	ctx := context.Background()
	a, b := be.Open(), be.Open()
	room := wire.NewID()
	if n, err := a.Append(ctx, numbered(room, User(), 1, "a1", "a2")); err != nil || n != 2 {
		t.Fatalf("Append = %d, %v", n, err)
	}
	late := numbered(room, User(), 2, "b2", "b3")
	n, err := b.Append(ctx, late)
	if n != 0 || !errors.Is(err, messages.ErrSeqTaken) {
		t.Fatalf("Append over a taken seq = %d, %v; want 0 and ErrSeqTaken", n, err)
	}
	if _, err := b.ByID(ctx, late[1].ID); !errors.Is(err, messages.ErrMessageNotFound) {
		t.Errorf("a message after the taken seq was stored: %v", err)
	}
	if last, err := b.LastSeq(ctx, room); err != nil || last != 2 {
		t.Errorf("LastSeq = %d, %v; want 2", last, err)
	}
}

func testAppendTakenID(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	room, sender := wire.NewID(), User()
	first := numbered(room, sender, 1, "first")
	if _, err := s.Append(ctx, first); err != nil {
		t.Fatal(err)
	}
	again := numbered(room, sender, 2, "again")
	again[0].ID = first[0].ID
	if n, err := s.Append(ctx, again); n != 0 || !errors.Is(err, messages.ErrIDTaken) {
		t.Fatalf("Append of a taken id = %d, %v; want 0 and ErrIDTaken", n, err)
	}
	if last, _ := s.LastSeq(ctx, room); last != 1 {
		t.Errorf("LastSeq = %d; want 1", last)
	}
}

func testByID(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	room, alice, bob := wire.NewID(), User(), User()
	m := Message(room, alice, "hello @bob, <b>not html</b> ✓")
	m.SenderName, m.Mentions, m.TempID, m.Seq = "alice", []string{bob}, "t-"+User(), 1
	m.CreatedAt = time.Date(2026, 11, 25, 13, 0, 0, 123e6, time.FixedZone("CET", 3600))
	if _, err := s.Append(ctx, []messages.Message{m}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByID(ctx, m.ID)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	Same(t, got, m)
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt is in %v, want UTC", got.CreatedAt.Location())
	}
	if _, err := s.ByID(ctx, wire.NewID()); !errors.Is(err, messages.ErrMessageNotFound) {
		t.Errorf("ByID(unknown) error = %v, want ErrMessageNotFound", err)
	}
}

func testClaim(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	room, alice, bob := wire.NewID(), User(), User()
	m := Message(room, alice, "once")
	m.TempID, m.Seq = "t1", 1
	plain := Message(room, alice, "no tempId")
	claims, err := s.Claim(ctx, []messages.Message{plain, m})
	if err != nil || len(claims) != 2 {
		t.Fatalf("Claim = %v, %v", claims, err)
	}
	if claims[0].Repeat != nil || claims[1].Repeat != nil || claims[1].ID != m.ID {
		t.Fatalf("Claim of new pairs = %+v; want no repeat and the message's own id", claims)
	}
	if _, err := s.Append(ctx, []messages.Message{m}); err != nil {
		t.Fatal(err)
	}
	retry := Message(room, alice, "retried")
	retry.TempID, retry.CreatedAt = "t1", m.CreatedAt.Add(time.Minute)
	other := Message(room, bob, "same tempId, other sender")
	other.TempID = "t1"
	later := Message(room, alice, "after the window")
	later.TempID, later.CreatedAt = "t1", m.CreatedAt.Add(messages.DedupeWindow+time.Millisecond)
	claims, err = s.Claim(ctx, []messages.Message{retry, other, later})
	if err != nil {
		t.Fatal(err)
	}
	if claims[0].Repeat == nil {
		t.Fatal("a repeat within the window was not found")
	}
	Same(t, *claims[0].Repeat, m)
	if claims[1].Repeat != nil || claims[1].ID != other.ID {
		t.Errorf("another sender's pair = %+v; want its own", claims[1])
	}
	if claims[2].Repeat != nil {
		t.Errorf("a pair used again after the window was taken for a repeat")
	}
}

func testBefore(t *testing.T, b Backend) {
	s := b.Open()
	l, _ := NewLog(s)
	room := Fill(t, l, 10)
	Fill(t, l, 3) // another room, which must not show up
	cases := []struct {
		before    int64
		limit     int
		from, to  int64
		wantOlder bool
	}{
		{0, 3, 8, 10, true}, {8, 3, 5, 7, true}, {4, 3, 1, 3, false}, {3, 3, 1, 2, false},
		{1, 3, 1, 0, false}, {0, 50, 1, 10, false}, {0, 10, 1, 10, false}, {0, 9, 2, 10, true}, {99, 2, 9, 10, true},
	}
	for _, c := range cases {
		page, more, err := s.Before(context.Background(), room, c.before, c.limit)
		if err != nil {
			t.Fatalf("Before(%d, %d): %v", c.before, c.limit, err)
		}
		if got, want := Seqs(page, room), Range(c.from, c.to); !slices.Equal(got, want) || more != c.wantOlder {
			t.Errorf("Before(%d, %d) = %v, %v; want %v, %v", c.before, c.limit, got, more, want, c.wantOlder)
		}
	}
}

func testAfter(t *testing.T, b Backend) {
	s := b.Open()
	l, _ := NewLog(s)
	room := Fill(t, l, 10)
	Fill(t, l, 3)
	cases := []struct {
		after    int64
		limit    int
		from, to int64
		wantMore bool
	}{
		{0, 3, 1, 3, true}, {6, 3, 7, 9, true}, {7, 3, 8, 10, false}, {8, 3, 9, 10, false},
		{10, 3, 1, 0, false}, {0, 50, 1, 10, false}, {0, 10, 1, 10, false}, {0, 9, 1, 9, true},
	}
	for _, c := range cases {
		page, more, err := s.After(context.Background(), room, c.after, c.limit)
		if err != nil {
			t.Fatalf("After(%d, %d): %v", c.after, c.limit, err)
		}
		if got, want := Seqs(page, room), Range(c.from, c.to); !slices.Equal(got, want) || more != c.wantMore {
			t.Errorf("After(%d, %d) = %v, %v; want %v, %v", c.after, c.limit, got, more, want, c.wantMore)
		}
	}
}

func testEmptyRoom(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	room := wire.NewID()
	if page, more, err := s.Before(ctx, room, 0, 20); err != nil || len(page) != 0 || more {
		t.Errorf("Before(empty room) = %v, %v, %v; want nothing", page, more, err)
	}
	if page, more, err := s.After(ctx, room, 0, 20); err != nil || len(page) != 0 || more {
		t.Errorf("After(empty room) = %v, %v, %v; want nothing", page, more, err)
	}
	if got, err := s.Activity(ctx, User(), map[string]int64{room: 0}); err != nil || len(got) != 0 {
		t.Errorf("Activity(empty room) = %v, %v; want none", got, err)
	}
}
