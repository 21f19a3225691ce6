package messages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/storage/sqlite"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/wire"
)

// The fakes below answer through function fields; calling a nil field
// panics, so a test notices a dependency used when it should not be.

type fakeMembership struct {
	members func(ctx context.Context, roomID, userID string) ([]string, error)
}

func (f *fakeMembership) Members(ctx context.Context, roomID, userID string) ([]string, error) {
	return f.members(ctx, roomID, userID)
}

// RoomIDs: the room of the fixture, for its members.
func (f *fakeMembership) RoomIDs(ctx context.Context, userID string) ([]string, error) {
	if _, err := f.members(ctx, sendRoom, userID); err != nil {
		return nil, nil
	}
	return []string{sendRoom}, nil
}

// Role: alice owns the room; the other members are members.
func (f *fakeMembership) Role(ctx context.Context, roomID, userID string) (string, error) {
	if _, err := f.members(ctx, roomID, userID); err != nil {
		return "", err
	}
	if userID == "u-alice" {
		return RoleOwner, nil
	}
	return RoleMember, nil
}

type fakeDirectory struct {
	users func(ctx context.Context, names []string) (map[string]auth.User, error)
}

func (f *fakeDirectory) ByUsernames(ctx context.Context, names []string) (map[string]auth.User, error) {
	return f.users(ctx, names)
}

type fakeLimiter struct {
	allow func(ctx context.Context, key string) (bool, time.Duration, error)
}

func (f *fakeLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	return f.allow(ctx, key)
}

// broadcastRecorder is a Broadcaster that keeps what it was asked to send.
type broadcastRecorder struct {
	mu   sync.Mutex
	sent []recordedBroadcast
}

type recordedBroadcast struct {
	rooms   []string
	event   string
	payload any
}

func (b *broadcastRecorder) Broadcast(rooms []string, event string, payload any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, recordedBroadcast{rooms: append([]string(nil), rooms...), event: event, payload: payload})
}

func (b *broadcastRecorder) all() []recordedBroadcast {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recordedBroadcast(nil), b.sent...)
}

// sendFixture is a Service whose room sendRoom has the members alice
// (the sender), bob and carol; dave is a known user outside the room. Its
// store is the embedded one, in a directory of the test's.
type sendFixture struct {
	svc      *Service
	store    *SQLiteStore
	writer   *sqlite.Writer
	members  *fakeMembership
	dir      *fakeDirectory
	limiter  *fakeLimiter
	out      *broadcastRecorder
	users    map[string]auth.User
	dirAsked [][]string
	limited  []string
}

const sendRoom = "0123456789abcdef01234567"

var alice = auth.User{ID: "u-alice", Username: "alice"}

func newSendFixture(t *testing.T) *sendFixture {
	t.Helper()
	f := &sendFixture{out: &broadcastRecorder{}, users: map[string]auth.User{
		"u-alice": alice,
		"u-bob":   {ID: "u-bob", Username: "bob"},
		"u-carol": {ID: "u-carol", Username: "carol"},
		"u-dave":  {ID: "u-dave", Username: "dave"},
	}}
	f.members = &fakeMembership{members: func(_ context.Context, roomID, userID string) ([]string, error) {
		members := []string{"u-alice", "u-bob", "u-carol"}
		if roomID != sendRoom {
			return nil, wire.NewError(wire.NotFound, "room not found")
		}
		for _, m := range members {
			if m == userID {
				return members, nil
			}
		}
		return nil, wire.NewError(wire.Forbidden, "not a member of the room")
	}}
	f.dir = &fakeDirectory{users: func(_ context.Context, names []string) (map[string]auth.User, error) {
		f.dirAsked = append(f.dirAsked, append([]string(nil), names...))
		out := map[string]auth.User{}
		for _, u := range f.users {
			if slices.Contains(names, u.Username) {
				out[u.Username] = u
			}
		}
		return out, nil
	}}
	f.limiter = &fakeLimiter{allow: func(_ context.Context, key string) (bool, time.Duration, error) {
		f.limited = append(f.limited, key)
		return true, 0, nil
	}}
	f.store, f.writer = openTestStore(t)
	f.svc = NewService(Config{}, f.store, f.members, f.dir, f.limiter, f.out,
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	return f
}

// openTestStore opens the embedded store in a directory of the test's.
func openTestStore(t *testing.T) (*SQLiteStore, *sqlite.Writer) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, err := sqlite.NewWriter(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSQLiteStore(ctx, db, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		_ = w.Close()
		_ = db.Close()
	})
	return s, w
}

