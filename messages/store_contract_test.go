package messages

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

// testMessageStore is the contract every Store implementation passes.
// newStore may hand out stores that share one database, so every subtest
// makes its own room, user and message ids and never assumes an empty
// store.
func testMessageStore(t *testing.T, newStore func(t *testing.T) Store) {
	subtests := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"AppendAssignsIDAndSeq", testMessageStoreAppend},
		{"ByID", testMessageStoreByID},
		{"DedupeSameSender", testMessageStoreDedupe},
		{"DedupeOtherSender", testMessageStoreDedupeOtherSender},
		{"DedupeWindowExpiry", testMessageStoreDedupeExpiry},
		{"DedupeConcurrent", testMessageStoreDedupeConcurrent},
		{"SeqGapFreeUnderConcurrency", testMessageStoreConcurrentSeq},
		{"Before", testMessageStoreBefore},
		{"After", testMessageStoreAfter},
		{"EmptyRoom", testMessageStoreEmptyRoom},
		{"Last", testMessageStoreLast},
		{"Unread", testMessageStoreUnread},
	}
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			st.run(t, newStore(t))
		})
	}
}

func testMessageStoreAppend(t *testing.T, s Store) {
	room, alice := wire.NewID(), msgTestUser()
	first := msgTestAppend(t, s, msgTestMessage(room, alice, "one"))
	if !wire.ValidID(first.ID) || first.Seq != 1 {
		t.Errorf("first message: id %q seq %d, want a fresh id and seq 1", first.ID, first.Seq)
	}
	withID := msgTestMessage(room, alice, "two")
	withID.ID = wire.NewID()
	second := msgTestAppend(t, s, withID)
	if second.ID != withID.ID || second.Seq != 2 {
		t.Errorf("second message: id %q seq %d, want id %q seq 2", second.ID, second.Seq, withID.ID)
	}
	other := msgTestAppend(t, s, msgTestMessage(wire.NewID(), alice, "elsewhere"))
	if other.Seq != 1 {
		t.Errorf("first message of another room has seq %d, want 1", other.Seq)
	}
}

func testMessageStoreByID(t *testing.T, s Store) {
	ctx := context.Background()
	room, alice, bob := wire.NewID(), msgTestUser(), msgTestUser()
	m := msgTestMessage(room, alice, "hello @bob, <b>not html</b> ✓")
	m.SenderName = "alice"
	m.Mentions = []string{bob}
	m.TempID = "t-" + msgTestUser()
	m.CreatedAt = time.Date(2026, 11, 25, 13, 0, 0, 123e6, time.FixedZone("CET", 3600))
	stored := msgTestAppend(t, s, m)
	got, err := s.ByID(ctx, stored.ID)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	m.ID, m.Seq = stored.ID, 1
	msgTestSame(t, got, m)
	msgTestSame(t, stored, m)
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt is in %v, want UTC", got.CreatedAt.Location())
	}
	if _, err := s.ByID(ctx, wire.NewID()); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("ByID(unknown) error = %v, want ErrMessageNotFound", err)
	}
}

func testMessageStoreDedupe(t *testing.T, s Store) {
	ctx := context.Background()
	room, alice := wire.NewID(), msgTestUser()
	m := msgTestMessage(room, alice, "once")
	m.TempID = "t1"
	orig := msgTestAppend(t, s, m)
	repeat := m
	repeat.Content = "retried"
	repeat.CreatedAt = m.CreatedAt.Add(time.Minute)
	got, created, err := s.Append(ctx, repeat)
	if err != nil {
		t.Fatalf("Append(repeat): %v", err)
	}
	if created {
		t.Error("a repeated tempId was stored again")
	}
	msgTestSame(t, got, orig)
	next := msgTestAppend(t, s, msgTestMessage(room, alice, "next"))
	if next.Seq != 2 {
		t.Errorf("seq after a repeat = %d, want 2 (a repeat takes no seq)", next.Seq)
	}
}

func testMessageStoreDedupeOtherSender(t *testing.T, s Store) {
	room, alice, bob := wire.NewID(), msgTestUser(), msgTestUser()
	m := msgTestMessage(room, alice, "from alice")
	m.TempID = "same"
	first := msgTestAppend(t, s, m)
	m = msgTestMessage(room, bob, "from bob")
	m.TempID = "same"
	second := msgTestAppend(t, s, m)
	if second.ID == first.ID || second.Seq != 2 {
		t.Errorf("other sender's message: id %q seq %d; want a new message with seq 2", second.ID, second.Seq)
	}
}

func testMessageStoreDedupeExpiry(t *testing.T, s Store) {
	room, alice := wire.NewID(), msgTestUser()
	t0 := wire.Now().Add(-48 * time.Hour)
	at := func(d time.Duration, content string) Message {
		m := msgTestMessage(room, alice, content)
		m.TempID = "daily"
		m.CreatedAt = t0.Add(d)
		return m
	}
	steps := []struct {
		m       Message
		created bool
		seq     int64
	}{
		{at(0, "first"), true, 1},
		{at(DedupeWindow-time.Minute, "repeat within the window"), false, 1},
		{at(DedupeWindow+time.Millisecond, "after the window"), true, 2},
		{at(DedupeWindow+2*time.Millisecond, "repeat of the new one"), false, 2},
	}
	for i, st := range steps {
		got, created, err := s.Append(context.Background(), st.m)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if created != st.created || got.Seq != st.seq {
			t.Errorf("step %d (%s): created %v seq %d; want created %v seq %d",
				i, st.m.Content, created, got.Seq, st.created, st.seq)
		}
	}
}

