package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/wire"
)

func testActivity(t *testing.T, b Backend) {
	s := b.Open()
	l, _ := NewLog(s)
	room, alice, bob, carol := wire.NewID(), User(), User(), User()
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
		msg := Message(room, m.from, fmt.Sprintf("message %d", i+1))
		msg.Mentions = m.mentions
		Send(t, l, msg)
	}
	other, empty := Fill(t, l, 4), wire.NewID()
	cases := []struct {
		user            string
		marker          int64
		unread, mention int
	}{
		{bob, 0, 4, 3}, {bob, 2, 3, 2}, {bob, 3, 2, 1}, {bob, 5, 0, 0}, {bob, 9, 0, 0},
		{alice, 0, 3, 2}, {alice, 2, 2, 1}, {carol, 1, 2, 0}, {User(), 0, 5, 0},
	}
	for _, c := range cases {
		got, err := s.Activity(context.Background(), c.user, map[string]int64{room: c.marker, other: 1, empty: 0})
		if err != nil {
			t.Fatalf("Activity: %v", err)
		}
		a := got[room]
		if a.Last.Seq != 5 || a.Last.Content != "message 5" || a.Unread != c.unread || a.UnreadMentions != c.mention {
			t.Errorf("Activity(after %d) = last %d, %d unread, %d mentions; want last 5, %d, %d",
				c.marker, a.Last.Seq, a.Unread, a.UnreadMentions, c.unread, c.mention)
		}
		if o := got[other]; o.Last.Seq != 4 || o.Unread != 3 || o.UnreadMentions != 0 {
			t.Errorf("Activity of the other room = %+v; want last 4, 3 unread", o)
		}
		if _, ok := got[empty]; ok || len(got) != 2 {
			t.Errorf("Activity has %d rooms, an entry for a room without messages: %v", len(got), ok)
		}
	}
}

func testSweepClaims(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	if _, err := s.SweepClaims(ctx, wire.Now().Add(-messages.DedupeWindow), 10); err != nil {
		t.Fatalf("SweepClaims: %v", err)
	}
	for range 5 {
		n, err := s.SweepClaims(ctx, wire.Now().Add(-messages.DedupeWindow), 3)
		if err != nil || n > 3 {
			t.Fatalf("SweepClaims(limit 3) = %d, %v", n, err)
		}
		if n == 0 {
			break
		}
	}
}

func testLogNumbers(t *testing.T, b Backend) {
	l, _ := NewLog(b.Open())
	room, alice := wire.NewID(), User()
	for i := int64(1); i <= 3; i++ {
		if got := Send(t, l, Message(room, alice, "m")); got.Seq != i || !wire.ValidID(got.ID) {
			t.Errorf("message %d: id %q seq %d", i, got.ID, got.Seq)
		}
	}
	if got := Send(t, l, Message(wire.NewID(), alice, "elsewhere")); got.Seq != 1 {
		t.Errorf("first message of another room has seq %d, want 1", got.Seq)
	}
}

func testLogRepeat(t *testing.T, b Backend) {
	l, pub := NewLog(b.Open())
	room, alice := wire.NewID(), User()
	m := Message(room, alice, "once")
	m.TempID = "t1"
	orig := Send(t, l, m)
	repeat := Message(room, alice, "retried")
	repeat.TempID, repeat.CreatedAt = "t1", m.CreatedAt.Add(time.Minute)
	got, created, err := l.Append(context.Background(), repeat).Wait()
	if err != nil || created {
		t.Fatalf("repeat = created %v, %v; want the original", created, err)
	}
	Same(t, got, orig)
	if next := Send(t, l, Message(room, alice, "next")); next.Seq != 2 {
		t.Errorf("seq after a repeat = %d, want 2 (a repeat takes no seq)", next.Seq)
	}
	if n := len(pub.All()); n != 2 {
		t.Errorf("published %d messages, want 2 (a repeat is not published)", n)
	}
}

func testLogRepeatOtherSender(t *testing.T, b Backend) {
	l, _ := NewLog(b.Open())
	room := wire.NewID()
	fromAlice := Message(room, User(), "from alice")
	fromAlice.TempID = "same"
	fromBob := Message(room, User(), "from bob")
	fromBob.TempID = "same"
	first, second := Send(t, l, fromAlice), Send(t, l, fromBob)
	if second.ID == first.ID || second.Seq != 2 {
		t.Errorf("other sender's message: id %q seq %d; want a new message with seq 2", second.ID, second.Seq)
	}
}

