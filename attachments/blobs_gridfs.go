package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/roomchat/chat/wire"
)

// GridFSBlobs keeps blobs in GridFS, in the service's own database, so that
// every instance serves every file. A file's document is written only once
// its last chunk is, so a blob is visible whole or not at all.
type GridFSBlobs struct {
	bucket *mongo.GridFSBucket
}

var _ Blobs = (*GridFSBlobs)(nil)

// NewGridFSBlobs returns the blobs of the bucket "attachments" of db.
func NewGridFSBlobs(db *mongo.Database) *GridFSBlobs {
	return &GridFSBlobs{bucket: db.GridFSBucket(options.GridFSBucket().SetName("attachments"))}
}

// Create implements Blobs.
func (g *GridFSBlobs) Create(ctx context.Context, key string) (BlobWriter, error) {
	up, err := g.bucket.OpenUploadStreamWithID(ctx, key, key)
	if err != nil {
		return nil, wire.Unavailablef("store attachment", err)
	}
	return gridWriter{up}, nil
}

type gridWriter struct{ up *mongo.GridFSUploadStream }

func (w gridWriter) Write(p []byte) (int, error) { return w.up.Write(p) }

func (w gridWriter) Commit() error {
	if err := w.up.Close(); err != nil {
		return wire.Unavailablef("store attachment", err)
	}
	return nil
}

func (w gridWriter) Abort() { _ = w.up.Abort() }

// Open implements Blobs.
func (g *GridFSBlobs) Open(ctx context.Context, key string) (Blob, error) {
	ds, err := g.bucket.OpenDownloadStream(ctx, key)
	switch {
	case errors.Is(err, mongo.ErrFileNotFound):
		return nil, ErrNotFound
	case err != nil:
		return nil, wire.Unavailablef("open attachment", err)
	}
	f := ds.GetFile()
	return &gridBlob{g: g, ctx: ctx, key: key, ds: ds, size: f.Length, mod: f.UploadDate}, nil
}

// gridBlob reads a GridFS file; a seek reopens it at the offset (GridFS
// streams only skip forward).
type gridBlob struct {
	g    *GridFSBlobs
	ctx  context.Context
	key  string
	ds   *mongo.GridFSDownloadStream
	pos  int64 // where ds is, or where the next Read opens it
	size int64
	mod  time.Time
}

func (b *gridBlob) Size() int64        { return b.size }
func (b *gridBlob) ModTime() time.Time { return b.mod }

func (b *gridBlob) Read(p []byte) (int, error) {
	if b.pos >= b.size {
		return 0, io.EOF
	}
	if b.ds == nil {
		ds, err := b.g.bucket.OpenDownloadStream(b.ctx, b.key)
		if err != nil {
			return 0, wire.Unavailablef("read attachment", err)
		}
		if _, err := ds.Skip(b.pos); err != nil {
			_ = ds.Close()
			return 0, wire.Unavailablef("read attachment", err)
		}
		b.ds = ds
	}
	n, err := b.ds.Read(p)
	b.pos += int64(n)
	return n, err
}

func (b *gridBlob) Seek(offset int64, whence int) (int64, error) {
	var to int64
	switch whence {
	case io.SeekStart:
		to = offset
	case io.SeekCurrent:
		to = b.pos + offset
	case io.SeekEnd:
		to = b.size + offset
	}
	if to < 0 {
		return 0, fmt.Errorf("seek to %d", to)
	}
	if to != b.pos && b.ds != nil {
		_ = b.ds.Close()
		b.ds = nil
	}
	b.pos = to
	return to, nil
}

func (b *gridBlob) Close() error {
	if b.ds == nil {
		return nil
	}
	return b.ds.Close()
}

// Delete implements Blobs.
func (g *GridFSBlobs) Delete(ctx context.Context, key string) error {
	err := g.bucket.Delete(ctx, key)
	if err != nil && !errors.Is(err, mongo.ErrFileNotFound) {
		return wire.Unavailablef("delete attachment", err)
	}
	return nil
}
