package attachments

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

func openSQLiteStore(t *testing.T) *SQLiteStore {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s, err := NewSQLiteStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLiteStoreContract(t *testing.T) {
	testStore(t, func(t *testing.T) (Store, Store) { s := openSQLiteStore(t); return s, s })
}

func TestMongoStoreContract(t *testing.T) {
	testStore(t, func(t *testing.T) (Store, Store) {
		db := mongotest.Database(t)
		a, err := NewMongoStore(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewMongoStore(context.Background(), mongotest.Client(t).Database(db.Name()))
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	})
}

// testStore is the contract of Store; newStores gives two stores of one
// database (the same one for a store one process owns).
func testStore(t *testing.T, newStores func(t *testing.T) (Store, Store)) {
	ctx := context.Background()
	upload := func(t *testing.T, s Store, room, user string, at time.Time) Attachment {
		t.Helper()
		a := Attachment{ID: wire.NewID(), RoomID: room, UploaderID: user, Name: "f.png", Size: 10, ContentType: "image/png",
			Width: 2, Height: 3, Thumbnail: true, CreatedAt: at.UTC().Truncate(time.Millisecond)}
		if err := s.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	t.Run("CreateAndRead", func(t *testing.T) {
		s, _ := newStores(t)
		a := upload(t, s, wire.NewID(), "alice", wire.Now())
		got, err := s.ByIDs(ctx, []string{a.ID, wire.NewID()})
		if err != nil || len(got) != 1 || got[a.ID] != a {
			t.Fatalf("ByIDs = %+v, %v; want %+v", got, err, a)
		}
	})
	t.Run("ClaimOnceByItsUploaderInItsRoom", func(t *testing.T) {
		s, _ := newStores(t)
		room := wire.NewID()
		a, b := upload(t, s, room, "alice", wire.Now()), upload(t, s, room, "alice", wire.Now())
		bobs := upload(t, s, room, "bob", wire.Now())
		msg := wire.NewID()
		for _, c := range []struct {
			ids        []string
			user, room string
			want       error
		}{
			{[]string{a.ID, bobs.ID}, "alice", room, ErrNotYours},
			{[]string{a.ID}, "alice", wire.NewID(), ErrNotYours},
			{[]string{a.ID, wire.NewID()}, "alice", room, ErrNotFound},
		} {
			if err := s.Claim(ctx, c.ids, c.user, c.room, msg); !errors.Is(err, c.want) {
				t.Errorf("Claim(%v by %s) = %v, want %v", c.ids, c.user, err, c.want)
			}
		}
		if got, _ := s.ByIDs(ctx, []string{a.ID}); got[a.ID].MessageID != "" {
			t.Fatal("a refused claim claimed some")
		}
		if err := s.Claim(ctx, []string{a.ID, b.ID}, "alice", room, msg); err != nil {
			t.Fatal(err)
		}
		if err := s.Claim(ctx, []string{b.ID}, "alice", room, wire.NewID()); !errors.Is(err, ErrAlreadySent) {
			t.Errorf("a second claim = %v, want ErrAlreadySent", err)
		}
		if got, _ := s.ByIDs(ctx, []string{a.ID}); got[a.ID].MessageID != msg {
			t.Errorf("claimed attachment's message = %q", got[a.ID].MessageID)
		}
		if err := s.Release(ctx, []string{a.ID, b.ID}, msg); err != nil {
			t.Fatal(err)
		}
		if err := s.Claim(ctx, []string{a.ID}, "alice", room, wire.NewID()); err != nil {
			t.Errorf("claim after release = %v", err)
		}
	})
	t.Run("RacingClaimsOneWins", func(t *testing.T) {
		s1, s2 := newStores(t)
		room := wire.NewID()
		a := upload(t, s1, room, "alice", wire.Now())
		var wg sync.WaitGroup
		wins := make(chan string, 10)
		for i := range 10 {
			s := s1
			if i%2 == 1 {
				s = s2
			}
			wg.Go(func() {
				msg := wire.NewID()
				if err := s.Claim(ctx, []string{a.ID}, "alice", room, msg); err == nil {
					wins <- msg
				} else if !errors.Is(err, ErrAlreadySent) {
					t.Errorf("Claim: %v", err)
				}
			})
		}
		wg.Wait()
		close(wins)
		if n := len(wins); n != 1 {
			t.Fatalf("%d racing claims won, want 1", n)
		}
	})
	t.Run("UnsentOfRoomDelete", func(t *testing.T) {
		s, _ := newStores(t)
		room := wire.NewID()
		old := upload(t, s, room, "alice", wire.Now().Add(-48*time.Hour))
		sent := upload(t, s, room, "alice", wire.Now().Add(-48*time.Hour))
		upload(t, s, room, "alice", wire.Now())
		if err := s.Claim(ctx, []string{sent.ID}, "alice", room, wire.NewID()); err != nil {
			t.Fatal(err)
		}
		unsent, err := s.Unsent(ctx, wire.Now().Add(-UnsentFor), 10)
		if err != nil || len(unsent) != 1 || unsent[0].ID != old.ID {
			t.Errorf("Unsent = %+v, %v; want only the old unsent upload", unsent, err)
		}
		all, err := s.OfRoom(ctx, room, 10)
		if err != nil || len(all) != 3 {
			t.Fatalf("OfRoom = %d, %v", len(all), err)
		}
		if err := s.Delete(ctx, []string{old.ID, sent.ID}); err != nil {
			t.Fatal(err)
		}
		if left, _ := s.OfRoom(ctx, room, 10); len(left) != 1 {
			t.Errorf("%d left after Delete, want 1", len(left))
		}
	})
}

func TestDiskBlobsContract(t *testing.T) {
	testBlobs(t, func(t *testing.T) Blobs {
		b, err := NewDiskBlobs(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestGridFSBlobsContract(t *testing.T) {
	testBlobs(t, func(t *testing.T) Blobs { return NewGridFSBlobs(mongotest.Database(t)) })
}

func testBlobs(t *testing.T, newBlobs func(t *testing.T) Blobs) {
	ctx := context.Background()
	b := newBlobs(t)
	data := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB: several GridFS chunks
	w, err := b.Create(ctx, "aa0001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data[:500_000]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, "aa0001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a blob being written is visible: %v", err)
	}
	if _, err := w.Write(data[500_000:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	r, err := b.Open(ctx, "aa0001")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(data)) {
		t.Errorf("Size = %d, want %d", r.Size(), len(data))
	}
	if _, err := r.Seek(654_321, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 10)
	if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, data[654_321:654_331]) {
		t.Errorf("read after a seek = %q, %v", part, err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(all, data) {
		t.Errorf("read back %d bytes, %v", len(all), err)
	}
	_ = r.Close()
	aborted, err := b.Create(ctx, "aa0002")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = aborted.Write(data)
	aborted.Abort()
	if _, err := b.Open(ctx, "aa0002"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an aborted blob is there: %v", err)
	}
	if err := b.Delete(ctx, "aa0001"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, "aa0001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a deleted blob is there: %v", err)
	}
	if err := b.Delete(ctx, "aa0001"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
}
