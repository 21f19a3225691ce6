package messages

import (
	"context"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Roles of a room's members as messages needs them.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleDM     = "dm" // a member of a direct-message room
)

// UpdateEvent is the payload of message_updated, and one entry of the
// change stream.
type UpdateEvent = Change

// ChangesPage is a page of a room's change stream.
type ChangesPage struct {
	Changes []Change `json:"changes"`
	LastRev int64    `json:"lastRev"`
	HasMore bool     `json:"hasMore"`
}

// DefaultChangesPage and MaxChangesPage bound pages of changes.
const (
	DefaultChangesPage = 100
	MaxChangesPage     = 100
)

// Edit replaces the content of one of u's messages.
func (s *Service) Edit(ctx context.Context, u auth.User, roomID, messageID string, content *string) (Message, error) {
	text, err := s.checkContent(content)
	if err != nil {
		return Message{}, err
	}
	op, members, err := s.changeOp(ctx, u, KindEdited, roomID, messageID)
	if err != nil {
		return Message{}, err
	}
	if op.Mentions, err = s.mentions(ctx, u.ID, text, members); err != nil {
		return Message{}, err
	}
	op.Content, op.Window = text, s.cfg.EditWindow
	return s.change(ctx, op)
}

// Delete erases a message: its sender, or a moderator of the room, may.
func (s *Service) Delete(ctx context.Context, u auth.User, roomID, messageID string) error {
	op, _, err := s.changeOp(ctx, u, KindDeleted, roomID, messageID)
	if err != nil {
		return err
	}
	_, err = s.change(ctx, op)
	return err
}

// React adds or takes back u's reaction with emoji to a message.
func (s *Service) React(ctx context.Context, u auth.User, roomID, messageID, emoji string, add bool) (Message, error) {
	if !ValidEmoji(emoji) {
		return Message{}, ErrInvalidEmoji
	}
	op, _, err := s.changeOp(ctx, u, KindReactions, roomID, messageID)
	if err != nil {
		return Message{}, err
	}
	op.Emoji, op.Add = emoji, add
	return s.change(ctx, op)
}

// Pin pins (or unpins) a message of the room.
func (s *Service) Pin(ctx context.Context, u auth.User, roomID, messageID string, pin bool) (Message, error) {
	kind := KindPinned
	if !pin {
		kind = KindUnpinned
	}
	op, _, err := s.changeOp(ctx, u, kind, roomID, messageID)
	if err != nil {
		return Message{}, err
	}
	return s.change(ctx, op)
}

// changeOp checks what a change needs before the room log (ids,
// membership, the rate limit) and returns its op with the room's members.
func (s *Service) changeOp(ctx context.Context, u auth.User, kind, roomID, messageID string) (Op, []string, error) {
	if !wire.ValidID(roomID) {
		return Op{}, nil, ErrInvalidRoom
	}
	if !wire.ValidID(messageID) {
		return Op{}, nil, ErrInvalidMessage
	}
	members, err := s.members.Members(ctx, roomID, u.ID)
	if err != nil {
		return Op{}, nil, err
	}
	role, err := s.members.Role(ctx, roomID, u.ID)
	if err != nil {
		return Op{}, nil, err
	}
	if ok, retry, err := s.limiter.Allow(ctx, "send:"+u.ID); err != nil {
		return Op{}, nil, err
	} else if !ok {
		return Op{}, nil, wire.WithRetryAfter(ErrRateLimited, retry)
	}
	op := Op{Kind: kind, RoomID: roomID, MessageID: messageID, By: u.ID, At: wire.Now()}
	switch kind {
	case KindDeleted:
		op.Moderator = role == RoleOwner || role == RoleAdmin
	case KindPinned, KindUnpinned:
		op.Moderator = role == RoleOwner || role == RoleAdmin || role == RoleDM
	}
	return op, members, nil
}

// change gives op to the room log and waits for its outcome.
func (s *Service) change(ctx context.Context, op Op) (Message, error) {
	o, err := s.log.Change(ctx, op).Wait()
	if err != nil {
		return Message{}, err
	}
	return s.withFile(ctx, o.Message)
}

// publishChange sends a change to its room as message_updated, and
// mention to the users an edit newly mentions; the room log calls it in
// rev order.
func (s *Service) publishChange(o Outcome) {
	s.deleteFiles(o.Erased)
	if len(o.Message.AttachmentIDs) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), filesTimeout)
		if m, err := s.withFile(ctx, o.Message); err == nil {
			o.Message = m
		}
		cancel()
	}
	s.out.Broadcast([]string{o.Message.RoomID}, "message_updated", UpdateEvent{Rev: o.Rev, Kind: o.Kind, Message: o.Message})
	if len(o.NewMentions) == 0 {
		return
	}
	m := o.Message
	ev := MentionEvent{RoomID: m.RoomID, MessageID: m.ID, FromUserID: m.SenderID, FromUsername: m.SenderName, Content: m.Content}
	targets := make([]string, len(o.NewMentions))
	for i, id := range o.NewMentions {
		targets[i] = sockets.UserRoom(id)
	}
	s.out.Broadcast(targets, "mention", ev)
}

// Changes returns a page of a room's change stream to one of its members.
func (s *Service) Changes(ctx context.Context, userID, roomID string, afterRev int64, limit int) (ChangesPage, error) {
	if !wire.ValidID(roomID) {
		return ChangesPage{}, ErrInvalidRoom
	}
	if afterRev < 0 {
		return ChangesPage{}, ErrInvalidRev
	}
	if limit <= 0 {
		limit = DefaultChangesPage
	}
	if _, err := s.members.Members(ctx, roomID, userID); err != nil {
		return ChangesPage{}, err
	}
	changes, more, err := s.store.Changes(ctx, roomID, afterRev, min(limit, MaxChangesPage))
	if err != nil {
		return ChangesPage{}, err
	}
	last, err := s.store.LastRev(ctx, roomID)
	if err != nil {
		return ChangesPage{}, err
	}
	if changes == nil {
		changes = []Change{}
	}
	ms := make([]Message, len(changes))
	for i, c := range changes {
		ms[i] = c.Message
	}
	if err := s.withFiles(ctx, ms); err != nil {
		return ChangesPage{}, err
	}
	for i := range changes {
		changes[i].Message = ms[i]
	}
	return ChangesPage{Changes: changes, LastRev: last, HasMore: more}, nil
}

// Pins returns a room's pinned messages, the newest pin first, to one of
// its members.
func (s *Service) Pins(ctx context.Context, userID, roomID string) ([]Message, error) {
	if !wire.ValidID(roomID) {
		return nil, ErrInvalidRoom
	}
	if _, err := s.members.Members(ctx, roomID, userID); err != nil {
		return nil, err
	}
	pins, err := s.store.Pins(ctx, roomID)
	if err != nil {
		return nil, err
	}
	if pins == nil {
		pins = []Message{}
	}
	return pins, s.withFiles(ctx, pins)
}

// LastRev returns the room's newest rev, 0 when nothing changed yet.
func (s *Service) LastRev(ctx context.Context, roomID string) (int64, error) {
	return s.store.LastRev(ctx, roomID)
}
