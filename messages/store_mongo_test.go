package messages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// A claim whose message was never stored (its sender failed between the
// two writes) is completed by the retry, under the claimed id.
func TestMongoStoreDedupeClaimWithoutMessage(t *testing.T) {
	db := mongotest.Database(t)
	s := newTestMongoStore(t, db)
	ctx := context.Background()
	claimed, now := wire.NewID(), wire.Now()
	_, err := db.Collection("message_dedupe").InsertOne(ctx,
		bson.D{{Key: "_id", Value: claimKey("alice", "t-1", claimBucket(now))}, {Key: "messageId", Value: claimed}, {Key: "createdAt", Value: now}})
	if err != nil {
		t.Fatalf("insert claim: %v", err)
	}
	msg := Message{RoomID: wire.NewID(), SenderID: "alice", Content: "hi", TempID: "t-1", CreatedAt: now}
	l := NewLog(s, func(Message) {}, func(Outcome) {}, slog.New(slog.DiscardHandler))

	first, created, err := l.Append(ctx, msg).Wait()
	if err != nil || !created || first.ID != claimed || first.Seq != 1 {
		t.Fatalf("first send = %+v, created %v, %v; want id %s, seq 1, created", first, created, err, claimed)
	}
	again, created, err := l.Append(ctx, msg).Wait()
	if err != nil || created || again.ID != claimed {
		t.Fatalf("retry = %+v, created %v, %v; want the first message, not created", again, created, err)
	}
}

func TestMongoStoreIndexes(t *testing.T) {
	db := mongotest.Database(t)
	newTestMongoStore(t, db)
	ctx := context.Background()
	cur, err := db.Collection("messages").Indexes().List(ctx)
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	var specs []struct {
		Name   string `bson:"name"`
		Key    bson.D `bson:"key"`
		Unique bool   `bson:"unique"`
	}
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatalf("read indexes: %v", err)
	}
	want := map[string]string{
		IndexRoomCreatedAt: "roomId:1 createdAt:-1",
		IndexRoomSeq:       "roomId:1 seq:1",
		IndexRoomMentions:  "roomId:1 mentions:1 seq:1",
	}
	for _, spec := range specs {
		if keys, ok := want[spec.Name]; ok {
			if got := indexKeys(spec.Key); got != keys {
				t.Errorf("index %s has keys %s, want %s", spec.Name, got, keys)
			}
			if spec.Name == IndexRoomSeq && !spec.Unique {
				t.Errorf("index %s is not unique", spec.Name)
			}
			delete(want, spec.Name)
		}
	}
	for name := range want {
		t.Errorf("index %s is missing", name)
	}
}

// indexKeys writes an index key document as "field:direction ...", whatever
// numeric type the server answered with.
func indexKeys(key bson.D) string {
	parts := make([]string, len(key))
	for i, e := range key {
		parts[i] = fmt.Sprintf("%s:%v", e.Key, e.Value)
	}
	return strings.Join(parts, " ")
}

// A restarted instance continues the seqs of the rooms where they stopped.
func TestMongoStoreReopen(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Database(t)
	room := wire.NewID()
	for want := int64(1); want <= 2; want++ {
		l := NewLog(newTestMongoStore(t, db), func(Message) {}, func(Outcome) {}, slog.New(slog.DiscardHandler))
		m, _, err := l.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "hi", CreatedAt: wire.Now()}).Wait()
		if err != nil || m.Seq != want {
			t.Fatalf("Append on instance %d = seq %d, %v; want seq %d", want, m.Seq, err, want)
		}
	}
}

// Claims are kept in buckets as long as the dedupe window: a repeat in the
// next bucket is still a repeat while within the window of the original.
func TestMongoStoreDedupeAcrossBuckets(t *testing.T) {
	l := NewLog(newTestMongoStore(t, mongotest.Database(t)), func(Message) {}, func(Outcome) {}, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	boundary := time.UnixMilli((claimBucket(wire.Now()) - 1) * DedupeWindow.Milliseconds()).UTC()
	room := wire.NewID()
	steps := []struct {
		at      time.Time
		tempID  string
		created bool
		seq     int64
	}{
		{boundary.Add(-time.Millisecond), "a", true, 1},
		{boundary.Add(time.Millisecond), "a", false, 1},
		{boundary.Add(-DedupeWindow), "b", true, 2},
		{boundary.Add(time.Millisecond), "b", true, 3},
		{boundary.Add(2 * time.Millisecond), "b", false, 3},
	}
	for i, st := range steps {
		got, created, err := l.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "hi",
			TempID: st.tempID, CreatedAt: st.at}).Wait()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if created != st.created || got.Seq != st.seq {
			t.Errorf("step %d: created %v seq %d, want created %v seq %d", i, created, got.Seq, st.created, st.seq)
		}
	}
}