// stored reads every message of sendRoom from the store.
func (f *sendFixture) stored(t *testing.T) []Message {
	t.Helper()
	page, _, err := f.store.After(context.Background(), sendRoom, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func strp(s string) *string { return &s }

func sendReq(content string) SendRequest {
	return SendRequest{RoomID: strp(sendRoom), Content: strp(content)}
}

// counterValue reads a counter.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// failures is how many sends the service counted as failed with code.
func (f *sendFixture) failures(t *testing.T, code wire.Code) float64 {
	return counterValue(t, f.svc.failed.WithLabelValues(string(code)))
}

func (f *sendFixture) wantNothingSent(t *testing.T) {
	t.Helper()
	if n := len(f.stored(t)); n != 0 {
		t.Errorf("stored %d messages, want none", n)
	}
	if sent := f.out.all(); len(sent) != 0 {
		t.Errorf("broadcast %d events, want none: %+v", len(sent), sent)
	}
}

func TestSendValidation(t *testing.T) {
	tests := []struct {
		name string
		req  SendRequest
		code wire.Code // "" for success
	}{
		{"no roomId", SendRequest{Content: strp("hi")}, wire.InvalidArgument},
		{"malformed roomId", SendRequest{RoomID: strp("room-1"), Content: strp("hi")}, wire.InvalidArgument},
		{"upper-case roomId", SendRequest{RoomID: strp(strings.ToUpper(sendRoom)), Content: strp("hi")}, wire.InvalidArgument},
		{"no content", SendRequest{RoomID: strp(sendRoom)}, wire.InvalidArgument},
		{"empty content", sendReq(""), wire.InvalidArgument},
		{"whitespace content", sendReq(" \n\t\r "), wire.InvalidArgument},
		{"ideographic space content", sendReq("\u3000\u00a0"), wire.InvalidArgument},
		{"invalid UTF-8", sendReq("hi \xff"), wire.InvalidArgument},
		{"one character", sendReq("x"), ""},
		{"4,000 two-byte code points", sendReq(strings.Repeat("é", 4000)), ""},
		{"4,001 two-byte code points", sendReq(strings.Repeat("é", 4001)), wire.TooLarge},
		{"4,000 four-byte code points", sendReq(strings.Repeat("😀", 4000)), ""},
		{"4,001 four-byte code points", sendReq(strings.Repeat("😀", 4001)), wire.TooLarge},
		{"4,001 ASCII", sendReq(strings.Repeat("a", 4001)), wire.TooLarge},
		{"empty tempId", SendRequest{RoomID: strp(sendRoom), Content: strp("hi"), TempID: strp("")}, wire.InvalidArgument},
		{"tempId of 128 code points", SendRequest{RoomID: strp(sendRoom), Content: strp("hi"), TempID: strp(strings.Repeat("é", 128))}, ""},
		{"tempId of 129 code points", SendRequest{RoomID: strp(sendRoom), Content: strp("hi"), TempID: strp(strings.Repeat("é", 129))}, wire.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSendFixture(t)
			m, created, err := f.svc.Send(context.Background(), alice, tt.req)
			if tt.code == "" {
				if err != nil || !created || m.Content != *tt.req.Content {
					t.Fatalf("Send = %+v, %v, %v", m, created, err)
				}
				return
			}
			if got := wire.CodeOf(err); got != tt.code {
				t.Fatalf("Send error %v has code %q, want %q", err, got, tt.code)
			}
			f.wantNothingSent(t)
			if len(f.limited) != 0 {
				t.Error("an invalid send used up the rate limit")
			}
			if n := f.failures(t, tt.code); n != 1 {
				t.Errorf("failed{code=%s} = %v, want 1", tt.code, n)
			}
		})
	}
}

func TestSendStoresThenBroadcasts(t *testing.T) {
	f := newSendFixture(t)
	req := sendReq("  hello <b>world</b>  ")
	req.TempID = strp("t-1")
	before := wire.Now()
	m, created, err := f.svc.Send(context.Background(), alice, req)
	if err != nil || !created {
		t.Fatalf("Send = %v, %v", created, err)
	}
	if m.RoomID != sendRoom || m.SenderID != "u-alice" || m.SenderName != "alice" || m.TempID != "t-1" ||
		m.Content != "  hello <b>world</b>  " || m.Seq != 1 || !wire.ValidID(m.ID) {
		t.Errorf("message = %+v", m)
	}
	if m.CreatedAt.Before(before) || m.CreatedAt.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("createdAt = %v, want now truncated to the millisecond", m.CreatedAt)
	}
	if m.Mentions != nil {
		t.Errorf("mentions = %v, want none", m.Mentions)
	}
	if stored := f.stored(t); len(stored) != 1 || !reflect.DeepEqual(stored[0], m) {
		t.Errorf("stored = %+v", stored)
	}
	sent := f.out.all()
	if len(sent) != 1 || sent[0].event != "message" || !reflect.DeepEqual(sent[0].rooms, []string{sendRoom}) ||
		!reflect.DeepEqual(sent[0].payload, m) {
		t.Errorf("broadcasts = %+v, want one message to the room", sent)
	}
	if !reflect.DeepEqual(f.limited, []string{"send:u-alice"}) {
		t.Errorf("limiter keys = %v", f.limited)
	}
	if n := counterValue(t, f.svc.sent); n != 1 {
		t.Errorf("stored counter = %v, want 1", n)
	}
}

