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
// gaps; Rev is the room's rev of the message's latest change (0 if none).
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

	ReplyToID string    // the id of the message this one answers, as stored
	EditedAt  time.Time // zero if never edited
	DeletedAt time.Time // zero unless deleted
	DeletedBy string
	PinnedAt  time.Time // zero unless pinned
	Rev       int64

	// AttachmentIDs are the ids of the files it was sent with, as stored;
	// Attachments their wire form, with fresh links, filled when it is
	// read (see Files).
	AttachmentIDs []string
	Attachments   []json.RawMessage

	// Filled when the message is read: the message it answers as it is
	// now, and its reactions.
	ReplyTo   *Quote
	Reactions []Reaction
}

// Deleted reports whether the message was deleted (it is a tombstone).
func (m Message) Deleted() bool { return !m.DeletedAt.IsZero() }

// Quote is the message another one answers, as it is now.
type Quote struct {
	ID         string `json:"id"`
	Seq        int64  `json:"seq"`
	SenderID   string `json:"senderId"`
	SenderName string `json:"senderName"`
	Excerpt    string `json:"excerpt"`
	Deleted    bool   `json:"deleted"`
}

// maxAttachments bounds the attachments of a message.
const maxAttachments = 10

// quoteExcerpt is how many code points of a quoted message a quote shows.
const quoteExcerpt = 200

// QuoteOf returns the quote of m: its first quoteExcerpt code points, none
// once it is deleted.
func QuoteOf(m Message) *Quote {
	q := &Quote{ID: m.ID, Seq: m.Seq, SenderID: m.SenderID, SenderName: m.SenderName, Deleted: m.Deleted()}
	if !q.Deleted {
		q.Excerpt = firstRunes(m.Content, quoteExcerpt)
	}
	return q
}

func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Reaction is one emoji's reactions to a message: how many users reacted
// with it, and the first maxReactionUsers of them.
type Reaction struct {
	Emoji   string   `json:"emoji"`
	Count   int      `json:"count"`
	UserIDs []string `json:"userIds"`
}

// maxReactionUsers bounds the user ids listed per emoji.
const maxReactionUsers = 100

// ReactionRow is one user's reaction with one emoji, as stored.
type ReactionRow struct {
	MessageID string
	Emoji     string
	UserID    string
	At        time.Time
	Rev       int64 // the room's rev of the change that made it: their order
}

// SummarizeReactions turns the rows of one message, in the order they were
// made (by Rev), into its reactions: emoji in order of first use, counts
// exact.
func SummarizeReactions(rows []ReactionRow) []Reaction {
	var out []Reaction
	at := map[string]int{}
	for _, r := range rows {
		i, ok := at[r.Emoji]
		if !ok {
			i = len(out)
			at[r.Emoji] = i
			out = append(out, Reaction{Emoji: r.Emoji})
		}
		out[i].Count++
		if len(out[i].UserIDs) < maxReactionUsers {
			out[i].UserIDs = append(out[i].UserIDs, r.UserID)
		}
	}
	return out
}

type messageJSON struct {
	ID          string            `json:"id"`
	RoomID      string            `json:"roomId"`
	Seq         int64             `json:"seq"`
	SenderID    string            `json:"senderId"`
	SenderName  string            `json:"senderName"`
	Content     string            `json:"content"`
	Mentions    []string          `json:"mentions"`
	TempID      string            `json:"tempId,omitempty"`
	CreatedAt   string            `json:"createdAt"`
	EditedAt    *string           `json:"editedAt"`
	DeletedAt   *string           `json:"deletedAt"`
	DeletedBy   *string           `json:"deletedBy"`
	ReplyTo     *Quote            `json:"replyTo"`
	Reactions   []Reaction        `json:"reactions"`
	PinnedAt    *string           `json:"pinnedAt"`
	Rev         int64             `json:"rev"`
	Attachments []json.RawMessage `json:"attachments"`
}

// MarshalJSON writes the wire shape of a message.
func (m Message) MarshalJSON() ([]byte, error) {
	out := messageJSON{ID: m.ID, RoomID: m.RoomID, Seq: m.Seq, SenderID: m.SenderID,
		SenderName: m.SenderName, Content: m.Content, Mentions: m.Mentions, TempID: m.TempID,
		CreatedAt: wire.FormatTime(m.CreatedAt), EditedAt: optionalTime(m.EditedAt), DeletedAt: optionalTime(m.DeletedAt),
		ReplyTo: m.ReplyTo, Reactions: m.Reactions, PinnedAt: optionalTime(m.PinnedAt), Rev: m.Rev, Attachments: m.Attachments}
	if out.Attachments == nil {
		out.Attachments = []json.RawMessage{}
	}
	if out.Mentions == nil {
		out.Mentions = []string{}
	}
	out.Reactions = make([]Reaction, len(m.Reactions))
	for i, r := range m.Reactions {
		if r.UserIDs == nil {
			r.UserIDs = []string{}
		}
		out.Reactions[i] = r
	}
	if m.DeletedBy != "" {
		by := m.DeletedBy
		out.DeletedBy = &by
	}
	return json.Marshal(out)
}

func optionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := wire.FormatTime(t)
	return &s
}

// Sentinel errors of the messages package.
var (
	ErrMessageNotFound = wire.NewError(wire.NotFound, "message not found")
	ErrRoomDeleted     = wire.NewError(wire.NotFound, "the room is deleted")
	ErrEmptyContent    = wire.NewError(wire.InvalidArgument, "content must not be empty")
	ErrTooLarge        = wire.NewError(wire.TooLarge, "content is too long")
	ErrInvalidCursor   = wire.NewError(wire.InvalidArgument, "one of before (a message id), after (a seq number) and around (a message id), not two")
	ErrRateLimited     = wire.NewError(wire.RateLimited, "sending too fast")
	ErrInvalidTempID   = wire.NewError(wire.InvalidArgument, "tempId must be a string of at most 128 characters")
	ErrInvalidMessage  = wire.NewError(wire.InvalidArgument, "messageId must be a 24-hex-character id")
	ErrInvalidRoom     = wire.NewError(wire.InvalidArgument, "roomId must be a 24-hex-character id")
	ErrInvalidUTF8     = wire.NewError(wire.InvalidArgument, "content must be valid UTF-8")
	ErrInvalidRev      = wire.NewError(wire.InvalidArgument, "after must be a rev number")
	ErrInvalidQuery    = wire.NewError(wire.InvalidArgument, "q must be 1-200 characters")
	ErrTooManyFiles    = wire.NewError(wire.InvalidArgument, "a message has at most 10 attachments")
	ErrInvalidFileID   = wire.NewError(wire.InvalidArgument, "attachments must be attachment ids")
)
