package messages

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Membership answers whether a user belongs to a room.
type Membership interface {
	// Members returns the member ids of the room if userID is one of them;
	// else the rooms package's forbidden or not-found error.
	Members(ctx context.Context, roomID, userID string) ([]string, error)
}

// Directory resolves user ids to users.
type Directory interface {
	Users(ctx context.Context, ids []string) (map[string]auth.User, error)
}

// Limiter is the per-user send rate limit.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Broadcaster delivers an event to Socket.IO rooms on every instance.
type Broadcaster interface {
	Broadcast(rooms []string, event string, payload any)
}

// Config tunes the service.
type Config struct {
	// MaxContent is the longest content in Unicode code points; 4,000 when 0.
	MaxContent int
}

// Service sends and pages messages.
type Service struct {
	store     Store
	members   Membership
	directory Directory
	limiter   Limiter
	out       Broadcaster
	log       *slog.Logger
	cfg       Config
	order     *publishOrder
	recent    *recentSends
	budget    *sockets.Budget // history reads; nil: unlimited (SetEventBudget)

	sent   prometheus.Counter
	failed *prometheus.CounterVec
}

// NewService returns a Service and registers its metrics with reg.
func NewService(cfg Config, store Store, members Membership, directory Directory, limiter Limiter,
	out Broadcaster, log *slog.Logger, reg prometheus.Registerer) *Service {
	if cfg.MaxContent <= 0 {
		cfg.MaxContent = 4000
	}
	s := &Service{store: store, members: members, directory: directory, limiter: limiter, out: out, log: log, cfg: cfg,
		order: newPublishOrder(), recent: newRecentSends(100_000),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_stored_total", Help: "Messages stored (deduplicated repeats excluded).",
		}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_message_sends_failed_total", Help: "send_message events refused, by error code.",
		}, []string{"code"}),
	}
	reg.MustRegister(s.sent, s.failed)
	return s
}

// SendRequest is the payload of send_message.
type SendRequest struct {
	RoomID   *string  `json:"roomId"`
	Content  *string  `json:"content"`
	Mentions []string `json:"mentions"`
	TempID   *string  `json:"tempId"`
}

// Send validates and stores a message, then broadcasts it to the room and
// mentions to the mentioned users. A repeat of a tempId returns the original
// message with created false and broadcasts nothing.
func (s *Service) Send(ctx context.Context, from auth.User, req SendRequest) (Message, bool, error) {
	finish, err := s.Submit(ctx, from, req)
	if err != nil {
		return Message{}, false, err
	}
	return finish()
}

// Submit is Send in two parts. Submit itself checks the send and queues its
// message for storage; finish waits until the message is stored, publishes
// it and returns what Send would. The messages of Submits made one after
// another are stored in that order even when nobody has called finish yet,
// when the store is a QueuedAppender (with other stores Submit stores the
// message itself). ctx must last until finish returns.
func (s *Service) Submit(ctx context.Context, from auth.User, req SendRequest) (finish func() (Message, bool, error), err error) {
	wait, err := s.submit(ctx, from, req)
	if err != nil {
		s.failed.WithLabelValues(string(wire.CodeOf(err))).Inc()
		return nil, err
	}
	return func() (Message, bool, error) {
		m, created, err := wait()
		if err != nil {
			s.failed.WithLabelValues(string(wire.CodeOf(err))).Inc()
		}
		return m, created, err
	}, nil
}

// submit queues the message of a send and returns the wait for the stored
// message; a repeat this instance has just stored is answered at once.
func (s *Service) submit(ctx context.Context, from auth.User, req SendRequest) (func() (Message, bool, error), error) {
	msg, err := s.validate(req)
	if err != nil {
		return nil, err
	}
	members, err := s.members.Members(ctx, msg.RoomID, from.ID)
	if err != nil {
		return nil, err
	}
	if msg.TempID != "" {
		if prev, ok := s.recent.get(from.ID, msg.TempID, wire.Now()); ok {
			return func() (Message, bool, error) { return prev, false, nil }, nil
		}
	}
	if ok, retry, err := s.limiter.Allow(ctx, "send:"+from.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, &wire.Error{Code: ErrRateLimited.Code, Message: ErrRateLimited.Message, RetryAfter: retry}
	}
	msg.SenderID, msg.SenderName, msg.CreatedAt = from.ID, from.Username, wire.Now()
	if msg.Mentions, err = s.mentions(ctx, from.ID, msg.Content, members); err != nil {
		return nil, err
	}
	q, ticket := s.order.begin(msg.RoomID)
	var stored func() (Message, bool, error)
	if qa, ok := s.store.(QueuedAppender); ok {
		stored = qa.QueueAppend(ctx, msg)
	} else {
		m, created, err := s.store.Append(ctx, msg)
		stored = func() (Message, bool, error) { return m, created, err }
	}
	waitFor := s.order.stored(q)
	return func() (Message, bool, error) {
		m, created, err := stored()
		var fresh *Message
		if err == nil && created {
			s.sent.Inc()
			fresh = &m
		}
		s.order.end(msg.RoomID, q, ticket, waitFor, fresh, s.publish)
		if err != nil {
			return Message{}, false, err
		}
		s.recent.put(m)
		return m, created, nil
	}, nil
}

