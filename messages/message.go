// Package messages owns messages: the room log that orders every send
// (sequence numbers, deduplication of retried sends, storage in batches,
// publication in order), mentions, history paging, the store interface and
// its implementations, the service, its chi routes and its Socket.IO
// handlers.
//
// One send_message, from the socket to the ack, is in two files: send.go
// (the event handler and the checks of a send) and log.go (the room log).
package messages

import (
	"encoding/json"
	"time"

	"github.com/roomchat/chat/wire"
)

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

// Sentinel errors of the messages package.
var (
	ErrMessageNotFound = wire.NewError(wire.NotFound, "message not found")
	ErrEmptyContent    = wire.NewError(wire.InvalidArgument, "content must not be empty")
	ErrTooLarge        = wire.NewError(wire.TooLarge, "content is too long")
	ErrInvalidCursor   = wire.NewError(wire.InvalidArgument, "before must be a message id and after a seq number, not both")
	ErrRateLimited     = wire.NewError(wire.RateLimited, "sending too fast")
	ErrInvalidTempID   = wire.NewError(wire.InvalidArgument, "tempId must be a string of at most 128 characters")
	ErrInvalidMessage  = wire.NewError(wire.InvalidArgument, "messageId must be a 24-hex-character id")
	ErrInvalidRoom     = wire.NewError(wire.InvalidArgument, "roomId must be a 24-hex-character id")
	ErrInvalidUTF8     = wire.NewError(wire.InvalidArgument, "content must be valid UTF-8")
)
