package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/wire"
)

// changeTests are the contract of changes to messages.
var changeTests = []struct {
	name string
	run  func(t *testing.T, b Backend)
}{
	{"ChangeEdit", testChangeEdit},
	{"ChangeRefusals", testChangeRefusals},
	{"ChangeDeleteErases", testChangeDelete},
	{"ChangeReactions", testChangeReactions},
	{"ChangePins", testChangePins},
	{"ChangeStream", testChangeStream},
	{"ChangeReplyQuotesTheMessageAsItIs", testChangeReply},
	{"ChangeRevTaken", testChangeRevTaken},
	{"ChangeRevGapFreeAcrossInstances", testChangeRevAcrossInstances},
}

// Change makes op through l and returns its outcome.
func Change(t testing.TB, l *messages.Log, op messages.Op) (messages.Outcome, error) {
	t.Helper()
	if op.At.IsZero() {
		op.At = wire.Now()
	}
	return l.Change(context.Background(), op).Wait()
}

// mustChange makes op and fails the test unless it took a rev.
func mustChange(t testing.TB, l *messages.Log, op messages.Op) messages.Outcome {
	t.Helper()
	o, err := Change(t, l, op)
	if err != nil {
		t.Fatalf("%s of %s: %v", op.Kind, op.MessageID, err)
	}
	if o.Rev == 0 {
		t.Fatalf("%s of %s changed nothing", op.Kind, op.MessageID)
	}
	return o
}

func op(kind string, m messages.Message, by string) messages.Op {
	return messages.Op{Kind: kind, RoomID: m.RoomID, MessageID: m.ID, By: by}
}

func react(m messages.Message, by, emoji string, add bool) messages.Op {
	o := op(messages.KindReactions, m, by)
	o.Emoji, o.Add = emoji, add
	return o
}

func testChangeEdit(t *testing.T, b Backend) {
	s := b.Open()
	l, pub := NewLog(s)
	room, alice, bob, carol := wire.NewID(), User(), User(), User()
	m := Message(room, alice, "hello @bob")
	m.Mentions = []string{bob}
	m = Send(t, l, m)
	edit := op(messages.KindEdited, m, alice)
	edit.Content, edit.Mentions = "hello @carol and @bob", []string{carol, bob}
	o := mustChange(t, l, edit)
	if o.Rev != 1 || o.Kind != messages.KindEdited || o.Message.Content != edit.Content || o.Message.Rev != 1 ||
		o.Message.EditedAt.IsZero() || !slices.Equal(o.NewMentions, []string{carol}) {
		t.Errorf("edit = %+v; want rev 1, the new content, editedAt, carol newly mentioned", o)
	}
	got, err := s.ByID(context.Background(), m.ID)
	if err != nil || got.Content != edit.Content || got.Rev != 1 || !slices.Equal(got.Mentions, edit.Mentions) {
		t.Errorf("stored after the edit = %+v, %v", got, err)
	}
	act, err := s.Activity(context.Background(), carol, map[string]int64{room: 0})
	if err != nil || act[room].UnreadMentions != 1 || act[room].LastRev != 1 {
		t.Errorf("carol's activity after the edit = %+v, %v; want 1 mention, last rev 1", act[room], err)
	}
	if last, _ := s.LastRev(context.Background(), room); last != 1 {
		t.Errorf("LastRev = %d, want 1", last)
	}
	if ch := pub.Changes(); len(ch) != 1 || ch[0].Rev != 1 {
		t.Errorf("published %+v, want the edit at rev 1", ch)
	}
}