func testMessageStoreDedupeConcurrent(t *testing.T, s Store) {
	room, alice := wire.NewID(), msgTestUser()
	const racers = 8
	got := make([]Message, racers)
	created := make([]bool, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			m := msgTestMessage(room, alice, fmt.Sprintf("attempt %d", i))
			m.TempID = "racy"
			var err error
			if got[i], created[i], err = s.Append(context.Background(), m); err != nil {
				t.Errorf("Append: %v", err)
			}
		})
	}
	wg.Wait()
	n := 0
	for i := range racers {
		if created[i] {
			n++
		}
		if got[i].ID != got[0].ID || got[i].Seq != 1 {
			t.Errorf("racing repeats returned %s/%d and %s/%d", got[0].ID, got[0].Seq, got[i].ID, got[i].Seq)
		}
	}
	if n != 1 {
		t.Errorf("%d racing repeats were stored, want 1", n)
	}
}

func testMessageStoreConcurrentSeq(t *testing.T, s Store) {
	room := wire.NewID()
	const senders, each = 8, 50
	seqs := make(chan int64, senders*each)
	var wg sync.WaitGroup
	for i := range senders {
		sender := msgTestUser()
		wg.Go(func() {
			for j := range each {
				m := msgTestMessage(room, sender, fmt.Sprintf("%d/%d", i, j))
				m.TempID = fmt.Sprintf("t%d", j)
				got, _, err := s.Append(context.Background(), m)
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				seqs <- got.Seq
			}
		})
	}
	wg.Wait()
	close(seqs)
	var acked []int64
	for seq := range seqs {
		acked = append(acked, seq)
	}
	slices.Sort(acked)
	want := msgTestRange(1, senders*each)
	if !slices.Equal(acked, want) {
		t.Errorf("acked seqs are not exactly 1..%d: %v", senders*each, acked)
	}
	var stored []int64
	for after := int64(0); ; {
		page, more, err := s.After(context.Background(), room, after, 100)
		if err != nil {
			t.Fatalf("After: %v", err)
		}
		for _, m := range page {
			stored = append(stored, m.Seq)
		}
		if !more || len(page) == 0 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if !slices.Equal(stored, want) {
		t.Errorf("stored seqs are not exactly 1..%d: %v", senders*each, stored)
	}
}

func testMessageStoreBefore(t *testing.T, s Store) {
	room := msgTestFill(t, s, 10)
	msgTestFill(t, s, 3) // another room, which must not show up
	cases := []struct {
		before    int64
		limit     int
		from, to  int64
		wantOlder bool
	}{
		{0, 3, 8, 10, true},
		{8, 3, 5, 7, true},
		{4, 3, 1, 3, false}, // exactly the oldest three
		{3, 3, 1, 2, false},
		{1, 3, 1, 0, false}, // before the first message
		{0, 50, 1, 10, false},
		{0, 10, 1, 10, false},
		{0, 9, 2, 10, true},
		{99, 2, 9, 10, true},
	}
	for _, c := range cases {
		page, more, err := s.Before(context.Background(), room, c.before, c.limit)
		if err != nil {
			t.Fatalf("Before(%d, %d): %v", c.before, c.limit, err)
		}
		if got, want := msgTestSeqs(page, room), msgTestRange(c.from, c.to); !slices.Equal(got, want) ||
			more != c.wantOlder {
			t.Errorf("Before(%d, %d) = %v, %v; want %v, %v", c.before, c.limit, got, more, want, c.wantOlder)
		}
	}
}

func testMessageStoreAfter(t *testing.T, s Store) {
	room := msgTestFill(t, s, 10)
	msgTestFill(t, s, 3)
	cases := []struct {
		after    int64
		limit    int
		from, to int64
		wantMore bool
	}{
		{0, 3, 1, 3, true},
		{6, 3, 7, 9, true},
		{7, 3, 8, 10, false}, // exactly the newest three
		{8, 3, 9, 10, false},
		{10, 3, 1, 0, false},
		{0, 50, 1, 10, false},
		{0, 10, 1, 10, false},
		{0, 9, 1, 9, true},
	}
	for _, c := range cases {
		page, more, err := s.After(context.Background(), room, c.after, c.limit)
		if err != nil {
			t.Fatalf("After(%d, %d): %v", c.after, c.limit, err)
		}
		if got, want := msgTestSeqs(page, room), msgTestRange(c.from, c.to); !slices.Equal(got, want) ||
			more != c.wantMore {
			t.Errorf("After(%d, %d) = %v, %v; want %v, %v", c.after, c.limit, got, more, want, c.wantMore)
		}
	}
}

func testMessageStoreEmptyRoom(t *testing.T, s Store) {
	ctx := context.Background()
	room := wire.NewID()
	if page, more, err := s.Before(ctx, room, 0, 20); err != nil || len(page) != 0 || more {
		t.Errorf("Before(empty room) = %v, %v, %v; want nothing", page, more, err)
	}
	if page, more, err := s.After(ctx, room, 0, 20); err != nil || len(page) != 0 || more {
		t.Errorf("After(empty room) = %v, %v, %v; want nothing", page, more, err)
	}
	if unread, mentions, err := s.Unread(ctx, room, msgTestUser(), 0); err != nil || unread != 0 || mentions != 0 {
		t.Errorf("Unread(empty room) = %d, %d, %v; want 0, 0", unread, mentions, err)
	}
}

func testMessageStoreLast(t *testing.T, s Store) {
	three, one, empty := msgTestFill(t, s, 3), msgTestFill(t, s, 1), wire.NewID()
	last, err := s.Last(context.Background(), []string{three, empty, one})
	if err != nil {
		t.Fatalf("Last: %v", err)
	}
	if len(last) != 2 || last[three].Seq != 3 || last[three].RoomID != three ||
		last[one].Seq != 1 || last[one].Content != "message 1" {
		t.Errorf("Last = %+v; want seq 3 of one room and seq 1 of another", last)
	}
	if _, ok := last[empty]; ok {
		t.Error("Last has an entry for a room without messages")
	}
	if last, err := s.Last(context.Background(), nil); err != nil || len(last) != 0 {
		t.Errorf("Last(no rooms) = %v, %v; want none", last, err)
	}
}

func testMessageStoreUnread(t *testing.T, s Store) {
	room, alice, bob, carol := wire.NewID(), msgTestUser(), msgTestUser(), msgTestUser()
	sent := []struct {
		from     string
		mentions []string
	}{
		{alice, []string{bob}},        // 1
		{bob, []string{alice}},        // 2
		{carol, []string{bob, alice}}, // 3
		{alice, nil},                  // 4
		{carol, []string{bob}},        // 5
	}
	for i, m := range sent {
		msg := msgTestMessage(room, m.from, fmt.Sprintf("message %d", i+1))
		msg.Mentions = m.mentions
		msgTestAppend(t, s, msg)
	}
	msgTestFill(t, s, 4) // another room
	cases := []struct {
		user            string
		marker          int64
		unread, mention int
	}{
		{bob, 0, 4, 3},
		{bob, 2, 3, 2},
		{bob, 3, 2, 1},
		{bob, 5, 0, 0},
		{alice, 0, 3, 2},
		{alice, 2, 2, 1},
		{carol, 1, 2, 0},
		{msgTestUser(), 0, 5, 0},
	}
	for _, c := range cases {
		unread, mentions, err := s.Unread(context.Background(), room, c.user, c.marker)
		if err != nil {
			t.Fatalf("Unread: %v", err)
		}
		if unread != c.unread || mentions != c.mention {
			t.Errorf("Unread(after %d) = %d, %d mentions; want %d, %d", c.marker, unread, mentions, c.unread, c.mention)
		}
	}
}

// msgTestUser returns a fresh user id.
func msgTestUser() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "user-" + hex.EncodeToString(b)
}