func TestSendRepeatedTempID(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	req := sendReq("once")
	req.TempID = strp("t-1")
	first, _, err := f.svc.Send(ctx, alice, req)
	if err != nil {
		t.Fatal(err)
	}
	again, created, err := f.svc.Send(ctx, alice, req)
	if err != nil || created || again.ID != first.ID || again.Seq != first.Seq {
		t.Errorf("repeat = %+v, created %v, %v; want the first message, not created", again, created, err)
	}
	if sent := f.out.all(); len(sent) != 1 {
		t.Errorf("broadcasts = %d, want only the first", len(sent))
	}
	if n := counterValue(t, f.svc.sent); n != 1 {
		t.Errorf("stored counter = %v, want 1", n)
	}
}

func TestSendMentions(t *testing.T) {
	tests := []struct {
		name    string
		content string
		claimed []string
		want    []string
	}{
		{"members named in the text", "@carol and @bob, look", nil, []string{"u-carol", "u-bob"}},
		{"case-insensitive, trailing full stop", "thanks @BOB.", nil, []string{"u-bob"}},
		{"not a member", "@dave hi", nil, nil},
		{"unknown name", "@zed hi", nil, nil},
		{"the sender", "note to self @alice", nil, nil},
		{"address is not a mention", "mail bob@bob.com", nil, nil},
		{"longer name", "@bobby", nil, nil},
		{"client list cannot add a member not named", "@bob", []string{"u-bob", "u-carol"}, []string{"u-bob"}},
		{"client list cannot add a non-member", "hi all", []string{"u-dave"}, nil},
		{"client list cannot drop a named member", "@carol", []string{}, []string{"u-carol"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSendFixture(t)
			req := sendReq(tt.content)
			req.Mentions = tt.claimed
			m, _, err := f.svc.Send(context.Background(), alice, req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.Mentions, tt.want) {
				t.Errorf("mentions = %v, want %v", m.Mentions, tt.want)
			}
			for _, asked := range f.dirAsked {
				for _, name := range asked {
					if !slices.Contains(MentionedNames(tt.content), name) {
						t.Errorf("the directory was asked about %q, not named in the text", name)
					}
				}
			}
			sent := f.out.all()
			if len(tt.want) == 0 {
				if len(sent) != 1 {
					t.Errorf("broadcasts = %+v, want only the message", sent)
				}
				return
			}
			if len(sent) != 2 || sent[1].event != "mention" {
				t.Fatalf("broadcasts = %+v, want the message then a mention", sent)
			}
			var targets []string
			for _, id := range tt.want {
				targets = append(targets, "user:"+id)
			}
			wantEvent := MentionEvent{RoomID: sendRoom, MessageID: m.ID, FromUserID: "u-alice", FromUsername: "alice", Content: tt.content}
			if !reflect.DeepEqual(sent[1].rooms, targets) || !reflect.DeepEqual(sent[1].payload, wantEvent) {
				t.Errorf("mention = %+v, want to %v: %+v", sent[1], targets, wantEvent)
			}
		})
	}
}