func testLogDedupeWindow(t *testing.T, b Backend) {
	l, _ := NewLog(b.Open())
	room, alice := wire.NewID(), User()
	t0 := wire.Now().Add(-48 * time.Hour)
	at := func(d time.Duration, content string) messages.Message {
		m := Message(room, alice, content)
		m.TempID, m.CreatedAt = "daily", t0.Add(d)
		return m
	}
	steps := []struct {
		m       messages.Message
		created bool
		seq     int64
	}{
		{at(0, "first"), true, 1},
		{at(messages.DedupeWindow-time.Minute, "repeat within the window"), false, 1},
		{at(messages.DedupeWindow+time.Millisecond, "after the window"), true, 2},
		{at(messages.DedupeWindow+2*time.Millisecond, "repeat of the new one"), false, 2},
	}
	for i, st := range steps {
		got, created, err := l.Append(context.Background(), st.m).Wait()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if created != st.created || got.Seq != st.seq {
			t.Errorf("step %d (%s): created %v seq %d; want created %v seq %d", i, st.m.Content, created, got.Seq, st.created, st.seq)
		}
	}
}

// testLogDedupeRacing sends one pair from eight senders at once, half of
// them through a second instance: it is stored once.
func testLogDedupeRacing(t *testing.T, b Backend) {
	la, lb := b.instances()
	room, alice := wire.NewID(), User()
	const racers = 8
	got := make([]messages.Message, racers)
	created := make([]bool, racers)
	var wg sync.WaitGroup
	for i := range racers {
		l := la
		if i%2 == 1 {
			l = lb
		}
		wg.Go(func() {
			m := Message(room, alice, fmt.Sprintf("attempt %d", i))
			m.TempID = "racy"
			var err error
			if got[i], created[i], err = l.Append(context.Background(), m).Wait(); err != nil {
				t.Errorf("send: %v", err)
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

// testLogSeqAcrossInstances has eight senders on two instances write one
// room at once: the seqs acknowledged and stored are exactly 1..400.
func testLogSeqAcrossInstances(t *testing.T, b Backend) {
	la, lb := b.instances()
	room := wire.NewID()
	const senders, each = 8, 50
	seqs := make(chan int64, senders*each)
	var wg sync.WaitGroup
	for i := range senders {
		l, sender := la, User()
		if i%2 == 1 {
			l = lb
		}
		wg.Go(func() {
			for j := range each {
				m := Message(room, sender, fmt.Sprintf("%d/%d", i, j))
				m.TempID = fmt.Sprintf("t%d", j)
				got, _, err := l.Append(context.Background(), m).Wait()
				if err != nil {
					t.Errorf("send: %v", err)
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
	want := Range(1, senders*each)
	if !slices.Equal(acked, want) {
		t.Errorf("acked seqs are not exactly 1..%d: %v", senders*each, acked)
	}
	var stored []int64
	s := b.Open()
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

// testLogPublishOrder queues many sends without waiting: each is
// published once, in seq order, and answered after it was published.
func testLogPublishOrder(t *testing.T, b Backend) {
	l, pub := NewLog(b.Open())
	room, alice := wire.NewID(), User()
	const n = 100
	pending := make([]*messages.Pending, n)
	for i := range n {
		pending[i] = l.Append(context.Background(), Message(room, alice, fmt.Sprintf("m%d", i)))
	}
	for i, p := range pending {
		got, _, err := p.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if got.Seq != int64(i+1) || got.Content != fmt.Sprintf("m%d", i) {
			t.Errorf("send %d stored as seq %d %q; want seq %d, in the order queued", i, got.Seq, got.Content, i+1)
		}
		if published := pub.All(); len(published) < i+1 || published[i].ID != got.ID {
			t.Fatalf("send %d answered before it was published", i)
		}
	}
	var seqs []int64
	for _, m := range pub.All() {
		seqs = append(seqs, m.Seq)
	}
	if !slices.Equal(seqs, Range(1, n)) {
		t.Errorf("published seqs %v, want 1..%d in order", seqs, n)
	}
}

// overtaken is a store on which another instance takes the seq of each of
// the first rounds appends just before they land.
type overtaken struct {
	messages.Store
	rival  string
	rounds int
}

func (s *overtaken) Append(ctx context.Context, ms []messages.Message) (int, error) {
	if s.rounds > 0 {
		s.rounds--
		m := Message(ms[0].RoomID, s.rival, "first")
		m.ID, m.Seq = wire.NewID(), ms[0].Seq
		if n, err := s.Store.Append(ctx, []messages.Message{m}); n != 1 {
			return 0, fmt.Errorf("rival append: %v", err)
		}
	}
	return s.Store.Append(ctx, ms)
}

// testLogOutlastsLostRounds has another instance take the room's next seq
// a hundred times in a row: the send is stored after them, not given up.
func testLogOutlastsLostRounds(t *testing.T, b Backend) {
	const rounds = 100
	room, alice := wire.NewID(), User()
	l, _ := NewLog(&overtaken{Store: b.Open(), rival: User(), rounds: rounds})
	got := Send(t, l, Message(room, alice, "patient"))
	if got.Seq != rounds+1 {
		t.Errorf("stored at seq %d, want %d", got.Seq, rounds+1)
	}
	page, _, err := b.Open().After(context.Background(), room, 0, rounds+10)
	if err != nil {
		t.Fatalf("After: %v", err)
	}
	if len(page) != rounds+1 || page[rounds].Content != "patient" {
		t.Errorf("room has %d messages, want the %d of the other instance and then the send", len(page), rounds)
	}
}