func msgTestMessage(room, sender, content string) Message {
	return Message{RoomID: room, SenderID: sender, SenderName: "name of " + sender, Content: content,
		CreatedAt: wire.Now()}
}

func msgTestAppend(t *testing.T, s Store, m Message) Message {
	t.Helper()
	got, created, err := s.Append(context.Background(), m)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if !created {
		t.Fatalf("Append(%q) was taken for a repeat", m.Content)
	}
	return got
}

// msgTestFill appends n messages "message 1".."message n" to a new room and
// returns its id.
func msgTestFill(t *testing.T, s Store, n int) string {
	t.Helper()
	room, sender := wire.NewID(), msgTestUser()
	for i := 1; i <= n; i++ {
		msgTestAppend(t, s, msgTestMessage(room, sender, fmt.Sprintf("message %d", i)))
	}
	return room
}

// msgTestSeqs returns the seqs of page, or nil if a message is not of room
// or does not have the content msgTestFill gave it.
func msgTestSeqs(page []Message, room string) []int64 {
	var seqs []int64
	for _, m := range page {
		if m.RoomID != room || m.Content != fmt.Sprintf("message %d", m.Seq) {
			return nil
		}
		seqs = append(seqs, m.Seq)
	}
	return seqs
}

func msgTestRange(from, to int64) []int64 {
	var r []int64
	for i := from; i <= to; i++ {
		r = append(r, i)
	}
	return r
}

func msgTestSame(t *testing.T, got, want Message) {
	t.Helper()
	if got.ID != want.ID || got.RoomID != want.RoomID || got.Seq != want.Seq || got.SenderID != want.SenderID ||
		got.SenderName != want.SenderName || got.Content != want.Content || got.TempID != want.TempID ||
		!slices.Equal(got.Mentions, want.Mentions) || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("message = %+v,\nwant %+v", got, want)
	}
}