func (s *Service) validate(req SendRequest) (Message, error) {
	if req.RoomID == nil || !wire.ValidID(*req.RoomID) {
		return Message{}, errInvalidRoom
	}
	if req.Content == nil || strings.TrimSpace(*req.Content) == "" {
		return Message{}, ErrEmptyContent
	}
	if !utf8.ValidString(*req.Content) {
		return Message{}, wire.NewError(wire.InvalidArgument, "content must be valid UTF-8")
	}
	if utf8.RuneCountInString(*req.Content) > s.cfg.MaxContent {
		return Message{}, wire.Errorf(wire.TooLarge, "content is longer than %d characters", s.cfg.MaxContent)
	}
	m := Message{RoomID: *req.RoomID, Content: *req.Content}
	if req.TempID != nil {
		if *req.TempID == "" || utf8.RuneCountInString(*req.TempID) > 128 {
			return Message{}, ErrInvalidTempID
		}
		m.TempID = *req.TempID
	}
	return m, nil
}

var errInvalidRoom = wire.NewError(wire.InvalidArgument, "roomId must be a 24-hex-character id")

// mentions returns the members, other than the sender, whose username is
// written as a whole @token in content. A client-sent mentions list adds
// nothing: the text alone decides, so no one outside it can be mentioned.
func (s *Service) mentions(ctx context.Context, senderID, content string, members []string) ([]string, error) {
	names := MentionedNames(content)
	if len(names) == 0 {
		return nil, nil
	}
	others := make([]string, 0, len(members))
	for _, id := range members {
		if id != senderID {
			others = append(others, id)
		}
	}
	users, err := s.directory.Users(ctx, others)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]string, len(users))
	for id, u := range users {
		byName[u.Username] = id
	}
	var out []string
	for _, n := range names {
		if id, ok := byName[n]; ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// MentionEvent is the payload of the mention event.
type MentionEvent struct {
	RoomID       string `json:"roomId"`
	MessageID    string `json:"messageId"`
	FromUserID   string `json:"fromUserId"`
	FromUsername string `json:"fromUsername"`
	Content      string `json:"content"`
}

func (s *Service) publish(m Message) {
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

// PageRequest asks for a page of history.
type PageRequest struct {
	RoomID   string
	BeforeID string
	AfterSeq *int64
	Limit    int
}

// Page is a page of history.
type Page struct {
	Messages []Message `json:"messages"`
	HasMore  bool      `json:"hasMore"`
}

// DefaultPageSize and MaxPageSize bound history pages.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// History returns a page of a room's messages to one of its members.
func (s *Service) History(ctx context.Context, userID string, req PageRequest) (Page, error) {
	if !wire.ValidID(req.RoomID) {
		return Page{}, errInvalidRoom
	}
	if req.BeforeID != "" && req.AfterSeq != nil {
		return Page{}, ErrInvalidCursor
	}
	if req.Limit <= 0 {
		req.Limit = DefaultPageSize
	}
	req.Limit = min(req.Limit, MaxPageSize)
	if _, err := s.members.Members(ctx, req.RoomID, userID); err != nil {
		return Page{}, err
	}
	var (
		msgs []Message
		more bool
		err  error
	)
	switch {
	case req.AfterSeq != nil:
		if *req.AfterSeq < 0 {
			return Page{}, ErrInvalidCursor
		}
		msgs, more, err = s.store.After(ctx, req.RoomID, *req.AfterSeq, req.Limit)
	case req.BeforeID != "":
		var seq int64
		if seq, err = SeqOf(ctx, s.store, req.RoomID, req.BeforeID); err == nil {
			msgs, more, err = s.store.Before(ctx, req.RoomID, seq, req.Limit)
		}
	default:
		msgs, more, err = s.store.Before(ctx, req.RoomID, 0, req.Limit)
	}
	if err != nil {
		return Page{}, err
	}
	if msgs == nil {
		msgs = []Message{}
	}
	return Page{Messages: msgs, HasMore: more}, nil
}

// SeqOf returns the seq of a message of the room; a message of another room
// is not found.
func SeqOf(ctx context.Context, store Store, roomID, messageID string) (int64, error) {
	if !wire.ValidID(messageID) {
		return 0, ErrInvalidMessage
	}
	m, err := store.ByID(ctx, messageID)
	if err != nil {
		return 0, err
	}
	if m.RoomID != roomID {
		return 0, ErrMessageNotFound
	}
	return m.Seq, nil
}
