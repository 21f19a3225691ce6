package messages

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// A send_message, from the socket to the ack:
//
//  1. onSend decodes the payload, in the order of the socket's events
//     (sockets.Events.OnStaged);
//  2. Submit checks it (content rules, membership, a repeat this instance
//     remembers, the rate limit, mentions) and queues it on the room log
//     (log.go), still in the order of the socket's events;
//  3. the room log stores it with the next seq, publishes it to the room
//     (message, then mention) and resolves its Pending;
//  4. the socket's lane waits for the Pending, in arrival order, and
//     answers with message_ack and the ack (the finish returned by onSend).
//
// The socket's next events run meanwhile: a client that sends several
// messages without waiting gets them stored in one batch, in the order
// sent, and acknowledged in that order.

// SendRequest is the payload of send_message.
type SendRequest struct {
	RoomID      *string  `json:"roomId"`
	Content     *string  `json:"content"`
	Mentions    []string `json:"mentions"`
	TempID      *string  `json:"tempId"`
	ReplyTo     *string  `json:"replyTo"`
	Attachments []string `json:"attachments"`
}

// MessageAck is the payload of message_ack.
type MessageAck struct {
	TempID    string `json:"tempId,omitempty"`
	MessageID string `json:"messageId"`
	Seq       int64  `json:"seq"`
}

// onSend queues the message in the order of the socket's events; the
// returned finish waits for it to be stored, then sends message_ack and
// the answer.
func (s *Service) onSend(ctx context.Context, sock *socket.Socket, u auth.User, payload json.RawMessage) (func() (any, error), error) {
	var req SendRequest
	if err := wire.Decode(payload, &req); err != nil {
		return nil, err
	}
	pending, err := s.Submit(ctx, u, req)
	if err != nil {
		return nil, err
	}
	return func() (any, error) {
		m, _, err := s.wait(pending)
		if err != nil {
			return nil, err
		}
		_ = sock.Emit("message_ack", MessageAck{TempID: m.TempID, MessageID: m.ID, Seq: m.Seq})
		return messageResult{m}, nil
	}, nil
}

// Send checks and stores a message and waits until it is published. A
// repeat of a tempId returns the original message with created false and
// publishes nothing.
func (s *Service) Send(ctx context.Context, from auth.User, req SendRequest) (Message, bool, error) {
	pending, err := s.Submit(ctx, from, req)
	if err != nil {
		return Message{}, false, err
	}
	return s.wait(pending)
}

// Submit checks a send and queues its message on the room log; the
// Pending resolves once it is stored and published. Messages submitted one
// after another are stored in that order. ctx must last until the Pending
// is resolved.
func (s *Service) Submit(ctx context.Context, from auth.User, req SendRequest) (*Pending, error) {
	p, err := s.submit(ctx, from, req)
	if err != nil {
		s.failed.WithLabelValues(string(wire.CodeOf(err))).Inc()
		return nil, err
	}
	return p, nil
}

func (s *Service) submit(ctx context.Context, from auth.User, req SendRequest) (*Pending, error) {
	msg, err := s.validate(req)
	if err != nil {
		return nil, err
	}
	members, err := s.members.Members(ctx, msg.RoomID, from.ID)
	if err != nil {
		return nil, err
	}
	if msg.TempID != "" {
		// A retry after a lost ack spends no token and is never refused as
		// too fast.
		if prev, ok := s.log.Recent(from.ID, msg.TempID); ok {
			return resolved(ctx, prev), nil
		}
	}
	if ok, retry, err := s.limiter.Allow(ctx, "send:"+from.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, wire.WithRetryAfter(ErrRateLimited, retry)
	}
	msg.SenderID, msg.SenderName, msg.CreatedAt = from.ID, from.Username, wire.Now()
	if msg.Mentions, err = s.mentions(ctx, from.ID, msg.Content, members); err != nil {
		return nil, err
	}
	if msg.ReplyToID != "" {
		if msg.ReplyTo, err = s.quote(ctx, msg.RoomID, msg.ReplyToID); err != nil {
			return nil, err
		}
	}
	if len(msg.AttachmentIDs) > 0 {
		if s.files == nil {
			return nil, errNoFiles
		}
		msg.ID = wire.NewID()
		if err := s.files.Claim(ctx, msg.AttachmentIDs, from.ID, msg.RoomID, msg.ID); err != nil {
			return nil, err
		}
		if msg, err = s.withFile(ctx, msg); err != nil {
			s.files.Release(ctx, msg.AttachmentIDs, msg.ID)
			return nil, err
		}
	}
	return s.log.Append(ctx, msg), nil
}

var errNoFiles = wire.NewError(wire.InvalidArgument, "this server keeps no attachments")