func testChangeRefusals(t *testing.T, b Backend) {
	l, _ := NewLog(b.Open())
	room, alice, bob := wire.NewID(), User(), User()
	m := Send(t, l, Message(room, alice, "mine"))
	old := Message(room, alice, "old")
	old.CreatedAt = wire.Now().Add(-time.Hour)
	old = Send(t, l, old)
	cases := []struct {
		name string
		op   messages.Op
		want error
	}{
		{"another user's edit", func() messages.Op { o := op(messages.KindEdited, m, bob); o.Content = "x"; return o }(), messages.ErrNotSender},
		{"an edit past the window", func() messages.Op {
			o := op(messages.KindEdited, old, alice)
			o.Content, o.Window = "x", time.Minute
			return o
		}(), messages.ErrEditWindow},
		{"another user's delete", op(messages.KindDeleted, m, bob), messages.ErrNotModerator},
		{"a pin by a member", op(messages.KindPinned, m, bob), messages.ErrNotPinner},
		{"a change of an unknown message", op(messages.KindEdited, messages.Message{ID: wire.NewID(), RoomID: room}, alice), messages.ErrMessageGone},
		{"a change of another room's message", op(messages.KindDeleted, messages.Message{ID: m.ID, RoomID: wire.NewID()}, alice), messages.ErrMessageGone},
	}
	for _, c := range cases {
		if o, err := Change(t, l, c.op); !errors.Is(err, c.want) || o.Rev != 0 {
			t.Errorf("%s = rev %d, %v; want %v and no rev", c.name, o.Rev, err, c.want)
		}
	}
	o := mustChange(t, l, func() messages.Op { o := op(messages.KindEdited, m, alice); o.Content = "fixed"; return o }())
	if o.Rev != 1 {
		t.Errorf("the first change after refusals took rev %d, want 1: a refusal takes no rev", o.Rev)
	}
}

func testChangeDelete(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	l, _ := NewLog(s)
	room, alice, bob := wire.NewID(), User(), User()
	m := Message(room, alice, "secret @bob")
	m.Mentions = []string{bob}
	m = Send(t, l, m)
	mustChange(t, l, react(m, bob, "👍", true))
	mustChange(t, l, func() messages.Op { o := op(messages.KindPinned, m, alice); o.Moderator = true; return o }())
	del := op(messages.KindDeleted, m, bob)
	del.Moderator = true
	o := mustChange(t, l, del)
	got, err := s.ByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tomb := range []messages.Message{o.Message, got} {
		if !tomb.Deleted() || tomb.DeletedBy != bob || tomb.Content != "" || len(tomb.Mentions) != 0 ||
			len(tomb.Reactions) != 0 || !tomb.PinnedAt.IsZero() || tomb.Seq != m.Seq || tomb.SenderID != alice ||
			tomb.SenderName != m.SenderName || !tomb.CreatedAt.Equal(m.CreatedAt) || tomb.Rev != 3 {
			t.Errorf("tombstone = %+v", tomb)
		}
	}
	act, err := s.Activity(ctx, bob, map[string]int64{room: 0})
	if err != nil || act[room].Unread != 0 || act[room].UnreadMentions != 0 {
		t.Errorf("activity after the delete = %+v, %v; want nothing unread", act[room], err)
	}
	if pins, err := s.Pins(ctx, room); err != nil || len(pins) != 0 {
		t.Errorf("pins after the delete = %v, %v; want none", pins, err)
	}
	if _, err := Change(t, l, del); !errors.Is(err, messages.ErrMessageGone) {
		t.Errorf("deleting twice = %v, want not found", err)
	}
	if _, err := Change(t, l, react(m, alice, "👍", true)); !errors.Is(err, messages.ErrMessageGone) {
		t.Errorf("reacting to a deleted message = %v, want not found", err)
	}
}

