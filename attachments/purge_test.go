package attachments

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/wire"
)

// withBytes stores an attachment of the room with its bytes and, when
// thumb, a thumbnail.
func withBytes(t *testing.T, s *Service, room string, thumb bool) Attachment {
	t.Helper()
	a := Attachment{ID: wire.NewID(), RoomID: room, UploaderID: "u1", Name: "f.png", Size: 3,
		ContentType: "image/png", Thumbnail: thumb, CreatedAt: wire.Now()}
	storeWithBytes(t, s, a)
	return a
}

// testDeleteRoom deletes a room with more attachments than one batch,
// sent and not, with thumbnails: none of them, nor their bytes, is left;
// another room's are untouched; deleting again, or a room without any,
// succeeds. blobsLeft counts the blobs of the store.
func testDeleteRoom(t *testing.T, s *Service, blobsLeft func() int) {
	ctx := context.Background()
	room, other := wire.NewID(), wire.NewID()
	var gone []Attachment
	for i := range deleteRoomBatch + 30 {
		gone = append(gone, withBytes(t, s, room, i%2 == 0))
	}
	if err := s.Claim(ctx, []string{gone[0].ID, gone[1].ID}, "u1", room, wire.NewID()); err != nil {
		t.Fatal(err)
	}
	kept := []Attachment{withBytes(t, s, other, true), withBytes(t, s, other, false)}
	if err := s.DeleteRoom(ctx, room); err != nil {
		t.Fatalf("DeleteRoom: %v", err)
	}
	if left, err := s.store.OfRoom(ctx, room, 10); err != nil || len(left) != 0 {
		t.Errorf("%d attachments of the deleted room left, %v", len(left), err)
	}
	for _, a := range gone {
		for _, key := range []string{a.ID, thumbKey(a.ID)} {
			if _, err := s.blobs.Open(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("blob %s of the deleted room: %v, want ErrNotFound", key, err)
			}
		}
	}
	if n := blobsLeft(); n != 3 {
		t.Errorf("%d blobs left, want the other room's 3", n)
	}
	found, err := s.store.ByIDs(ctx, []string{kept[0].ID, kept[1].ID})
	if err != nil || len(found) != 2 {
		t.Errorf("the other room's attachments = %d, %v; want 2", len(found), err)
	}
	for _, key := range []string{kept[0].ID, thumbKey(kept[0].ID), kept[1].ID} {
		b, err := s.blobs.Open(ctx, key)
		if err != nil {
			t.Fatalf("blob %s of the other room: %v", key, err)
		}
		_ = b.Close()
	}
	if err := s.DeleteRoom(ctx, room); err != nil {
		t.Errorf("a second DeleteRoom: %v", err)
	}
	if err := s.DeleteRoom(ctx, wire.NewID()); err != nil {
		t.Errorf("DeleteRoom of a room without attachments: %v", err)
	}
}

func TestDeleteRoomOnDisk(t *testing.T) {
	s, _, blobs := newTestService(t, Config{})
	testDeleteRoom(t, s, func() int { return countFiles(t, blobs.dir) })
}

func TestDeleteRoomOnGridFS(t *testing.T) {
	db := mongotest.Database(t)
	store, err := NewMongoStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(Config{SweepEvery: time.Hour}, store, NewGridFSBlobs(db), []byte("test secret"), openRoom{}, noLimit{},
		slog.New(slog.DiscardHandler))
	t.Cleanup(s.Close)
	testDeleteRoom(t, s, func() int {
		n, err := db.Collection("attachments.files").CountDocuments(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		chunks, err := db.Collection("attachments.chunks").CountDocuments(context.Background(), bson.D{})
		if err != nil || chunks != n {
			t.Errorf("%d GridFS chunks for %d files, %v", chunks, n, err)
		}
		return int(n)
	})
}