func TestSendRefused(t *testing.T) {
	down := wire.Unavailablef("append message", errors.New("disk full"))
	tests := []struct {
		name  string
		setup func(f *sendFixture)
		from  auth.User
		room  string
		code  wire.Code
	}{
		{"not a member", nil, auth.User{ID: "u-dave", Username: "dave"}, sendRoom, wire.Forbidden},
		{"unknown room", nil, alice, "ffffffffffffffffffffffff", wire.NotFound},
		{"limiter down", func(f *sendFixture) {
			f.limiter.allow = func(context.Context, string) (bool, time.Duration, error) { return false, 0, down }
		}, alice, sendRoom, wire.Unavailable},
		{"directory down", func(f *sendFixture) {
			f.dir.users = func(context.Context, []string) (map[string]auth.User, error) { return nil, down }
		}, alice, sendRoom, wire.Unavailable},
		{"store down", func(f *sendFixture) { _ = f.writer.Close() }, alice, sendRoom, wire.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSendFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			_, _, err := f.svc.Send(context.Background(), tt.from, SendRequest{RoomID: strp(tt.room), Content: strp("hi @bob")})
			if got := wire.CodeOf(err); got != tt.code {
				t.Fatalf("Send error %v has code %q, want %q", err, got, tt.code)
			}
			f.wantNothingSent(t)
			if n := f.failures(t, tt.code); n != 1 {
				t.Errorf("failed{code=%s} = %v, want 1", tt.code, n)
			}
		})
	}
	t.Run("non-members do not use up the rate limit", func(t *testing.T) {
		f := newSendFixture(t)
		_, _, _ = f.svc.Send(context.Background(), auth.User{ID: "u-dave"}, sendReq("hi"))
		if len(f.limited) != 0 {
			t.Errorf("limiter asked %v", f.limited)
		}
	})
}

func TestSendRateLimited(t *testing.T) {
	f := newSendFixture(t)
	f.limiter.allow = func(context.Context, string) (bool, time.Duration, error) {
		return false, 1500 * time.Millisecond, nil
	}
	_, _, err := f.svc.Send(context.Background(), alice, sendReq("hi"))
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("Send = %v, want ErrRateLimited", err)
	}
	if after, ok := wire.RetryAfterOf(err); !ok || after != 1500*time.Millisecond {
		t.Errorf("error = %#v, want a retry after 1.5s", err)
	}
	body, status := wire.Describe(err)
	if status != 429 || body.RetryAfterMs == nil || *body.RetryAfterMs != 1500 {
		t.Errorf("Describe = %+v, %d", body, status)
	}
	f.wantNothingSent(t)
}

func TestMaxContentConfig(t *testing.T) {
	f := newSendFixture(t)
	f.svc.cfg.MaxContent = 5
	if _, _, err := f.svc.Send(context.Background(), alice, sendReq("ééééé")); err != nil {
		t.Errorf("5 code points: %v", err)
	}
	if _, _, err := f.svc.Send(context.Background(), alice, sendReq("éééééé")); wire.CodeOf(err) != wire.TooLarge {
		t.Errorf("6 code points: %v", err)
	}
}

func TestMessageJSON(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 123_000_000, time.UTC)
	m := Message{ID: "m1", RoomID: "r1", Seq: 3, SenderID: "u1", SenderName: "alice", Content: "<b>hi</b>", CreatedAt: at}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"m1","roomId":"r1","seq":3,"senderId":"u1","senderName":"alice","content":"\u003cb\u003ehi\u003c/b\u003e","mentions":[],"createdAt":"2026-11-25T12:00:00.123Z",` +
		`"editedAt":null,"deletedAt":null,"deletedBy":null,"replyTo":null,"reactions":[],"pinnedAt":null,"rev":0,"attachments":[]}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	m.TempID, m.Mentions = "t1", []string{"u2"}
	b, _ = json.Marshal(m)
	if !strings.Contains(string(b), `"mentions":["u2"],"tempId":"t1"`) {
		t.Errorf("JSON = %s", b)
	}
}