func testChangeReactions(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	l, _ := NewLog(s)
	room, alice, bob := wire.NewID(), User(), User()
	m := Send(t, l, Message(room, alice, "react to me"))
	mustChange(t, l, react(m, bob, "🎉", true))
	mustChange(t, l, react(m, alice, "👍", true))
	o := mustChange(t, l, react(m, bob, "👍", true))
	if again, err := Change(t, l, react(m, bob, "👍", true)); err != nil || again.Rev != 0 {
		t.Errorf("the same reaction again = rev %d, %v; want no change", again.Rev, err)
	}
	want := []messages.Reaction{{Emoji: "🎉", Count: 1, UserIDs: []string{bob}}, {Emoji: "👍", Count: 2, UserIDs: []string{alice, bob}}}
	got, _ := s.ByID(ctx, m.ID)
	for _, rs := range [][]messages.Reaction{o.Message.Reactions, got.Reactions} {
		if fmt.Sprint(rs) != fmt.Sprint(want) {
			t.Errorf("reactions = %v, want %v (in order of first use)", rs, want)
		}
	}
	if undo := mustChange(t, l, react(m, bob, "🎉", false)); len(undo.Message.Reactions) != 1 || undo.Rev != 4 {
		t.Errorf("after taking back 🎉: %+v", undo)
	}
	if none, err := Change(t, l, react(m, bob, "🎉", false)); err != nil || none.Rev != 0 {
		t.Errorf("taking back a reaction not there = rev %d, %v; want no change", none.Rev, err)
	}
	for i := range 19 {
		mustChange(t, l, react(m, bob, fmt.Sprintf(":e%d:", i), true))
	}
	if _, err := Change(t, l, react(m, bob, ":one-too-many:", true)); !errors.Is(err, messages.ErrTooManyEmoji) {
		t.Errorf("a 21st emoji = %v, want ErrTooManyEmoji", err)
	}
	if o := mustChange(t, l, react(m, alice, ":e3:", true)); o.Message.Reactions[4].Count != 2 {
		t.Errorf("a reaction with an emoji there already is not refused: %+v", o.Message.Reactions[4])
	}
}

func testChangePins(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	l, _ := NewLog(s)
	room, alice := wire.NewID(), User()
	pin := func(m messages.Message, kind string) (messages.Outcome, error) {
		o := op(kind, m, alice)
		o.Moderator = true
		return Change(t, l, o)
	}
	var sent []messages.Message
	for i := range 51 {
		sent = append(sent, Send(t, l, Message(room, alice, fmt.Sprint(i))))
	}
	for i, m := range sent[:50] {
		o, err := pin(m, messages.KindPinned)
		if err != nil || o.Rev != int64(i+1) || o.Message.PinnedAt.IsZero() {
			t.Fatalf("pin %d = %+v, %v", i, o, err)
		}
	}
	if _, err := pin(sent[50], messages.KindPinned); !errors.Is(err, messages.ErrTooManyPins) {
		t.Errorf("a 51st pin = %v, want ErrTooManyPins", err)
	}
	if o, err := pin(sent[0], messages.KindPinned); err != nil || o.Rev != 0 {
		t.Errorf("pinning a pinned message = rev %d, %v; want no change", o.Rev, err)
	}
	if o, err := pin(sent[0], messages.KindUnpinned); err != nil || o.Rev != 51 || !o.Message.PinnedAt.IsZero() {
		t.Errorf("unpin = %+v, %v", o, err)
	}
	pins, err := s.Pins(ctx, room)
	if err != nil || len(pins) != 49 {
		t.Fatalf("Pins = %d, %v; want 49", len(pins), err)
	}
	for i := 1; i < len(pins); i++ {
		if pins[i].PinnedAt.After(pins[i-1].PinnedAt) {
			t.Fatalf("pins are not the newest pin first")
		}
	}
}

func testChangeStream(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	l, _ := NewLog(s)
	room, alice := wire.NewID(), User()
	a, c := Send(t, l, Message(room, alice, "a")), Send(t, l, Message(room, alice, "c"))
	edit := func(m messages.Message, text string) messages.Op {
		o := op(messages.KindEdited, m, alice)
		o.Content = text
		return o
	}
	mustChange(t, l, edit(a, "a1"))                      // 1
	mustChange(t, l, edit(c, "c1"))                      // 2
	mustChange(t, l, edit(a, "a2"))                      // 3
	mustChange(t, l, react(c, alice, "👍", true))         // 4
	mustChange(t, l, op(messages.KindDeleted, a, alice)) // 5
	all, more, err := s.Changes(ctx, room, 0, 10)
	if err != nil || more {
		t.Fatalf("Changes = %v, %v, %v", all, more, err)
	}
	var got []string
	for _, ch := range all {
		got = append(got, fmt.Sprintf("%d %s %s %q", ch.Rev, ch.Kind, ch.Message.ID[:4], ch.Message.Content))
	}
	want := []string{fmt.Sprintf("4 reactions %s \"c1\"", c.ID[:4]), fmt.Sprintf("5 deleted %s \"\"", a.ID[:4])}
	if !slices.Equal(got, want) {
		t.Errorf("Changes = %q, want %q: each message once, at its latest rev, as it is now", got, want)
	}
	page, more, err := s.Changes(ctx, room, 1, 2)
	if err != nil || !more || len(page) != 2 || page[0].Rev != 2 || page[1].Rev != 3 {
		t.Errorf("Changes(after 1, limit 2) = %v, %v, %v; want revs 2 and 3, more", page, more, err)
	}
	if none, more, err := s.Changes(ctx, room, 5, 10); err != nil || more || len(none) != 0 {
		t.Errorf("Changes after the last = %v, %v, %v", none, more, err)
	}
}

