package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/roomchat/chat/attachments"
	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/rooms"
	"github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/storage/sqlite"
)

// stores are the storage of every domain package, on one backend.
type stores struct {
	users    auth.Store
	sessions auth.SessionStore
	rooms    rooms.Store
	invites  rooms.InviteStore
	messages messages.Store
	files    attachments.Store
	blobs    attachments.Blobs
	ping     func(ctx context.Context) error
	close    func(ctx context.Context) error
}

// openStores opens the storage the configuration asks for: MongoDB when a
// URI is set, else the embedded database in the data directory. This is the
// only place that chooses.
func openStores(ctx context.Context, cfg Config) (*stores, error) {
	switch {
	case cfg.MongoURI != "":
		return openMongo(ctx, cfg)
	default:
		return openEmbedded(ctx, cfg)
	}
}

func openEmbedded(ctx context.Context, cfg Config) (*stores, error) {
	db, err := sqlite.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	writer, err := sqlite.NewWriter(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("start the embedded database's writer: %w", err)
	}
	users, err1 := auth.NewSQLiteStore(ctx, db)
	roomStore, err2 := rooms.NewSQLiteStore(ctx, db)
	msgs, err3 := messages.NewSQLiteStore(ctx, db, writer)
	sessions, err4 := auth.NewSQLiteSessionStore(ctx, db)
	files, err5 := attachments.NewSQLiteStore(ctx, db)
	blobs, err6 := attachments.NewDiskBlobs(filepath.Join(cfg.DataDir, "attachments"))
	invites, err7 := rooms.NewSQLiteInviteStore(ctx, db)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		_ = errors.Join(writer.Close(), db.Close())
		return nil, fmt.Errorf("prepare embedded database: %w", err)
	}
	return &stores{
		users: users, sessions: sessions, rooms: roomStore, invites: invites, messages: msgs, files: files, blobs: blobs,
		ping: db.PingContext,
		close: func(context.Context) error {
			return errors.Join(msgs.Close(), writer.Close(), db.Close())
		},
	}, nil
}

func openMongo(ctx context.Context, cfg Config) (*stores, error) {
	client, db, err := mongo.Connect(ctx, cfg.MongoURI, cfg.MongoDB)
	if err != nil {
		return nil, err
	}
	users, err1 := auth.NewMongoStore(ctx, db)
	roomStore, err2 := rooms.NewMongoStore(ctx, db)
	msgs, err3 := messages.NewMongoStore(ctx, db)
	sessions, err4 := auth.NewMongoSessionStore(ctx, db)
	files, err5 := attachments.NewMongoStore(ctx, db)
	invites, err6 := rooms.NewMongoInviteStore(ctx, db)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("prepare MongoDB collections: %w", err)
	}
	return &stores{
		users: users, sessions: sessions, rooms: roomStore, invites: invites, messages: msgs, files: files,
		blobs: attachments.NewGridFSBlobs(db),
		ping:  func(ctx context.Context) error { return client.Ping(ctx, nil) },
		close: func(ctx context.Context) error {
			return errors.Join(msgs.Close(), client.Disconnect(ctx))
		},
	}, nil
}

// jwtSecret returns the configured secret, or the one kept in the data
// directory, creating it on first start so that tokens survive restarts.
func jwtSecret(cfg Config) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s is too short; delete it or set CHAT_JWT_SECRET", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read JWT secret: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("generate JWT secret: %w", err)
	}
	secret := hex.EncodeToString(buf)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return jwtSecret(cfg) // another instance wrote it first
	}
	if err != nil {
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	_, werr := f.WriteString(secret + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	return []byte(secret), nil
}
