package messages

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSearchMatches(t *testing.T) {
	tests := []struct {
		q, content string
		want       string // highlights, or "" for no match
	}{
		{"deploy", "Deployment is done", "[[0 6]]"},
		{"DEPLOY", "we deploy today", "[[3 9]]"},
		{"deploy", "redeploy", ""},
		{"cafe", "Café au lait", "[[0 4]]"},
		{"café", "the CAFE", "[[4 8]]"},
		{"strasse", "Straße 5", "[[0 6]]"},
		{"ｄｅｐｌｏｙ", "deploy", "[[0 6]]"},
		{"deploy", "ｄｅｐｌｏｙ it", "[[0 6]]"},
		{"聊天", "我们聊天吧", "[[2 4]]"},
		{"我们聊天吧", "我们聊天吧", "[[0 5]]"},
		{"聊", "我们聊天吧", "[[2 3]]"},
		{"吧", "我们聊天吧", "[[4 5]]"},
		{"天聊", "我们聊天吧", ""},
		{"会議", "明日の会議は10時", "[[3 5]]"},
		{"ภาษา", "ภาษาไทย", "[[0 4]]"},
		{"deploy server", "the server we deploy", "[[4 10] [14 20]]"},
		{"deploy server", "deploy it", ""},
		{`"deploy server"`, "deploy server now", "[[0 13]]"},
		{`"deploy server"`, "server deploy", ""},
		{`"deploy serv"`, "deploy servers", "[[0 11]]"},
		{`"dep server"`, "deploy server", ""},
		{"e-mail", "send an e-mail", "[[8 14]]"},
		{"e-mail", "email me", ""},
		{`"`, "anything", ""},
		{"*", "a * b", ""},
		{"a*", "a*b", "[[0 1]]"},
		{"NEAR", "near here", "[[0 4]]"},
		{"OR", "origin", "[[0 2]]"},
		{"bob", "hi bob, bobby", "[[3 6] [8 11]]"},
		{"😀", "😀 smile", ""},
		{"smile 😀", "😀 smile", "[[2 7]]"},
	}
	for _, tt := range tests {
		t.Run(tt.q+" in "+tt.content, func(t *testing.T) {
			q, err := ParseQuery(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := q.Highlights(tt.content)
			s := ""
			if got != nil {
				s = fmt.Sprint(got)
			}
			if s != tt.want {
				t.Errorf("Highlights = %q, want %q", s, tt.want)
			}
		})
	}
}

func TestParseQueryLimits(t *testing.T) {
	for _, q := range []string{"", "   ", strings.Repeat("a", 201), "a\xff"} {
		if _, err := ParseQuery(q); err == nil {
			t.Errorf("ParseQuery(%q) accepted", q)
		}
	}
	if _, err := ParseQuery(strings.Repeat("é", 200)); err != nil {
		t.Errorf("200 code points refused: %v", err)
	}
}

func TestSearchTokens(t *testing.T) {
	got := searchTokens("Déploy 我们聊天吧 ok déploy")
	want := []string{"deploy", "我们", "们聊", "聊天", "天吧", "吧", "ok"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("searchTokens = %q, want %q", got, want)
	}
}

// FuzzSearch: parsing and matching never panic; every highlight lies
// within the content; a query made of a word of the content finds it.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"deploy", `"a b"`, "聊天", "*", `"`, "ß", "ｄ", "\u0301", "a\"b\"c"} {
		f.Add(s, "Deployment of 我们聊天吧 ß")
	}
	f.Fuzz(func(t *testing.T, query, content string) {
		q, err := ParseQuery(query)
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(content)
		for _, h := range q.Highlights(content) {
			if h[0] < 0 || h[1] > n || h[0] >= h[1] {
				t.Fatalf("highlight %v outside content of %d code points", h, n)
			}
		}
		_ = q.IndexUnits()
		if segs := segments(content); len(segs) > 0 && segs[0].kind == wordSegment {
			w, _ := ParseQuery(string(segs[0].runes))
			if w.Highlights(content) == nil {
				t.Fatalf("the first word %q of %q is not found", string(segs[0].runes), content)
			}
		}
	})
}