func testChangeReply(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	l, _ := NewLog(s)
	room, alice, bob := wire.NewID(), User(), User()
	q := Send(t, l, Message(room, alice, "what do you think?"))
	r := Message(room, bob, "yes")
	r.ReplyToID = q.ID
	r = Send(t, l, r)
	got, err := s.ByID(ctx, r.ID)
	if err != nil || got.ReplyTo == nil || got.ReplyTo.ID != q.ID || got.ReplyTo.Excerpt != q.Content ||
		got.ReplyTo.SenderID != alice || got.ReplyTo.Seq != q.Seq || got.ReplyTo.Deleted {
		t.Fatalf("reply = %+v, %v", got.ReplyTo, err)
	}
	mustChange(t, l, op(messages.KindDeleted, q, alice))
	page, _, err := s.After(ctx, room, 0, 10)
	if err != nil || len(page) != 2 || page[1].ReplyTo == nil || !page[1].ReplyTo.Deleted || page[1].ReplyTo.Excerpt != "" {
		t.Errorf("reply after its quote was deleted = %+v, %v; want the quote marked deleted, no excerpt", page[1].ReplyTo, err)
	}
}

// testChangeRevTaken: Apply with a rev another instance has already taken
// takes nothing and says so.
func testChangeRevTaken(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	l, _ := NewLog(s)
	room, alice := wire.NewID(), User()
	m := Send(t, l, Message(room, alice, "m"))
	mustChange(t, l, react(m, alice, "👍", true))
	late := react(m, alice, "🎉", true)
	late.At = wire.Now()
	outs, err := b.Open().Apply(ctx, room, 1, []messages.Op{late})
	if !errors.Is(err, messages.ErrRevTaken) || len(outs) != 0 {
		t.Errorf("Apply at a taken rev = %v, %v; want nothing and ErrRevTaken", outs, err)
	}
	if last, _ := s.LastRev(ctx, room); last != 1 {
		t.Errorf("LastRev = %d, want 1", last)
	}
}

// testChangeRevAcrossInstances has users react and edit on two instances
// at once: every change takes a rev, and the revs are exactly 1..n.
func testChangeRevAcrossInstances(t *testing.T, b Backend) {
	la, lb := b.instances()
	room := wire.NewID()
	const users, each = 4, 10
	var (
		mu   sync.Mutex
		revs []int64
		wg   sync.WaitGroup
	)
	for i := range users {
		l, user := la, User()
		if i%2 == 1 {
			l = lb
		}
		own := Send(t, l, Message(room, user, "mine"))
		wg.Go(func() {
			for j := range each {
				change := react(own, user, fmt.Sprintf(":r%d:", j), true)
				if j%2 == 1 {
					change = op(messages.KindEdited, own, user)
					change.Content = fmt.Sprintf("edit %d", j)
				}
				o, err := Change(t, l, change)
				if err != nil || o.Rev == 0 {
					t.Errorf("change %d of user %d: rev %d, %v", j, i, o.Rev, err)
					return
				}
				mu.Lock()
				revs = append(revs, o.Rev)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(revs)
	if !slices.Equal(revs, Range(1, users*each)) {
		t.Errorf("revs taken are not exactly 1..%d: %v", users*each, revs)
	}
	if last, err := b.Open().LastRev(context.Background(), room); err != nil || last != users*each {
		t.Errorf("LastRev = %d, %v; want %d", last, err, users*each)
	}
}
