package messages

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
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

func TestMongoStore(t *testing.T) {
	testMessageStore(t, func(t *testing.T) Store {
		return newTestMongoStore(t, mongotest.Database(t))
	})
}

// twoInstances returns two stores on one database through two clients, as
// two processes of the service would have.
func twoInstances(t *testing.T) (*MongoStore, *MongoStore) {
	db := mongotest.Database(t)
	other := mongotest.Client(t).Database(db.Name())
	return newTestMongoStore(t, db), newTestMongoStore(t, other)
}

func TestMongoStoreSeqAcrossInstances(t *testing.T) {
	const writersPerStore, perWriter = 4, 25
	a, b := twoInstances(t)
	ctx := context.Background()
	room := wire.NewID()

	var wg sync.WaitGroup
	errs := make(chan error, 2*writersPerStore)
	for i, s := range []*MongoStore{a, b, a, b, a, b, a, b}[:2*writersPerStore] {
		wg.Go(func() {
			var prev int64
			for n := range perWriter {
				m, created, err := s.Append(ctx, Message{RoomID: room, SenderID: fmt.Sprintf("w%d", i),
					Content: fmt.Sprintf("message %d", n), CreatedAt: wire.Now()})
				if err != nil || !created {
					errs <- fmt.Errorf("writer %d append %d: created %v, %w", i, n, created, err)
					return
				}
				if m.Seq <= prev {
					errs <- fmt.Errorf("writer %d got seq %d after %d", i, m.Seq, prev)
					return
				}
				prev = m.Seq
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	const total = 2 * writersPerStore * perWriter
	var seqs []int64
	for after := int64(0); ; {
		page, more, err := a.After(ctx, room, after, 100)
		if err != nil {
			t.Fatalf("After(%d): %v", after, err)
		}
		for _, m := range page {
			seqs = append(seqs, m.Seq)
		}
		if !more {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(seqs) != total {
		t.Fatalf("stored %d messages, want %d", len(seqs), total)
	}
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("seq #%d is %d, want %d (seqs must be 1..%d, each once)", i, seq, i+1, total)
		}
	}
}

func TestMongoStoreDedupeAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	room := wire.NewID()
	raceSameTempID(t, a, b, room, wire.Now())
	// Past the window the claim is taken afresh, once, by one of the racers.
	raceSameTempID(t, a, b, room, wire.Now().Add(DedupeWindow+time.Minute))
	page, _, err := a.After(context.Background(), room, 0, 10)
	if err != nil {
		t.Fatalf("After: %v", err)
	}
	if len(page) != 2 {
		t.Errorf("room holds %d messages, want 2", len(page))
	}
}

// raceSameTempID appends one (sender, tempId) from four goroutines on each of
// a and b, and checks that exactly one stored it and all got that message.
func raceSameTempID(t *testing.T, a, b *MongoStore, room string, at time.Time) {
	t.Helper()
	type result struct {
		m       Message
		created bool
		err     error
	}
	results := make(chan result, 8)
	var wg sync.WaitGroup
	for _, s := range []*MongoStore{a, b, a, b, a, b, a, b} {
		wg.Go(func() {
			m, created, err := s.Append(context.Background(), Message{RoomID: room, SenderID: "alice",
				Content: "hi", TempID: "t-1", CreatedAt: at})
			results <- result{m, created, err}
		})
	}
	wg.Wait()
	close(results)
	var created int
	ids := map[string]bool{}
	for r := range results {
		if r.err != nil {
			t.Fatalf("Append: %v", r.err)
		}
		if r.created {
			created++
		}
		ids[r.m.ID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d appends stored a message and %d ids were returned, want 1 and 1", created, len(ids))
	}
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

	first, created, err := s.Append(ctx, msg)
	if err != nil || !created || first.ID != claimed || first.Seq != 1 {
		t.Fatalf("first Append = %+v, created %v, %v; want id %s, seq 1, created", first, created, err, claimed)
	}
	again, created, err := s.Append(ctx, msg)
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
		s := newTestMongoStore(t, db)
		m, _, err := s.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "hi", CreatedAt: wire.Now()})
		if err != nil || m.Seq != want {
			t.Fatalf("Append on instance %d = seq %d, %v; want seq %d", want, m.Seq, err, want)
		}
	}
}

// Claims are kept in buckets as long as the dedupe window: a repeat in the
// next bucket is still a repeat while within the window of the original.
func TestMongoStoreDedupeAcrossBuckets(t *testing.T) {
	s := newTestMongoStore(t, mongotest.Database(t))
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
		got, created, err := s.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "hi",
			TempID: st.tempID, CreatedAt: st.at})
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
	s := &MongoStore{messages: db.Collection("messages"), dedupe: db.Collection("message_dedupe"), seqs: newRoomSeqs()}
	room := wire.NewID()
	calls := map[string]func() error{
		"Append": func() error {
			_, _, err := s.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "hi"})
			return err
		},
		"Append with tempId": func() error {
			_, _, err := s.Append(ctx, Message{RoomID: room, SenderID: "alice", Content: "hi", TempID: "t"})
			return err
		},
		"Before": func() error { _, _, err := s.Before(ctx, room, 0, 20); return err },
		"After":  func() error { _, _, err := s.After(ctx, room, 0, 20); return err },
		"ByID":   func() error { _, err := s.ByID(ctx, wire.NewID()); return err },
		"Last":   func() error { _, err := s.Last(ctx, []string{room}); return err },
		"Unread": func() error { _, _, err := s.Unread(ctx, room, "alice", 0); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, wire.ErrUnavailable) {
			t.Errorf("%s error = %v, want ErrUnavailable", name, err)
		}
	}
}
