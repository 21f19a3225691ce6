package messages

import (
	"slices"
	"time"

	"github.com/roomchat/chat/wire"
)

// The kinds of change to a message, as message_updated and the change
// stream name them.
const (
	KindEdited    = "edited"
	KindDeleted   = "deleted"
	KindReactions = "reactions"
	KindPinned    = "pinned"
	KindUnpinned  = "unpinned"
)

// Op is a change a user asks for on one message. The service has checked
// what needs no stored state (the caller is a member, the content and emoji
// are well formed, mentions resolved); the store checks the rest against
// the message as it is when the change is made (Decide).
type Op struct {
	Kind      string // KindEdited, KindDeleted, KindReactions, KindPinned or KindUnpinned
	RoomID    string
	MessageID string
	By        string    // the user asking
	Moderator bool      // By may delete others' messages and pin (owner, admin)
	At        time.Time // when the change is made

	Content  string   // KindEdited: the new content
	Mentions []string // KindEdited: who the new content mentions
	Window   time.Duration

	Emoji string // KindReactions
	Add   bool   // KindReactions: add (true) or take back
}

// Outcome is what became of an op: the message as it is after it, the rev
// it took (0 when it changed nothing or was refused) and, for an edit,
// the users the new content mentions who the old did not. Err is why the
// op was refused.
type Outcome struct {
	Message     Message
	Rev         int64
	Kind        string
	NewMentions []string
	// Erased are the attachments of a deleted message, whose files go too.
	Erased []string
	Err    error
}

// Limits of a message's reactions and a room's pins.
const (
	maxReactionEmoji = 20
	maxPins          = 50
)

// Sentinel errors of changes to messages.
var (
	ErrNotSender     = wire.NewError(wire.Forbidden, "only the sender can edit a message")
	ErrEditWindow    = wire.NewError(wire.Forbidden, "the time to edit this message has passed")
	ErrNotModerator  = wire.NewError(wire.Forbidden, "only the sender, the room's owner or an admin can do that")
	ErrTooManyEmoji  = wire.NewError(wire.InvalidArgument, "a message has at most 20 different reactions")
	ErrTooManyPins   = wire.NewError(wire.InvalidArgument, "a room has at most 50 pinned messages")
	ErrInvalidEmoji  = wire.NewError(wire.InvalidArgument, "emoji must be one emoji or a :shortcode:")
	ErrInvalidReply  = wire.NewError(wire.NotFound, "the message to reply to is not in this room")
	ErrMessageGone   = wire.NewError(wire.NotFound, "message not found")
	ErrNotPinner     = wire.NewError(wire.Forbidden, "only the room's owner or an admin can pin messages")
	errUnknownChange = wire.NewError(wire.Internal, "unknown kind of change")
)

// State is what Decide needs to know besides the message, as the store
// finds it: how many messages of the room are pinned (for a pin), and
// whether op.By has reacted with op.Emoji already (for a reaction).
type State struct {
	Pins    int
	Reacted bool
}

// Effect is what a change does to a message, decided from the message as
// it is; the stores carry it out. Changed is false when the op asks for
// what already is (a reaction there already, a pin pinned): it then takes
// no rev.
type Effect struct {
	Kind        string
	Changed     bool
	Message     Message // the message after the change
	NewMentions []string
	// For reactions: the row to add or take away.
	Reaction *ReactionRow
	Add      bool
	// For a delete: the attachments of the message.
	Erased []string
}

// Decide checks op against m, the message as it is now (with its
// reactions), and returns what the change does. It is the one rule of
// changes, applied by every store at the moment it makes the change.
func Decide(op Op, m Message, st State) (Effect, error) {
	if m.ID == "" || m.RoomID != op.RoomID || m.Deleted() {
		return Effect{}, ErrMessageGone
	}
	e := Effect{Kind: op.Kind, Message: m}
	switch op.Kind {
	case KindEdited:
		return decideEdit(op, e)
	case KindDeleted:
		if op.By != m.SenderID && !op.Moderator {
			return Effect{}, ErrNotModerator
		}
		e.Changed, e.Erased = true, m.AttachmentIDs
		e.Message = tombstone(m, op)
		return e, nil
	case KindReactions:
		return decideReaction(op, e, st)
	case KindPinned, KindUnpinned:
		return decidePin(op, e, st)
	}
	return Effect{}, errUnknownChange
}

func decideEdit(op Op, e Effect) (Effect, error) {
	m := e.Message
	if op.By != m.SenderID {
		return Effect{}, ErrNotSender
	}
	if op.Window > 0 && op.At.Sub(m.CreatedAt) > op.Window {
		return Effect{}, ErrEditWindow
	}
	for _, id := range op.Mentions {
		if !slices.Contains(m.Mentions, id) {
			e.NewMentions = append(e.NewMentions, id)
		}
	}
	e.Changed = true
	m.Content, m.Mentions, m.EditedAt = op.Content, op.Mentions, op.At
	e.Message = m
	return e, nil
}

func decideReaction(op Op, e Effect, st State) (Effect, error) {
	m := e.Message
	if op.Add == st.Reacted {
		return e, nil
	}
	i := slices.IndexFunc(m.Reactions, func(r Reaction) bool { return r.Emoji == op.Emoji })
	if op.Add && i < 0 && len(m.Reactions) >= maxReactionEmoji {
		return Effect{}, ErrTooManyEmoji
	}
	e.Changed, e.Add = true, op.Add
	e.Reaction = &ReactionRow{MessageID: m.ID, Emoji: op.Emoji, UserID: op.By, At: op.At}
	e.Message.Reactions = withReaction(m.Reactions, *e.Reaction, op.Add)
	return e, nil
}

// withReaction returns reactions with one user's reaction added or taken
// back.
func withReaction(reactions []Reaction, r ReactionRow, add bool) []Reaction {
	out := make([]Reaction, 0, len(reactions)+1)
	found := false
	for _, x := range reactions {
		if x.Emoji != r.Emoji {
			out = append(out, x)
			continue
		}
		found = true
		users := slices.DeleteFunc(slices.Clone(x.UserIDs), func(u string) bool { return u == r.UserID })
		if add {
			x.Count++
			if len(users) < maxReactionUsers {
				users = append(users, r.UserID)
			}
		} else {
			x.Count--
		}
		x.UserIDs = users
		if x.Count > 0 {
			out = append(out, x)
		}
	}
	if add && !found {
		out = append(out, Reaction{Emoji: r.Emoji, Count: 1, UserIDs: []string{r.UserID}})
	}
	return out
}

func decidePin(op Op, e Effect, st State) (Effect, error) {
	if !op.Moderator {
		return Effect{}, ErrNotPinner
	}
	m := e.Message
	pin := op.Kind == KindPinned
	if pin == !m.PinnedAt.IsZero() {
		return e, nil
	}
	if pin && st.Pins >= maxPins {
		return Effect{}, ErrTooManyPins
	}
	e.Changed = true
	if pin {
		e.Message.PinnedAt = op.At
	} else {
		e.Message.PinnedAt = time.Time{}
	}
	return e, nil
}

// tombstone is what is left of a deleted message: who sent it and when,
// and who deleted it when; nothing of what it said.
func tombstone(m Message, op Op) Message {
	return Message{ID: m.ID, RoomID: m.RoomID, Seq: m.Seq, SenderID: m.SenderID, SenderName: m.SenderName,
		CreatedAt: m.CreatedAt, TempID: m.TempID, DeletedAt: op.At, DeletedBy: op.By, Rev: m.Rev}
}
