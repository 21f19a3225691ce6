package attachments

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/roomchat/chat/wire"
)

// DiskBlobs keeps blobs as files under a directory: each written to a
// temporary file, synced, then renamed into place, so that a crash never
// leaves a partial file under a key.
type DiskBlobs struct {
	dir string
}

var _ Blobs = (*DiskBlobs)(nil)

// NewDiskBlobs returns the blobs under dir, creating it.
func NewDiskBlobs(dir string) (*DiskBlobs, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("create attachments dir: %w", err)
	}
	// Temporary files of uploads cut short by a crash.
	if entries, err := os.ReadDir(filepath.Join(dir, "tmp")); err == nil {
		for _, e := range entries {
			_ = os.Remove(filepath.Join(dir, "tmp", e.Name()))
		}
	}
	return &DiskBlobs{dir: dir}, nil
}

// path is where the blob of key lives: keys are ids (hex) with a suffix,
// spread over 256 directories.
func (d *DiskBlobs) path(key string) (string, error) {
	if len(key) < 2 || filepath.Base(key) != key {
		return "", fmt.Errorf("blob key %q", key)
	}
	return filepath.Join(d.dir, key[:2], key), nil
}

// Create implements Blobs.
func (d *DiskBlobs) Create(_ context.Context, key string) (BlobWriter, error) {
	final, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Join(d.dir, "tmp"), key+"-*")
	if err != nil {
		return nil, wire.Unavailablef("create attachment file", err)
	}
	return &diskWriter{f: f, final: final}, nil
}

type diskWriter struct {
	f     *os.File
	final string
}

func (w *diskWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// Commit syncs the file, renames it into place and syncs its directory.
func (w *diskWriter) Commit() error {
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(w.final), 0o700)
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.final)
	}
	if err == nil {
		err = syncDir(filepath.Dir(w.final))
	}
	if err != nil {
		_ = os.Remove(w.f.Name())
		return wire.Unavailablef("store attachment file", err)
	}
	return nil
}

func (w *diskWriter) Abort() {
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open implements Blobs.
func (d *DiskBlobs) Open(_ context.Context, key string) (Blob, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, ErrNotFound
	}
	f, err := os.Open(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, ErrNotFound
	case err != nil:
		return nil, wire.Unavailablef("open attachment file", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, wire.Unavailablef("open attachment file", err)
	}
	return diskBlob{File: f, size: st.Size(), mod: st.ModTime()}, nil
}

type diskBlob struct {
	*os.File
	size int64
	mod  time.Time
}

func (b diskBlob) Size() int64        { return b.size }
func (b diskBlob) ModTime() time.Time { return b.mod }

// Delete implements Blobs.
func (d *DiskBlobs) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wire.Unavailablef("delete attachment file", err)
	}
	return nil
}
