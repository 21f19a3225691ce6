package messages

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Store keeps messages. Implementations: SQLiteStore (embedded) and
// MongoStore; both pass the contract suite of package storetest.
//
// # Ordering contract
//
// A room's messages are written only by the room log (Log), which owns
// their order: it decides what a repeated tempId returns (Claim), numbers
// the new messages of a room consecutively after the room's last seq
// (LastSeq, or the last Append it made), and gives them to Append in that
// order, one Append per room at a time within a process. The store keeps
// that numbering exactly and arbitrates between processes: a message is
// stored under its Seq or not at all, and no two messages of a room ever
// share a seq (a unique {roomId, seq} key), so whichever process stores a
// seq first has it and the other renumbers. Nothing else writes seqs;
// there are no counters in the database.
//
// A message and its (sender, tempId) claim are stored together: once
// Append reports a message stored, Claim finds it by its pair, on every
// process, until DedupeWindow has passed.
//
// Changes to stored messages (edits, deletes, reactions, pins) follow the
// same rules with a second counter, rev: the room log gives Apply the
// room's next rev; Apply takes the revs from there, in order, for the
// changes it makes (a change it refuses, or one that changes nothing, takes
// none), and stores each change together with its rev (in one transaction,
// or with the change's entry as the arbiter: an entry whose change was not
// finished is finished by the next Apply or LastRev of the room, by any
// process), so no rev ever names a change that was not made. No two
// changes of a room share a rev: whoever stores a rev first has it, and the
// other gets ErrRevTaken and is given the rest again, renumbered.
//
// Reads (Before, After, ByID, Activity, Changes, Pins) see a message or a
// change as soon as Append or Apply has returned it stored, with the
// message it replies to and its reactions as they are at the time of the
// read.
type Store interface {
	// LastSeq returns the highest seq stored in the room, 0 when it has no
	// message.
	LastSeq(ctx context.Context, roomID string) (int64, error)
	// Claim looks up, for each message with a TempID, whether its sender
	// stored a message with that TempID within DedupeWindow before its
	// CreatedAt, and claims the pair for it otherwise (on stores shared by
	// several processes, atomically: of two processes claiming one pair,
	// one gets it). The answer has one entry per message of ms, in order;
	// messages without a TempID get a zero Claim.
	Claim(ctx context.Context, ms []Message) ([]Claim, error)
	// Append stores ms, messages of one room numbered consecutively, in
	// order, each under its Seq and ID. It returns how many it stored, a
	// prefix of ms. It stops early only with ErrSeqTaken (another process
	// stored ms[n].Seq first: the caller reads LastSeq and renumbers the
	// rest) or ErrIDTaken (a message with ms[n].ID exists: another process
	// stored the same claimed message first; ByID returns it), or when the
	// database fails.
	Append(ctx context.Context, ms []Message) (stored int, err error)

	// LastRev returns the room's newest rev, 0 when nothing changed yet.
	LastRev(ctx context.Context, roomID string) (int64, error)
	// Apply makes ops, changes to messages of one room, in order, deciding
	// each with Decide against the message as it is at that moment. It
	// returns the outcome of each op it got to, a prefix of ops; it stops
	// early with ErrRevTaken (another process stored the rev it was to
	// take: the caller reads LastRev and gives it the rest) or when the
	// database fails.
	Apply(ctx context.Context, roomID string, nextRev int64, ops []Op) ([]Outcome, error)
	// Changes returns up to limit changes of the room with rev > afterRev,
	// in rev order, each with its message as it is now, and whether more
	// follow.
	Changes(ctx context.Context, roomID string, afterRev int64, limit int) ([]Change, bool, error)
	// Pins returns the room's pinned messages, the newest pin first.
	Pins(ctx context.Context, roomID string) ([]Message, error)

	// Search returns up to req.Limit messages of req.Rooms that are not
	// deleted and that req.Query matches (Query.Highlights), newest first,
	// from req.SenderID when set and older than req.BeforeID when set, and
	// whether more follow. The index behind it is updated in the same
	// write as the message, its edit and its delete.
	Search(ctx context.Context, req SearchRequest) ([]SearchHit, bool, error)

	// Before returns up to limit messages of the room with seq < beforeSeq
	// (the newest when beforeSeq is 0), in ascending seq order, and whether
	// older ones exist.
	Before(ctx context.Context, roomID string, beforeSeq int64, limit int) ([]Message, bool, error)
	// After returns up to limit messages of the room with seq > afterSeq, in
	// ascending seq order, and whether more follow.
	After(ctx context.Context, roomID string, afterSeq int64, limit int) ([]Message, bool, error)
	// ByID returns the message or ErrMessageNotFound.
	ByID(ctx context.Context, id string) (Message, error)
	// Activity returns, for each room of markers (room id -> the reader's
	// read marker, a seq), its newest message, its last rev, and how many
	// of the messages after the marker others sent and are not deleted
	// (Unread) and mention userID (UnreadMentions), in one read of the
	// store; rooms without messages are absent.
	Activity(ctx context.Context, userID string, markers map[string]int64) (map[string]RoomActivity, error)

	// SweepClaims deletes up to limit (sender, tempId) claims made before
	// cutoff, and returns how many it deleted.
	SweepClaims(ctx context.Context, cutoff time.Time, limit int) (int, error)

	// DeleteRoomBatch deletes up to limit messages of the room with
	// everything stored with them (mentions, reactions, pins, search
	// entries), and up to limit of the room's change entries, and returns
	// how many messages and entries it deleted: 0 once nothing of the room
	// is left, and for a room it never knew. Each call is a bounded piece
	// of work; a call cut short leaves nothing half deleted that the next
	// call does not find. The (sender, tempId) claims of the messages are
	// left to SweepClaims: they hold no content, and a claim whose message
	// is gone claims nothing.
	DeleteRoomBatch(ctx context.Context, roomID string, limit int) (int, error)
}

