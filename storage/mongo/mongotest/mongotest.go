// Package mongotest gives tests a MongoDB database of their own on the
// server named by CHAT_TEST_MONGO_URI (FerretDB in this repository's test
// setup, started by e2e/scripts/ferretdb.sh).
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
)

// Environment variables read by Database.
const (
	// URIEnv names the server to test against.
	URIEnv = "CHAT_TEST_MONGO_URI"
	// RequireEnv, set to 1, turns a missing URIEnv into a failure instead
	// of a skip, so that a full test run cannot pass without MongoDB.
	RequireEnv = "CHAT_TEST_REQUIRE_MONGO"
)

// cleanupTimeout bounds the drop of a test's database.
const cleanupTimeout = 30 * time.Second

// Database connects to the server at CHAT_TEST_MONGO_URI and returns a
// database whose name is unique to this call; the database is dropped and
// the client disconnected when the test ends. Without CHAT_TEST_MONGO_URI
// the test is skipped, or fails when CHAT_TEST_REQUIRE_MONGO=1.
func Database(t testing.TB) *mongo.Database {
	t.Helper()
	db := Client(t).Database(dbName(t))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("drop test database %s: %v", db.Name(), err)
		}
	})
	return db
}

// Client connects to the server at CHAT_TEST_MONGO_URI and disconnects when
// the test ends, with the same skip rule as Database. A test that plays two
// instances of the service opens a second client on the database of the
// first: Client(t).Database(Database(t).Name()).
func Client(t testing.TB) *mongo.Client {
	t.Helper()
	uri := os.Getenv(URIEnv)
	if uri == "" {
		msg := URIEnv + " is not set; start a MongoDB-wire server with `e2e/scripts/ferretdb.sh start DIR` and export the URI it prints"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), chatmongo.ConnectTimeout)
	defer cancel()
	client, _, err := chatmongo.Connect(ctx, uri, "admin")
	if err != nil {
		t.Fatalf("connect to %s: %v", URIEnv, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := client.Disconnect(ctx); err != nil {
			t.Errorf("disconnect from MongoDB: %v", err)
		}
	})
	return client
}

// dbName returns a fresh database name made of a readable part of the test
// name and random hex, within the 63 characters MongoDB and FerretDB allow.
func dbName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		if b.Len() >= 40 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	random := make([]byte, 6)
	_, _ = rand.Read(random)
	return "t_" + b.String() + "_" + hex.EncodeToString(random)
}

// unreachableTimeout is how long operations on an Unreachable database
// look for a server before they fail.
const unreachableTimeout = 200 * time.Millisecond

// Unreachable returns a database on a client whose server does not exist
// (a closed loopback port), so that every operation fails quickly as it
// would while MongoDB is down. It needs no server and never skips.
func Unreachable(t testing.TB) *mongo.Database {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close listener: %v", err)
	}
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + addr + "/").
		SetServerSelectionTimeout(unreachableTimeout).SetConnectTimeout(unreachableTimeout))
	if err != nil {
		t.Fatalf("client for %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database("unreachable")
}
