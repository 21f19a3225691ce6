package messages_test

import (
	"context"
	"testing"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/messages/storetest"
	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/storage/sqlite"
)

// openSQLite opens a fresh embedded database with its writer and the
// messages store on it, all closed when the test ends.
func openSQLite(t testing.TB) *messages.SQLiteStore {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, err := sqlite.NewWriter(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := messages.NewSQLiteStore(ctx, db, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		_ = w.Close()
		_ = db.Close()
	})
	return s
}

func TestSQLiteStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		s := openSQLite(t)
		return storetest.Backend{Open: func() messages.Store { return s }}
	})
}

func TestMongoStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		db := mongotest.Database(t)
		return storetest.Backend{Shared: true, Open: func() messages.Store {
			// Each store on a client of its own, as another instance would.
			s, err := messages.NewMongoStore(context.Background(), mongotest.Client(t).Database(db.Name()))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}}
	})
}
