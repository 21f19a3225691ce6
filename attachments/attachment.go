// Package attachments owns the files and images of messages: uploads
// streamed to storage (files on disk for the embedded store, GridFS with
// MongoDB), what is known of each (its type sniffed from its bytes, an
// image's size and thumbnail, JPEG originals stripped of their EXIF
// segments), signed URLs, serving with ranges, and the lifecycle (sent
// once, with its message, deleted with it or after a day unsent).
package attachments

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/roomchat/chat/wire"
)

// Attachment is an uploaded file of a room.
type Attachment struct {
	ID          string
	RoomID      string
	UploaderID  string
	Name        string
	Size        int64
	ContentType string
	Width       int // images only
	Height      int
	Thumbnail   bool   // a thumbnail is stored
	MessageID   string // the message it was sent with; empty until sent
	CreatedAt   time.Time

	// URL and ThumbnailURL are filled, signed, when it is read.
	URL          string
	ThumbnailURL string
}

// Image reports whether the attachment is an image the page shows inline.
func (a Attachment) Image() bool { return a.Width > 0 && a.Height > 0 }

type attachmentJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Size         int64  `json:"size"`
	ContentType  string `json:"contentType"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnailUrl,omitempty"`
}

// MarshalJSON writes the wire shape of an attachment.
func (a Attachment) MarshalJSON() ([]byte, error) {
	return json.Marshal(attachmentJSON{ID: a.ID, Name: a.Name, Size: a.Size, ContentType: a.ContentType,
		Width: a.Width, Height: a.Height, URL: a.URL, ThumbnailURL: a.ThumbnailURL})
}

// Store keeps what is known of attachments. Implementations: SQLiteStore
// and MongoStore; both pass the contract tests of this package.
type Store interface {
	// Create stores a new attachment, not sent.
	Create(ctx context.Context, a Attachment) error
	// ByIDs returns the attachments with the ids that exist, by id.
	ByIDs(ctx context.Context, ids []string) (map[string]Attachment, error)
	// Claim marks the attachments sent with messageID, all or none: each
	// must have been uploaded by uploaderID to roomID and not be sent yet
	// (ErrNotYours, ErrAlreadySent, ErrNotFound otherwise). Of two claims
	// of one attachment, one wins, on every instance.
	Claim(ctx context.Context, ids []string, uploaderID, roomID, messageID string) error
	// Release undoes Claim for messageID (its message was not stored).
	Release(ctx context.Context, ids []string, messageID string) error
	// Delete forgets the attachments.
	Delete(ctx context.Context, ids []string) error
	// Unsent returns up to limit attachments created before cutoff that
	// were never sent.
	Unsent(ctx context.Context, cutoff time.Time, limit int) ([]Attachment, error)
	// OfRoom returns up to limit attachments of the room.
	OfRoom(ctx context.Context, roomID string, limit int) ([]Attachment, error)
}

// Blobs keeps the bytes of attachments and thumbnails, by key.
type Blobs interface {
	// Create returns a writer for a new blob of the key; nothing is
	// visible under the key until Commit, and Abort (or a failed Commit)
	// leaves nothing behind.
	Create(ctx context.Context, key string) (BlobWriter, error)
	// Open returns the blob's bytes.
	Open(ctx context.Context, key string) (Blob, error)
	// Delete removes the blob; a blob that is not there is no error.
	Delete(ctx context.Context, key string) error
}

// BlobWriter is a blob being written.
type BlobWriter interface {
	io.Writer
	// Commit makes the blob visible, whole.
	Commit() error
	// Abort discards it.
	Abort()
}

// Blob is a stored blob, read with ranges.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// Sentinel errors of the attachments package.
var (
	ErrNotFound     = wire.NewError(wire.NotFound, "attachment not found")
	ErrNotYours     = wire.NewError(wire.Forbidden, "only its uploader can send an attachment, in the room it was uploaded to")
	ErrAlreadySent  = wire.NewError(wire.InvalidArgument, "an attachment can be sent once")
	ErrTooMany      = wire.NewError(wire.InvalidArgument, "a message has at most 10 attachments")
	ErrTooLarge     = wire.NewError(wire.TooLarge, "the file is larger than the upload limit")
	ErrNoFile       = wire.NewError(wire.InvalidArgument, "the upload needs one multipart/form-data field named file")
	ErrBadSignature = wire.NewError(wire.Forbidden, "the link is not valid or has expired")
	ErrInvalidID    = wire.NewError(wire.InvalidArgument, "attachment ids must be 24-hex-character ids")
)

// MaxPerMessage bounds the attachments of one message.
const MaxPerMessage = 10