// Claim is what Store.Claim found of one message's (sender, tempId) pair.
type Claim struct {
	// Repeat is the message stored earlier with the same pair; nil when the
	// pair is now claimed for this message.
	Repeat *Message
	// ID is the id the message must be stored under: its own, or the id of
	// an earlier claim of the pair whose message was never stored (a send
	// that failed after its claim), so that a retry stores it once.
	ID string
}

// RoomActivity is a room's newest message, its last rev and one reader's
// unread counts.
type RoomActivity struct {
	Last           Message
	LastRev        int64
	Unread         int
	UnreadMentions int
}

// SearchRequest is a search of some rooms' messages.
type SearchRequest struct {
	Query    Query
	Rooms    []string
	SenderID string
	BeforeID string
	Limit    int
}

// SearchHit is a message a search found, with the spans of its content
// (code point offsets, end excluded) that matched.
type SearchHit struct {
	Message    Message
	Highlights [][2]int
}

// MarshalJSON writes the message with its highlights.
func (h SearchHit) MarshalJSON() ([]byte, error) {
	m, err := json.Marshal(h.Message)
	if err != nil {
		return nil, err
	}
	hl := h.Highlights
	if hl == nil {
		hl = [][2]int{}
	}
	spans, err := json.Marshal(hl)
	if err != nil {
		return nil, err
	}
	return append(append(append(m[:len(m)-1], `,"highlights":`...), spans...), '}'), nil
}

// Change is one entry of a room's change stream: its rev, its kind and the
// message it changed, as the message is now.
type Change struct {
	Rev     int64   `json:"rev"`
	Kind    string  `json:"kind"`
	Message Message `json:"message"`
}

// Errors of Store.Append that the room log recovers from.
var (
	// ErrSeqTaken: another process stored a message under the seq first.
	ErrSeqTaken = errors.New("seq is taken")
	// ErrIDTaken: a message with the id is stored already.
	ErrIDTaken = errors.New("message id is taken")
	// ErrRevTaken: another process stored a change under the rev first.
	ErrRevTaken = errors.New("rev is taken")
)

// ErrCorrupt marks a stored message that cannot be read back: an internal
// error, not an outage of the database.
var ErrCorrupt = errors.New("stored message cannot be read")

// DedupeWindow is how long a (sender, tempId) pair is remembered.
const DedupeWindow = 24 * time.Hour
