package attachments

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/roomchat/chat/wire"
)

// multipartSlack is what an upload's body may hold besides the file: the
// multipart headers and boundaries.
const multipartSlack = 64 << 10

// maxName bounds a file name, in bytes.
const maxName = 255

// Upload reads the multipart body of r, whose field "file" is the file, and
// stores it as an attachment of roomID uploaded by userID. The file is
// streamed to storage, never held whole; past MaxUpload it is refused
// (ErrTooLarge) and nothing is kept, as when the upload is cut short.
func (s *Service) Upload(ctx context.Context, w http.ResponseWriter, r *http.Request, userID, roomID string) (Attachment, error) {
	if !wire.ValidID(roomID) {
		return Attachment{}, errInvalidRoom
	}
	if _, err := s.rooms.Members(ctx, roomID, userID); err != nil {
		return Attachment{}, err
	}
	if ok, retry, err := s.limiter.Allow(ctx, "upload:"+userID); err != nil {
		return Attachment{}, err
	} else if !ok {
		return Attachment{}, wire.WithRetryAfter(ErrUploadRate, retry)
	}
	if r.ContentLength > s.cfg.MaxUpload+multipartSlack {
		return Attachment{}, s.tooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return Attachment{}, ErrNoFile
	}
	for {
		part, err := mr.NextPart()
		switch {
		case errors.Is(err, io.EOF):
			return Attachment{}, ErrNoFile
		case err != nil:
			return Attachment{}, s.uploadError(err)
		}
		if part.FormName() != "file" {
			continue
		}
		return s.save(ctx, userID, roomID, fileName(part.FileName()), part)
	}
}

var (
	errInvalidRoom = wire.NewError(wire.InvalidArgument, "roomId must be a 24-hex-character id")
	// ErrUploadRate answers uploads past the rate limit.
	ErrUploadRate = wire.NewError(wire.RateLimited, "uploading too fast")
)

// uploadError tells a body over the limit from a broken upload.
func (s *Service) uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return s.tooLarge()
	}
	return wire.Errorf(wire.InvalidArgument, "the upload was cut short or is not multipart/form-data")
}

// limitError is ErrTooLarge with a message that names the limit, so that a
// client can tell its user how large a file may be.
type limitError struct{ msg *wire.Error }

func (e limitError) Error() string        { return e.msg.Error() }
func (e limitError) Unwrap() error        { return e.msg }
func (e limitError) Is(target error) bool { return target == ErrTooLarge }

// tooLarge is ErrTooLarge naming this service's limit.
func (s *Service) tooLarge() error {
	return limitError{wire.Errorf(wire.TooLarge, "the file is larger than the upload limit of %s", sizeWords(s.cfg.MaxUpload))}
}

// sizeWords writes a size in the largest binary unit that divides it, or
// in bytes: "25 MiB", "100 KiB", "1500 bytes".
func sizeWords(n int64) string {
	for _, u := range []struct {
		name  string
		bytes int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.bytes && n%u.bytes == 0 {
			return fmt.Sprintf("%d %s", n/u.bytes, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// fileName makes a name to show and serve from what the client sent: no
// path, no control characters, valid UTF-8, at most maxName bytes.
func fileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	for len(name) > maxName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" {
		return "file"
	}
	return name
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// save streams one file into a blob, learns what it is, and records it.
func (s *Service) save(ctx context.Context, userID, roomID, name string, body io.Reader) (Attachment, error) {
	a := Attachment{ID: wire.NewID(), RoomID: roomID, UploaderID: userID, Name: name, CreatedAt: wire.Now()}
	br := bufio.NewReaderSize(body, 512)
	head, _ := br.Peek(512)
	a.ContentType = http.DetectContentType(head)
	bw, err := s.blobs.Create(ctx, a.ID)
	if err != nil {
		return Attachment{}, err
	}
	stored := &countingWriter{w: bw}
	var dst io.Writer = stored
	if a.ContentType == "image/jpeg" {
		dst = newEXIFStripper(stored)
	}
	in := &countingReader{r: br}
	_, err = io.Copy(dst, io.LimitReader(in, s.cfg.MaxUpload+1))
	switch {
	case err != nil && !errors.Is(err, errNotJPEG):
		bw.Abort()
		return Attachment{}, s.uploadError(err)
	case in.n > s.cfg.MaxUpload:
		bw.Abort()
		return Attachment{}, s.tooLarge()
	case errors.Is(err, errNotJPEG):
		// It only looked like a JPEG: refused, rather than kept half stripped.
		bw.Abort()
		return Attachment{}, wire.NewError(wire.InvalidArgument, "the file looks like a JPEG image but is not one")
	}
	if err := bw.Commit(); err != nil {
		return Attachment{}, err
	}
	a.Size = stored.n
	err = s.describeImage(ctx, &a)
	if err == nil {
		err = s.store.Create(ctx, a)
	}
	if err != nil {
		_ = s.blobs.Delete(ctx, a.ID)
		_ = s.blobs.Delete(ctx, thumbKey(a.ID))
		return Attachment{}, err
	}
	return s.signer.Sign(a, wire.Now()), nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// describeImage gives an image its size and a thumbnail; a file of an
// image type that does not decode is served as a download, and an image
// that decodes but cannot be scaled gets no thumbnail. Only a failure of
// storage is an error.
func (s *Service) describeImage(ctx context.Context, a *Attachment) error {
	if _, ok := imageTypes[a.ContentType]; !ok {
		return nil
	}
	blob, err := s.blobs.Open(ctx, a.ID)
	if err != nil {
		return err
	}
	w, h, ok := imageSize(a.ContentType, blob)
	_ = blob.Close()
	if !ok {
		a.ContentType = "application/octet-stream"
		return nil
	}
	a.Width, a.Height = w, h
	if w*h > maxThumbnailPixels {
		return nil
	}
	if blob, err = s.blobs.Open(ctx, a.ID); err != nil {
		return err
	}
	thumb, err := thumbnail(a.ContentType, blob)
	_ = blob.Close()
	if err != nil {
		s.log.Debug("no thumbnail", slog.String("attachment", a.ID), slog.Any("err", err))
		return nil
	}
	tw, err := s.blobs.Create(ctx, thumbKey(a.ID))
	if err != nil {
		return err
	}
	if _, err := tw.Write(thumb); err != nil {
		tw.Abort()
		return err
	}
	if err := tw.Commit(); err != nil {
		return err
	}
	a.Thumbnail = true
	return nil
}
