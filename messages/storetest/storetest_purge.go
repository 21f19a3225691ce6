package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/wire"
)

// purgeTests are the contract of deleting a room's messages.
var purgeTests = []struct {
	name string
	run  func(t *testing.T, b Backend)
}{
	{"DeleteRoomBatchDeletesEverythingOfTheRoom", testDeleteRoom},
}

// Fill a room with n messages, each naming word, stored directly in
// batches as the room log would; every seventh mentions mentioned.
func fillDirect(t *testing.T, s messages.Store, room, sender, mentioned, word string, n int) []messages.Message {
	t.Helper()
	var all []messages.Message
	for from := 1; from <= n; from += 256 {
		var batch []messages.Message
		for i := from; i < from+256 && i <= n; i++ {
			m := Message(room, sender, fmt.Sprintf("%s number %d @someone", word, i))
			m.Seq = int64(i)
			if i%7 == 0 {
				m.Mentions = []string{mentioned}
			}
			batch = append(batch, m)
		}
		if stored, err := s.Append(context.Background(), batch); err != nil || stored != len(batch) {
			t.Fatalf("Append = %d, %v", stored, err)
		}
		all = append(all, batch...)
	}
	return all
}

// changeSome reacts to, pins, edits and deletes some of ms through l.
func changeSome(t *testing.T, l *messages.Log, ms []messages.Message, by, word string) {
	t.Helper()
	for i, m := range ms[:6] {
		mustChange(t, l, react(m, by, "👍", true))
		mustChange(t, l, react(m, User(), fmt.Sprintf(":r%d:", i), true))
	}
	for _, m := range ms[6:9] {
		pin := op(messages.KindPinned, m, by)
		pin.Moderator = true
		mustChange(t, l, pin)
	}
	for _, m := range ms[9:12] {
		edit := op(messages.KindEdited, m, m.SenderID)
		edit.Content = word + " edited"
		mustChange(t, l, edit)
	}
	mustChange(t, l, op(messages.KindDeleted, ms[12], ms[12].SenderID))
}

// purge calls DeleteRoomBatch until it deletes nothing and returns how
// many calls deleted something.
func purge(t *testing.T, s messages.Store, room string, limit int) int {
	t.Helper()
	for calls := 0; calls < 1000; calls++ {
		n, err := s.DeleteRoomBatch(context.Background(), room, limit)
		if err != nil {
			t.Fatalf("DeleteRoomBatch: %v", err)
		}
		if n > 2*limit {
			t.Fatalf("DeleteRoomBatch(limit %d) deleted %d", limit, n)
		}
		if n == 0 {
			return calls
		}
	}
	t.Fatal("DeleteRoomBatch never ran out")
	return 0
}

// testDeleteRoom purges a room of 534 messages with reactions, pins,
// mentions, edits and a delete, in batches: nothing of it is left to any
// read, another room is untouched, and purging again deletes nothing.
func testDeleteRoom(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open()
	l, _ := NewLog(s)
	roomA, roomB, alice, bob := wire.NewID(), wire.NewID(), User(), User()
	word := "purge" + wire.NewID()[:8]
	inA := fillDirect(t, s, roomA, alice, bob, word, 534)
	inB := fillDirect(t, s, roomB, alice, bob, word, 30)
	changeSome(t, l, inA, bob, word)
	changeSome(t, l, inB, bob, word)
	lastRevB, _ := s.LastRev(ctx, roomB)

	if calls := purge(t, s, roomA, 200); calls < 3 {
		t.Errorf("the purge of 534 messages took %d batches of at most 200", calls)
	}

	if last, err := s.LastSeq(ctx, roomA); err != nil || last != 0 {
		t.Errorf("LastSeq after the purge = %d, %v; want 0", last, err)
	}
	if page, more, err := s.After(ctx, roomA, 0, 100); err != nil || len(page) != 0 || more {
		t.Errorf("After after the purge = %d messages, %v, %v; want none", len(page), more, err)
	}
	if page, _, err := s.Before(ctx, roomA, 0, 100); err != nil || len(page) != 0 {
		t.Errorf("Before after the purge = %d messages, %v; want none", len(page), err)
	}
	for _, m := range []messages.Message{inA[0], inA[6], inA[9], inA[len(inA)-1]} {
		if _, err := s.ByID(ctx, m.ID); !errors.Is(err, messages.ErrMessageNotFound) {
			t.Errorf("ByID of a purged message = %v, want not found", err)
		}
	}
	if ch, more, err := s.Changes(ctx, roomA, 0, 100); err != nil || len(ch) != 0 || more {
		t.Errorf("Changes after the purge = %v, %v, %v; want none", ch, more, err)
	}
	if last, err := s.LastRev(ctx, roomA); err != nil || last != 0 {
		t.Errorf("LastRev after the purge = %d, %v; want 0", last, err)
	}
	if pins, err := s.Pins(ctx, roomA); err != nil || len(pins) != 0 {
		t.Errorf("Pins after the purge = %d, %v; want none", len(pins), err)
	}
	if act, err := s.Activity(ctx, bob, map[string]int64{roomA: 0, roomB: 0}); err != nil || len(act) != 1 ||
		act[roomB].UnreadMentions != len(inB)/7 || act[roomB].LastRev != lastRevB {
		t.Errorf("Activity after the purge = %+v, %v; want room B alone, its mentions and revs kept", act, err)
	}
	if got, _ := search(t, s, word, []string{roomA}); len(got) != 0 {
		t.Errorf("search of the purged room found %d messages", len(got))
	}
	got, _ := search(t, s, word, []string{roomA, roomB}, func(r *messages.SearchRequest) { r.Limit = 50 })
	if len(got) != len(inB)-1 {
		t.Errorf("search of both rooms found %d messages, want room B's %d", len(got), len(inB)-1)
	}

	page, more, err := s.After(ctx, roomB, 0, 100)
	if err != nil || more || len(page) != len(inB) {
		t.Fatalf("room B after the purge of A = %d messages, %v, %v; want %d", len(page), more, err, len(inB))
	}
	if len(page[0].Reactions) != 2 || page[6].PinnedAt.IsZero() || page[9].EditedAt.IsZero() || !page[12].Deleted() {
		t.Errorf("room B lost its changes: %+v", page[:13])
	}
	if ch, _, err := s.Changes(ctx, roomB, 0, 100); err != nil || len(ch) == 0 {
		t.Errorf("room B's changes = %d, %v", len(ch), err)
	}
	if pins, err := s.Pins(ctx, roomB); err != nil || len(pins) != 3 {
		t.Errorf("room B's pins = %d, %v; want 3", len(pins), err)
	}

	if calls := purge(t, s, roomA, 500); calls != 0 {
		t.Errorf("a second purge deleted something in %d batches", calls)
	}
	if calls := purge(t, s, wire.NewID(), 500); calls != 0 {
		t.Errorf("the purge of an unknown room deleted something")
	}
}
