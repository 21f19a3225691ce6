package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/wire"
)

// searchTests are the contract of search.
var searchTests = []struct {
	name string
	run  func(t *testing.T, b Backend)
}{
	{"SearchMatching", testSearchMatching},
	{"SearchFollowsEditsAndDeletes", testSearchEdits},
	{"SearchRoomsSenderAndPages", testSearchScope},
}

// search runs q over rooms and returns the contents found, newest first.
func search(t *testing.T, s messages.Store, q string, rooms []string, opts ...func(*messages.SearchRequest)) ([]string, bool) {
	t.Helper()
	query, err := messages.ParseQuery(q)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", q, err)
	}
	req := messages.SearchRequest{Query: query, Rooms: rooms, Limit: 20}
	for _, o := range opts {
		o(&req)
	}
	hits, more, err := s.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	var out []string
	for _, h := range hits {
		if len(h.Highlights) == 0 {
			t.Errorf("hit %q of %q has no highlights", h.Message.Content, q)
		}
		out = append(out, h.Message.Content)
	}
	return out, more
}

func testSearchMatching(t *testing.T, b Backend) {
	s := b.Open()
	l, _ := NewLog(s)
	room, alice := wire.NewID(), User()
	texts := []string{
		"Deployment finished at noon",
		"我们聊天吧",
		"明日の会議は10時です",
		"Le café est fermé",
		"deploy the server now",
		"nothing to see",
		`weird "quotes" AND * OR NEAR(x) {$gt: 1}`,
	}
	for _, text := range texts {
		Send(t, l, Message(room, alice, text))
	}
	cases := []struct {
		q    string
		want []string
	}{
		{"deploy", []string{texts[4], texts[0]}},
		{"DEPLOY server", []string{texts[4]}},
		{"聊天", []string{texts[1]}},
		{"会議", []string{texts[2]}},
		{"cafe", []string{texts[3]}},
		{"FERME", []string{texts[3]}},
		{`"the server"`, []string{texts[4]}},
		{`"server the"`, nil},
		{"deploy nothing", nil},
		{"eploy", nil},
		{`"quotes" AND`, []string{texts[6]}},
		{"*", nil},
		{`NEAR(x)`, []string{texts[6]}},
		{`{$gt: 1}`, []string{texts[6]}},
		{`'); DROP TABLE messages; --`, nil},
	}
	for _, c := range cases {
		got, _ := search(t, s, c.q, []string{room})
		if !slices.Equal(got, c.want) {
			t.Errorf("search %q = %q, want %q", c.q, got, c.want)
		}
	}
}

func testSearchEdits(t *testing.T, b Backend) {
	s := b.Open()
	l, _ := NewLog(s)
	room, alice := wire.NewID(), User()
	m := Send(t, l, Message(room, alice, "the old wording"))
	gone := Send(t, l, Message(room, alice, "soon forgotten words"))
	edit := op(messages.KindEdited, m, alice)
	edit.Content = "the new phrasing"
	mustChange(t, l, edit)
	mustChange(t, l, op(messages.KindDeleted, gone, alice))
	for q, want := range map[string][]string{
		"wording": nil, "phrasing": {"the new phrasing"}, "forgotten": nil, "words": nil, "the": {"the new phrasing"},
	} {
		if got, _ := search(t, s, q, []string{room}); !slices.Equal(got, want) {
			t.Errorf("search %q after the edit and delete = %q, want %q", q, got, want)
		}
	}
}

func testSearchScope(t *testing.T, b Backend) {
	s := b.Open()
	l, _ := NewLog(s)
	mine, other, alice, bob := wire.NewID(), wire.NewID(), User(), User()
	var sent []messages.Message
	for i := range 30 {
		from := alice
		if i%3 == 0 {
			from = bob
		}
		sent = append(sent, Send(t, l, Message(mine, from, fmt.Sprintf("report %d", i))))
	}
	Send(t, l, Message(other, alice, "report elsewhere"))
	if got, _ := search(t, s, "elsewhere", []string{mine}); len(got) != 0 {
		t.Errorf("a search of one room found %q of another", got)
	}
	if got, _ := search(t, s, "elsewhere", []string{mine, other}); len(got) != 1 {
		t.Errorf("a search of both rooms = %q", got)
	}
	got, more := search(t, s, "report", []string{mine}, func(r *messages.SearchRequest) { r.Limit = 10 })
	if len(got) != 10 || !more || got[0] != "report 29" || got[9] != "report 20" {
		t.Errorf("first page = %q, more %v; want reports 29..20 and more", got, more)
	}
	got, more = search(t, s, "report", []string{mine}, func(r *messages.SearchRequest) {
		r.Limit, r.BeforeID = 10, sent[5].ID
	})
	if len(got) != 5 || more || got[0] != "report 4" {
		t.Errorf("page before report 5 = %q, more %v; want reports 4..0", got, more)
	}
	got, _ = search(t, s, "report", []string{mine}, func(r *messages.SearchRequest) { r.SenderID = bob; r.Limit = 50 })
	if len(got) != 10 {
		t.Errorf("bob's reports = %d, want 10", len(got))
	}
}