// Every failure of the database is ErrUnavailable, so that a send is acked
// `unavailable` and not broadcast.
func TestMongoStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Unreachable(t)
	if _, err := NewMongoStore(ctx, db); !errors.Is(err, wire.ErrUnavailable) {
		t.Errorf("NewMongoStore error = %v, want ErrUnavailable", err)
	}
	s := &MongoStore{messages: db.Collection("messages"), dedupe: db.Collection("message_dedupe")}
	room := wire.NewID()
	m := Message{ID: wire.NewID(), RoomID: room, SenderID: "alice", Content: "hi", Seq: 1, CreatedAt: wire.Now()}
	paired := m
	paired.TempID = "t"
	calls := map[string]func() error{
		"LastSeq":     func() error { _, err := s.LastSeq(ctx, room); return err },
		"Claim":       func() error { _, err := s.Claim(ctx, []Message{paired}); return err },
		"Append":      func() error { _, err := s.Append(ctx, []Message{m}); return err },
		"Before":      func() error { _, _, err := s.Before(ctx, room, 0, 20); return err },
		"After":       func() error { _, _, err := s.After(ctx, room, 0, 20); return err },
		"ByID":        func() error { _, err := s.ByID(ctx, wire.NewID()); return err },
		"Activity":    func() error { _, err := s.Activity(ctx, "alice", map[string]int64{room: 0}); return err },
		"SweepClaims": func() error { _, err := s.SweepClaims(ctx, wire.Now(), 10); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, wire.ErrUnavailable) {
			t.Errorf("%s error = %v, want ErrUnavailable", name, err)
		}
	}
}

// TestMongoStoreSweepKeepsClaimsBounded: claims older than the window are
// deleted, in bounded batches, so the collection stops growing; live ones
// stay and still answer repeats.
func TestMongoStoreSweepKeepsClaimsBounded(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Database(t)
	s := newTestMongoStore(t, db)
	l := NewLog(s, func(Message) {}, func(Outcome) {}, slog.New(slog.DiscardHandler))
	room, old := wire.NewID(), wire.Now().Add(-2*DedupeWindow)
	for i := range 25 {
		m := Message{RoomID: room, SenderID: "alice", Content: "old", TempID: fmt.Sprintf("old-%d", i), CreatedAt: old}
		if _, _, err := l.Append(ctx, m).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	live := Message{RoomID: room, SenderID: "alice", Content: "new", TempID: "live", CreatedAt: wire.Now()}
	stored, _, err := l.Append(ctx, live).Wait()
	if err != nil {
		t.Fatal(err)
	}
	claims := db.Collection("message_dedupe")
	if n, _ := claims.CountDocuments(ctx, bson.D{}); n != 26 {
		t.Fatalf("%d claims before the sweep, want 26", n)
	}
	cutoff := wire.Now().Add(-DedupeWindow)
	var rounds []int
	for {
		n, err := s.SweepClaims(ctx, cutoff, 10)
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, n)
		if n == 0 {
			break
		}
	}
	if fmt.Sprint(rounds) != "[10 10 5 0]" {
		t.Errorf("sweep rounds deleted %v, want [10 10 5 0]", rounds)
	}
	if n, _ := claims.CountDocuments(ctx, bson.D{}); n != 1 {
		t.Errorf("%d claims after the sweep, want the live one", n)
	}
	live.Content = "retry"
	if again, created, err := l.Append(ctx, live).Wait(); err != nil || created || again.ID != stored.ID {
		t.Errorf("repeat of a live claim after the sweep = %s, created %v, %v", again.ID, created, err)
	}
}