// historyFixture is a sendFixture whose room has messages 1..5, and a
// message 1 of another room.
func historyFixture(t *testing.T) (*sendFixture, []Message, Message) {
	f := newSendFixture(t)
	var sent []Message
	for i := 1; i <= 5; i++ {
		m, _, err := f.svc.Send(context.Background(), alice, sendReq(fmt.Sprintf("message %d", i)))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}
	other := Message{ID: wire.NewID(), RoomID: "ffffffffffffffffffffffff", Seq: 1, SenderID: "u-x", Content: "x", CreatedAt: wire.Now()}
	if _, err := f.store.Append(context.Background(), []Message{other}); err != nil {
		t.Fatal(err)
	}
	return f, sent, other
}

func TestHistory(t *testing.T) {
	seq := func(n int64) *int64 { return &n }
	f, sent, other := historyFixture(t)
	tests := []struct {
		name string
		user string
		req  PageRequest
		want string // seqs, then + when more
		err  error
		code wire.Code
	}{
		{name: "newest page", req: PageRequest{}, want: "[1 2 3 4 5]"},
		{name: "limit kept", req: PageRequest{Limit: 2}, want: "[4 5]+"},
		{name: "before a message", req: PageRequest{BeforeID: sent[3].ID, Limit: 2}, want: "[2 3]+"},
		{name: "before the first", req: PageRequest{BeforeID: sent[0].ID}, want: "[]"},
		{name: "after a seq", req: PageRequest{AfterSeq: seq(2), Limit: 2}, want: "[3 4]+"},
		{name: "after zero", req: PageRequest{AfterSeq: seq(0)}, want: "[1 2 3 4 5]"},
		{name: "after the last", req: PageRequest{AfterSeq: seq(5)}, want: "[]"},
		{name: "before and after", req: PageRequest{BeforeID: sent[3].ID, AfterSeq: seq(1)}, err: ErrInvalidCursor},
		{name: "negative after", req: PageRequest{AfterSeq: seq(-1)}, err: ErrInvalidCursor},
		{name: "malformed before", req: PageRequest{BeforeID: "nope"}, err: ErrInvalidMessage},
		{name: "unknown before", req: PageRequest{BeforeID: wire.NewID()}, err: ErrMessageNotFound},
		{name: "before a message of another room", req: PageRequest{BeforeID: other.ID}, err: ErrMessageNotFound},
		{name: "malformed room", req: PageRequest{RoomID: "room"}, code: wire.InvalidArgument},
		{name: "not a member", user: "u-dave", req: PageRequest{}, code: wire.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.RoomID == "" {
				tt.req.RoomID = sendRoom
			}
			if tt.user == "" {
				tt.user = "u-alice"
			}
			page, err := f.svc.History(context.Background(), tt.user, tt.req)
			switch {
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("History = %v, want %v", err, tt.err)
			case tt.code != "" && wire.CodeOf(err) != tt.code:
				t.Fatalf("History = %v, want code %s", err, tt.code)
			case tt.err == nil && tt.code == "" && err != nil:
				t.Fatalf("History: %v", err)
			}
			if err != nil {
				return
			}
			seqs := []int64{}
			for _, m := range page.Messages {
				seqs = append(seqs, m.Seq)
			}
			got := fmt.Sprint(seqs)
			if page.HasMore {
				got += "+"
			}
			if got != tt.want {
				t.Errorf("page = %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("limit capped at 100", func(t *testing.T) {
		f := newSendFixture(t)
		for i := range 105 {
			if _, _, err := f.svc.Send(context.Background(), alice, sendReq(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		page, err := f.svc.History(context.Background(), "u-alice", PageRequest{RoomID: sendRoom, Limit: 500})
		if err != nil || len(page.Messages) != 100 || !page.HasMore {
			t.Errorf("page of 500 = %d messages, more %v, %v; want 100 and more", len(page.Messages), page.HasMore, err)
		}
	})
}

func TestHistoryStoreDown(t *testing.T) {
	f := newSendFixture(t)
	_ = f.store.reads.before.Close()
	if _, err := f.svc.History(context.Background(), "u-alice", PageRequest{RoomID: sendRoom}); wire.CodeOf(err) != wire.Unavailable {
		t.Errorf("History = %v, want unavailable", err)
	}
}

// TestSendWithSQLiteStore runs sends through the embedded store: seqs follow
// each other and a repeated tempId is stored and broadcast once.
func TestSendWithSQLiteStore(t *testing.T) {
	ctx := context.Background()
	f := newSendFixture(t)

	for i := 1; i <= 3; i++ {
		req := sendReq(fmt.Sprintf("message %d for @bob", i))
		req.TempID = strp(fmt.Sprintf("t-%d", i))
		m, created, err := f.svc.Send(ctx, alice, req)
		if err != nil || !created || m.Seq != int64(i) || !reflect.DeepEqual(m.Mentions, []string{"u-bob"}) {
			t.Fatalf("send %d = %+v, %v, %v", i, m, created, err)
		}
	}
	req := sendReq("message 2 for @bob")
	req.TempID = strp("t-2")
	again, created, err := f.svc.Send(ctx, alice, req)
	if err != nil || created || again.Seq != 2 {
		t.Errorf("repeat = %+v, %v, %v; want seq 2, not created", again, created, err)
	}
	if n := len(f.out.all()); n != 6 {
		t.Errorf("broadcasts = %d, want 3 messages and 3 mentions", n)
	}
	page, err := f.svc.History(ctx, "u-bob", PageRequest{RoomID: sendRoom, Limit: 2})
	if err != nil || len(page.Messages) != 2 || page.Messages[0].Seq != 2 || page.Messages[1].Seq != 3 || !page.HasMore {
		t.Errorf("newest page = %+v, %v", page, err)
	}
}

// TestSendRepeatWhileRateLimited: a client that repeats a send after a lost
// ack gets the original back even when it is over the rate limit, and the
// repeat spends no token.
func TestSendRepeatWhileRateLimited(t *testing.T) {
	f := newSendFixture(t)
	ctx := context.Background()
	req := sendReq("once")
	req.TempID = strp("t-limited")
	first, _, err := f.svc.Send(ctx, alice, req)
	if err != nil {
		t.Fatal(err)
	}
	f.limiter.allow = func(context.Context, string) (bool, time.Duration, error) {
		t.Error("a repeat asked the rate limiter")
		return false, time.Second, nil
	}
	again, created, err := f.svc.Send(ctx, alice, req)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("repeat while limited = %+v, created %v, %v; want the first message", again, created, err)
	}
	other := sendReq("new")
	other.TempID = strp("t-other")
	f.limiter.allow = func(context.Context, string) (bool, time.Duration, error) { return false, time.Second, nil }
	if _, _, err := f.svc.Send(ctx, alice, other); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("a new send while limited = %v, want ErrRateLimited", err)
	}
	if sent := f.out.all(); len(sent) != 1 {
		t.Errorf("broadcasts = %d, want only the first", len(sent))
	}
}

// TestSubmitPipelinesWithSQLiteStore submits several sends before waiting
// for any, then waits for them last first: the messages are stored in the order
// of the Submits, each is broadcast once, in seq order, and a repeated
// tempId submitted while its original is still queued is not stored twice.
func TestSubmitPipelinesWithSQLiteStore(t *testing.T) {
	ctx := context.Background()
	f := newSendFixture(t)

	const n = 20
	var finishes []*Pending
	for i := 1; i <= n; i++ {
		req := sendReq(fmt.Sprintf("message %d", i))
		req.TempID = strp(fmt.Sprintf("t-%d", i))
		finish, err := f.svc.Submit(ctx, alice, req)
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		finishes = append(finishes, finish)
	}
	repeat := sendReq("message 5")
	repeat.TempID = strp("t-5")
	finishRepeat, err := f.svc.Submit(ctx, alice, repeat)
	if err != nil {
		t.Fatal(err)
	}
	for i := n - 1; i >= 0; i-- {
		m, created, err := finishes[i].Wait()
		if err != nil || !created || m.Seq != int64(i+1) || m.Content != fmt.Sprintf("message %d", i+1) {
			t.Fatalf("finish %d = seq %d %q, %v, %v; want seq %d", i+1, m.Seq, m.Content, created, err, i+1)
		}
	}
	if m, created, err := finishRepeat.Wait(); err != nil || created || m.Seq != 5 {
		t.Fatalf("repeat = seq %d, created %v, %v; want seq 5, not created", m.Seq, created, err)
	}
	sent := f.out.all()
	if len(sent) != n {
		t.Fatalf("%d broadcasts, want %d", len(sent), n)
	}
	for i, b := range sent {
		if m := b.payload.(Message); m.Seq != int64(i+1) {
			t.Fatalf("broadcast %d has seq %d", i, m.Seq)
		}
	}
}
