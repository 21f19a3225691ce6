package attachments

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

// openRoom is a room everyone is a member of, that nobody ever left.
type openRoom struct{}

func (openRoom) Members(context.Context, string, string) ([]string, error) { return nil, nil }
func (openRoom) RemovedAt(context.Context, string) (time.Time, error)      { return time.Time{}, nil }

type noLimit struct{}

func (noLimit) Allow(context.Context, string) (bool, time.Duration, error) { return true, 0, nil }

func newTestService(t *testing.T, cfg Config) (*Service, *SQLiteStore, *DiskBlobs) {
	t.Helper()
	store := openSQLiteStore(t)
	blobs, err := NewDiskBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.SweepEvery = time.Hour
	s := NewService(cfg, store, blobs, []byte("test secret"), openRoom{}, noLimit{}, slog.New(slog.DiscardHandler))
	t.Cleanup(s.Close)
	return s, store, blobs
}

// keep stores an attachment created at the time given, with its bytes.
func keep(t *testing.T, s *Service, at time.Time) Attachment {
	t.Helper()
	a := Attachment{ID: wire.NewID(), RoomID: wire.NewID(), UploaderID: "u1", Name: "f.bin", Size: 3,
		ContentType: "application/octet-stream", CreatedAt: at}
	storeWithBytes(t, s, a)
	return a
}

// storeWithBytes stores a, with the bytes "abc" for it and, when it has
// one, for its thumbnail.
func storeWithBytes(t *testing.T, s *Service, a Attachment) {
	t.Helper()
	ctx := context.Background()
	keys := []string{a.ID}
	if a.Thumbnail {
		keys = append(keys, thumbKey(a.ID))
	}
	for _, key := range keys {
		w, err := s.blobs.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("abc")); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.store.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
}

func TestSweepUnsentDeletesOnlyOldUnsentUploads(t *testing.T) {
	ctx := context.Background()
	s, _, blobs := newTestService(t, Config{})
	now := wire.Now()
	old := keep(t, s, now.Add(-UnsentFor-time.Minute))
	oldSent := keep(t, s, now.Add(-UnsentFor-time.Minute))
	recent := keep(t, s, now.Add(-UnsentFor+time.Minute))
	if err := s.Claim(ctx, []string{oldSent.ID}, "u1", oldSent.RoomID, wire.NewID()); err != nil {
		t.Fatal(err)
	}
	if n := s.SweepUnsent(ctx); n != 1 {
		t.Fatalf("SweepUnsent = %d, want 1", n)
	}
	if _, err := blobs.Open(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old unsent upload's bytes: %v, want ErrNotFound", err)
	}
	found, err := s.store.ByIDs(ctx, []string{old.ID, oldSent.ID, recent.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := found[old.ID]; ok || len(found) != 2 {
		t.Errorf("left after the sweep: %v, want the sent and the recent upload", found)
	}
	for _, a := range []Attachment{oldSent, recent} {
		b, err := blobs.Open(ctx, a.ID)
		if err != nil {
			t.Fatalf("bytes of a kept upload: %v", err)
		}
		_ = b.Close()
	}
	if n := s.SweepUnsent(ctx); n != 0 {
		t.Errorf("a second sweep deleted %d", n)
	}
}

func TestSweepUnsentWorkIsBounded(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newTestService(t, Config{})
	for range sweepBatch + 5 {
		keep(t, s, wire.Now().Add(-2*UnsentFor))
	}
	if n := s.SweepUnsent(ctx); n != sweepBatch {
		t.Errorf("first sweep deleted %d, want %d", n, sweepBatch)
	}
	if n := s.SweepUnsent(ctx); n != 5 {
		t.Errorf("second sweep deleted %d, want 5", n)
	}
}

// multipartBody streams a multipart body whose field "file" holds size
// bytes, without holding them.
func multipartBody(size int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", "big.bin")
		if err == nil {
			_, err = io.Copy(part, io.LimitReader(zeros{}, size))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestUploadIsStreamed uploads a file many times larger than what the
// upload may allocate: the bytes go to storage as they arrive.
func TestUploadIsStreamed(t *testing.T) {
	const size = 32 << 20
	s, _, blobs := newTestService(t, Config{MaxUpload: size})
	body, ctype := multipartBody(size)
	r := httptest.NewRequest(http.MethodPost, "/rooms/x/attachments", body)
	r.Header.Set("Content-Type", ctype)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a, err := s.Upload(context.Background(), httptest.NewRecorder(), r, "u1", wire.NewID())
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != size {
		t.Errorf("Size = %d, want %d", a.Size, size)
	}
	t.Logf("a %d MiB upload allocated %d KiB", size>>20, (after.TotalAlloc-before.TotalAlloc)>>10)
	// The writer of the test's body allocates too; both together stay far
	// below the file.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > size/32 {
		t.Errorf("a %d MiB upload allocated %d KiB", size>>20, grew>>10)
	}
	b, err := blobs.Open(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	n, _ := io.Copy(io.Discard, b)
	if n != size {
		t.Errorf("stored %d bytes, want %d", n, size)
	}
}

func TestUploadOverTheLimitKeepsNothing(t *testing.T) {
	s, _, blobs := newTestService(t, Config{MaxUpload: 1 << 20})
	body, ctype := multipartBody(1<<20 + 1)
	r := httptest.NewRequest(http.MethodPost, "/rooms/x/attachments", body)
	r.Header.Set("Content-Type", ctype)
	_, err := s.Upload(context.Background(), httptest.NewRecorder(), r, "u1", wire.NewID())
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Upload = %v, want ErrTooLarge", err)
	}
	if left := countFiles(t, blobs.dir); left != 0 {
		t.Errorf("%d files left behind", left)
	}
	var exact bytes.Buffer
	mw := multipart.NewWriter(&exact)
	part, _ := mw.CreateFormFile("file", "exact.bin")
	_, _ = part.Write(make([]byte, 1<<20))
	_ = mw.Close()
	r = httptest.NewRequest(http.MethodPost, "/rooms/x/attachments", &exact)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if a, err := s.Upload(context.Background(), httptest.NewRecorder(), r, "u1", wire.NewID()); err != nil || a.Size != 1<<20 {
		t.Errorf("a file of exactly the limit: %d, %v", a.Size, err)
	}
}

// countFiles counts the files under dir, temporary ones included.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTooLargeNamesTheLimit(t *testing.T) {
	s, _, _ := newTestService(t, Config{MaxUpload: 100 << 10})
	body, ctype := multipartBody(200 << 10)
	r := httptest.NewRequest(http.MethodPost, "/rooms/x/attachments", body)
	r.Header.Set("Content-Type", ctype)
	_, err := s.Upload(context.Background(), httptest.NewRecorder(), r, "u1", wire.NewID())
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Upload = %v, want ErrTooLarge", err)
	}
	body2, _ := wire.Describe(err)
	if body2.Code != wire.TooLarge || body2.Message != "the file is larger than the upload limit of 100 KiB" {
		t.Errorf("answer = %+v", body2)
	}
	for n, want := range map[int64]string{25 << 20: "25 MiB", 1 << 30: "1 GiB", 1500: "1500 bytes", 3 << 10: "3 KiB"} {
		if got := sizeWords(n); got != want {
			t.Errorf("sizeWords(%d) = %q, want %q", n, got, want)
		}
	}
}
