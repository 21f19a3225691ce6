// Package messages owns messages: sequence numbers, mentions, deduplication
// of retried sends, history paging, the store interface and its
// implementations, the service, its chi routes and its Socket.IO handlers.
package messages

import (
	"context"
	"encoding/json"
	"time"

	"github.com/roomchat/chat/wire"
)

// DedupeWindow is how long a (sender, tempId) pair is remembered.
const DedupeWindow = 24 * time.Hour

// Message is one message of a room. Seq is per room, starts at 1 and has no
// gaps.
type Message struct {
	ID         string
	RoomID     string
	Seq        int64
	SenderID   string
	SenderName string
	Content    string
	Mentions   []string
	TempID     string
	CreatedAt  time.Time
}

type messageJSON struct {
	ID         string   `json:"id"`
	RoomID     string   `json:"roomId"`
	Seq        int64    `json:"seq"`
	SenderID   string   `json:"senderId"`
	SenderName string   `json:"senderName"`
	Content    string   `json:"content"`
	Mentions   []string `json:"mentions"`
	TempID     string   `json:"tempId,omitempty"`
	CreatedAt  string   `json:"createdAt"`
}

// MarshalJSON writes the wire shape of a message.
func (m Message) MarshalJSON() ([]byte, error) {
	mentions := m.Mentions
	if mentions == nil {
		mentions = []string{}
	}
	return json.Marshal(messageJSON{ID: m.ID, RoomID: m.RoomID, Seq: m.Seq, SenderID: m.SenderID,
		SenderName: m.SenderName, Content: m.Content, Mentions: mentions, TempID: m.TempID,
		CreatedAt: wire.FormatTime(m.CreatedAt)})
}

// Store keeps messages. Implementations: SQLiteStore (embedded) and
// MongoStore.
type Store interface {
	// Append stores m with the next seq of its room and returns it with ID
	// (kept if set, else assigned) and Seq filled. When m.TempID is set and
	// the same sender stored a message with that TempID within DedupeWindow,
	// nothing is stored and that message is returned with created false.
	// Appends to one room from many processes at once must still produce
	// unique, gap-free seqs.
	Append(ctx context.Context, m Message) (stored Message, created bool, err error)
	// Before returns up to limit messages of the room with seq < beforeSeq
	// (the newest when beforeSeq is 0), in ascending seq order, and whether
	// older ones exist.
	Before(ctx context.Context, roomID string, beforeSeq int64, limit int) ([]Message, bool, error)
	// After returns up to limit messages of the room with seq > afterSeq, in
	// ascending seq order, and whether more follow.
	After(ctx context.Context, roomID string, afterSeq int64, limit int) ([]Message, bool, error)
	// ByID returns the message or ErrMessageNotFound.
	ByID(ctx context.Context, id string) (Message, error)
	// Last returns the newest message of each of the rooms that has one.
	Last(ctx context.Context, roomIDs []string) (map[string]Message, error)
	// Unread counts the messages of the room with seq > afterSeq not sent by
	// userID, and how many of those mention userID.
	Unread(ctx context.Context, roomID, userID string, afterSeq int64) (unread, mentions int, err error)
}

// QueuedAppender is a Store that queues appends: QueueAppend returns once
// the message has its place in the store's queue, and wait returns what
// Append would have. Messages queued one after another are stored in that
// order, so a caller can queue several before waiting for the first.
type QueuedAppender interface {
	QueueAppend(ctx context.Context, m Message) (wait func() (Message, bool, error))
}

// Sentinel errors of the messages package.
var (
	ErrMessageNotFound = wire.NewError(wire.NotFound, "message not found")
	ErrEmptyContent    = wire.NewError(wire.InvalidArgument, "content must not be empty")
	ErrTooLarge        = wire.NewError(wire.TooLarge, "content is too long")
	ErrInvalidCursor   = wire.NewError(wire.InvalidArgument, "before must be a message id and after a seq number, not both")
	ErrRateLimited     = wire.NewError(wire.RateLimited, "sending too fast")
	ErrInvalidTempID   = wire.NewError(wire.InvalidArgument, "tempId must be a string of at most 128 characters")
	ErrInvalidMessage  = wire.NewError(wire.InvalidArgument, "messageId must be a 24-hex-character id")
)