// quote returns the quote of the message a send answers: a message of the
// same room that is not deleted.
func (s *Service) quote(ctx context.Context, roomID, messageID string) (*Quote, error) {
	m, err := s.store.ByID(ctx, messageID)
	switch {
	case errors.Is(err, ErrMessageNotFound):
		return nil, ErrInvalidReply
	case err != nil:
		return nil, err
	case m.RoomID != roomID || m.Deleted():
		return nil, ErrInvalidReply
	}
	return QuoteOf(m), nil
}

// resolved is the Pending of a repeat answered at once.
func resolved(ctx context.Context, m Message) *Pending {
	p := &Pending{ctx: ctx, done: make(chan struct{})}
	p.answer(m, false, nil)
	return p
}

// wait waits for a send's Pending and counts a failure. The attachments
// claimed for a message that was not stored (it failed, or repeated an
// earlier send) are released.
func (s *Service) wait(p *Pending) (Message, bool, error) {
	m, created, err := p.Wait()
	if err != nil {
		s.failed.WithLabelValues(string(wire.CodeOf(err))).Inc()
	}
	select {
	case <-p.Done():
		if ids := p.msg.AttachmentIDs; len(ids) > 0 && (p.err != nil || p.stored.ID != p.msg.ID) {
			s.files.Release(context.Background(), ids, p.msg.ID)
		}
	default: // given up on: it may still be stored
	}
	if err == nil && !created {
		if m, err = s.withFile(p.ctx, m); err != nil {
			return Message{}, false, err
		}
	}
	return m, created, err
}

func (s *Service) validate(req SendRequest) (Message, error) {
	if req.RoomID == nil || !wire.ValidID(*req.RoomID) {
		return Message{}, ErrInvalidRoom
	}
	content, err := s.checkContent(req.Content)
	switch {
	case errors.Is(err, ErrEmptyContent) && len(req.Attachments) > 0:
		content = "" // files alone, or with a caption
	case err != nil:
		return Message{}, err
	}
	if len(req.Attachments) > maxAttachments {
		return Message{}, ErrTooManyFiles
	}
	m := Message{RoomID: *req.RoomID, Content: content, AttachmentIDs: req.Attachments}
	for _, id := range req.Attachments {
		if !wire.ValidID(id) {
			return Message{}, ErrInvalidFileID
		}
	}
	if req.ReplyTo != nil {
		if !wire.ValidID(*req.ReplyTo) {
			return Message{}, ErrInvalidMessage
		}
		m.ReplyToID = *req.ReplyTo
	}
	if req.TempID != nil {
		if *req.TempID == "" || utf8.RuneCountInString(*req.TempID) > 128 {
			return Message{}, ErrInvalidTempID
		}
		m.TempID = *req.TempID
	}
	return m, nil
}

// checkContent applies the content rules of a send and an edit.
func (s *Service) checkContent(content *string) (string, error) {
	switch {
	case content == nil:
		return "", ErrEmptyContent
	case strings.TrimSpace(*content) == "":
		return *content, ErrEmptyContent
	case !utf8.ValidString(*content):
		return "", ErrInvalidUTF8
	case utf8.RuneCountInString(*content) > s.cfg.MaxContent:
		return "", wire.Errorf(wire.TooLarge, "content is longer than %d characters", s.cfg.MaxContent)
	}
	return *content, nil
}

// mentions returns the members, other than the sender, whose username is
// written as a whole @token in content. A client-sent mentions list adds
// nothing: the text alone decides, so no one outside it can be mentioned.
// The names in the text are resolved, not the room's members, so the cost
// does not grow with the room.
func (s *Service) mentions(ctx context.Context, senderID, content string, members []string) ([]string, error) {
	names := MentionedNames(content)
	if len(names) == 0 {
		return nil, nil
	}
	if len(names) > maxMentionedNames {
		names = names[:maxMentionedNames]
	}
	users, err := s.directory.ByUsernames(ctx, names)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if u, ok := users[n]; ok && u.ID != senderID && slices.Contains(members, u.ID) {
			out = append(out, u.ID)
		}
	}
	return out, nil
}

// maxMentionedNames bounds how many distinct names of one message are
// looked up; names after them mention nobody.
const maxMentionedNames = 50

// MentionEvent is the payload of the mention event.
type MentionEvent struct {
	RoomID       string `json:"roomId"`
	MessageID    string `json:"messageId"`
	FromUserID   string `json:"fromUserId"`
	FromUsername string `json:"fromUsername"`
	Content      string `json:"content"`
}

// publish sends a stored message to its room and mention to the users it
// mentions; the room log calls it in seq order.
func (s *Service) publish(m Message) {
	s.sent.Inc()
	s.out.Broadcast([]string{m.RoomID}, "message", m)
	if len(m.Mentions) == 0 {
		return
	}
	ev := MentionEvent{RoomID: m.RoomID, MessageID: m.ID, FromUserID: m.SenderID, FromUsername: m.SenderName, Content: m.Content}
	targets := make([]string, len(m.Mentions))
	for i, id := range m.Mentions {
		targets[i] = sockets.UserRoom(id)
	}
	s.out.Broadcast(targets, "mention", ev)
}