// TestMongoStoreAppendStoresAPrefix: an ordered insert stops at the first
// message whose seq is taken and keeps the ones before it, which the log
// then counts as stored.
func TestMongoStoreAppendStoresAPrefix(t *testing.T) {
	ctx := context.Background()
	s := newTestMongoStore(t, mongotest.Database(t))
	room := wire.NewID()
	at := wire.Now()
	msg := func(seq int64) Message {
		return Message{ID: wire.NewID(), RoomID: room, Seq: seq, SenderID: "alice", Content: fmt.Sprint(seq), CreatedAt: at}
	}
	if _, err := s.Append(ctx, []Message{msg(2)}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Append(ctx, []Message{msg(1), msg(2), msg(3)})
	if n != 1 || !errors.Is(err, ErrSeqTaken) {
		t.Fatalf("Append over a taken seq in the middle = %d, %v; want 1 stored and ErrSeqTaken", n, err)
	}
	if last, _ := s.LastSeq(ctx, room); last != 2 {
		t.Errorf("LastSeq = %d, want 2 (nothing after the taken seq stored)", last)
	}
}

// TestMongoStoreDeleteUnsetsFields: a deleted message's document keeps no
// trace of what it said: its content, mentions and quote are unset, its
// reactions deleted, and the change entry keeps no copy of anything.
func TestMongoStoreDeleteUnsetsFields(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Database(t)
	l := NewLog(newTestMongoStore(t, db), func(Message) {}, func(Outcome) {}, slog.New(slog.DiscardHandler))
	room := wire.NewID()
	q, _, err := l.Append(ctx, Message{RoomID: room, SenderID: "bob", Content: "earlier", CreatedAt: wire.Now()}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := l.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "secret MARKER", Mentions: []string{"bob"},
		ReplyToID: q.ID, CreatedAt: wire.Now()}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []Op{
		{Kind: KindEdited, RoomID: room, MessageID: m.ID, By: "alice", Content: "edited MARKER", Mentions: []string{"bob"}, At: wire.Now()},
		{Kind: KindReactions, RoomID: room, MessageID: m.ID, By: "bob", Emoji: "👍", Add: true, At: wire.Now()},
		{Kind: KindDeleted, RoomID: room, MessageID: m.ID, By: "alice", At: wire.Now()},
	} {
		if _, err := l.Change(ctx, op).Wait(); err != nil {
			t.Fatalf("%s: %v", op.Kind, err)
		}
	}
	var doc bson.M
	if err := db.Collection("messages").FindOne(ctx, bson.D{{Key: "_id", Value: m.ID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"content", "mentions", "replyTo", "editedAt"} {
		if _, ok := doc[field]; ok {
			t.Errorf("the deleted message's document still has %s: %v", field, doc[field])
		}
	}
	if doc["deletedBy"] != "alice" || doc["deletedAt"] == nil {
		t.Errorf("the tombstone lacks who deleted it when: %v", doc)
	}
	if n, _ := db.Collection("message_reactions").CountDocuments(ctx, bson.D{{Key: "messageId", Value: m.ID}}); n != 0 {
		t.Errorf("%d reactions of the deleted message left", n)
	}
	for _, coll := range []string{"messages", "message_changes", "message_reactions"} {
		cur, err := db.Collection(coll).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var all []bson.M
		if err := cur.All(ctx, &all); err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprint(all); strings.Contains(s, "MARKER") {
			t.Errorf("%s still holds the deleted or edited text: %s", coll, s)
		}
	}
}

// TestMongoStoreFinishesAnUnfinishedChange plays an instance that crashed
// after it stored a change's entry and before it made the change: the next
// reader or writer of the room makes it, so the rev never names an
// unchanged message, and the entry then keeps no copy of the edit.
func TestMongoStoreFinishesAnUnfinishedChange(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Database(t)
	s := newTestMongoStore(t, db)
	l := NewLog(s, func(Message) {}, func(Outcome) {}, slog.New(slog.DiscardHandler))
	room := wire.NewID()
	m, _, err := l.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "typo", CreatedAt: wire.Now()}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	at := wire.Now().Add(-2 * mongoTakeover)
	entry := changeEntry{Key: changeKey(room, 1), RoomID: room, Rev: 1, MessageID: m.ID, Kind: KindEdited, At: at,
		Effect: &mongoEffect{RoomID: room, MessageID: m.ID, Seq: m.Seq, Content: "fixed", At: at}}
	if _, err := db.Collection("message_changes").InsertOne(ctx, entry); err != nil {
		t.Fatal(err)
	}
	other := newTestMongoStore(t, mongotest.Client(t).Database(db.Name()))
	changes, _, err := other.Changes(ctx, room, 0, 10)
	if err != nil || len(changes) != 1 || changes[0].Message.Content != "fixed" || changes[0].Message.Rev != 1 {
		t.Fatalf("Changes = %+v, %v; want the unfinished edit made", changes, err)
	}
	var stored changeEntry
	if err := db.Collection("message_changes").FindOne(ctx, bson.D{{Key: "_id", Value: entry.Key}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	if !stored.Applied || stored.Effect != nil {
		t.Errorf("entry after it was finished = %+v; want applied, its effect unset", stored)
	}
	next, err := l.Change(ctx, Op{Kind: KindReactions, RoomID: room, MessageID: m.ID, By: "bob", Emoji: "👍", Add: true, At: wire.Now()}).Wait()
	if err != nil || next.Rev != 2 {
		t.Errorf("the next change = rev %d, %v; want 2", next.Rev, err)
	}
}
