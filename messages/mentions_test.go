package messages

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestMentionedNames(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"alone", "@bob", []string{"bob"}},
		{"in a sentence", "hi @bob how are you", []string{"bob"}},
		{"longer name is another user", "@bobby", []string{"bobby"}},
		{"longer name does not name the shorter", "hi @bobby", []string{"bobby"}},
		{"email address", "write to x@bob.com", nil},
		{"email address at the start", "bob@bob.com", nil},
		{"trailing full stop", "thanks @bob.", []string{"bob"}},
		{"trailing full stops", "thanks @bob...", []string{"bob"}},
		{"trailing comma", "@bob, look", []string{"bob"}},
		{"trailing exclamation", "hey @bob!", []string{"bob"}},
		{"trailing question", "right @bob?", []string{"bob"}},
		{"trailing colon", "@bob: see this", []string{"bob"}},
		{"trailing semicolon", "@bob; and", []string{"bob"}},
		{"dot inside a name", "ask @bob.smith now", []string{"bob.smith"}},
		{"dot inside then full stop", "ask @bob.smith.", []string{"bob.smith"}},
		{"dash and underscore", "@a-b_c", []string{"a-b_c"}},
		{"upper case", "@BOB", []string{"bob"}},
		{"mixed case", "@BoB and @bOb", []string{"bob"}},
		{"repeated once", "@bob @bob @bob", []string{"bob"}},
		{"order of first appearance", "@carol @bob @carol @alice", []string{"carol", "bob", "alice"}},
		{"start of text", "@bob hello", []string{"bob"}},
		{"after a newline", "hello\n@bob", []string{"bob"}},
		{"after a tab", "\t@bob", []string{"bob"}},
		{"in parentheses", "(@bob)", []string{"bob"}},
		{"in brackets and braces", "[@bob] {@carol}", []string{"bob", "carol"}},
		{"in quotes", `"@bob" '@carol'`, []string{"bob", "carol"}},
		{"possessive", "@bob's idea", []string{"bob"}},
		{"after a comma", "hi,@bob", []string{"bob"}},
		{"too short", "@bo", nil},
		{"three characters", "@bob", []string{"bob"}},
		{"32 characters", "@" + strings.Repeat("a", 32), []string{strings.Repeat("a", 32)}},
		{"33 characters", "@" + strings.Repeat("a", 33), nil},
		{"bare at", "@ bob", nil},
		{"double at", "@@bob", nil},
		{"at inside a word", "a@bob", nil},
		{"digit before", "1@bob", nil},
		{"underscore before", "_@bob", nil},
		{"followed by another at", "@bob@example", nil},
		{"followed by a slash", "@bob/repo", nil},
		{"after a slash", "see /@bob", nil},
		{"letter before, non-ASCII", "é@bob", nil},
		{"letter after, non-ASCII", "@bobé", nil},
		{"CJK before", "日本@bob", nil},
		{"CJK after", "@bob日本", nil},
		{"no-break space before", "hi\u00a0@bob", []string{"bob"}},
		{"em dash around", "hi—@bob—there", []string{"bob"}},
		{"ellipsis after", "@bob…", []string{"bob"}},
		{"ideographic full stop after", "@bob。", []string{"bob"}},
		{"curly quotes", "\u201c@bob\u201d", []string{"bob"}},
		{"no mention", "hello world", nil},
		{"empty", "", nil},
		{"only at", "@", nil},
		{"names only dots", "@...", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MentionedNames(tt.content); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MentionedNames(%q) = %q, want %q", tt.content, got, tt.want)
			}
		})
	}
}

var usernameRule = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)

// FuzzMentionedNames: MentionedNames never panics, and every name it
// returns is a valid username written after an '@' in the content.
func FuzzMentionedNames(f *testing.F) {
	for _, s := range []string{
		"@bob", "thanks @bob.", "x@bob.com", "@BOB @bob", "(@bob)", "@bob, @carol!",
		"@bobé", "é@bob", "@" + strings.Repeat("a", 40), "@@@", "@.", "@a.b.c.", "\xff@bob\xff",
		"@bob\u00a0", "İ@bob", "@\u212aelvin", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		names := MentionedNames(content)
		lower := strings.ToLower(content)
		seen := map[string]bool{}
		for _, n := range names {
			if !usernameRule.MatchString(n) {
				t.Fatalf("MentionedNames(%q) returned %q, not a username", content, n)
			}
			if strings.HasSuffix(n, ".") {
				t.Fatalf("MentionedNames(%q) kept a trailing full stop: %q", content, n)
			}
			if !strings.Contains(lower, "@"+n) {
				t.Fatalf("MentionedNames(%q) returned %q, which does not follow an @", content, n)
			}
			if seen[n] {
				t.Fatalf("MentionedNames(%q) returned %q twice", content, n)
			}
			seen[n] = true
		}
	})
}

func TestMentionedNamesNextToSymbolsAndCJKPunctuation(t *testing.T) {
	for _, content := range []string{"hi @bob👋", "「@bob」", "（@bob）", "@bob\u200b", "👋@bob"} {
		got := MentionedNames(content)
		if len(got) != 1 || got[0] != "bob" {
			t.Errorf("MentionedNames(%q) = %v, want [bob]", content, got)
		}
	}
	for _, content := range []string{"é@bob", "@bobé", "日@bob"} {
		if got := MentionedNames(content); len(got) != 0 {
			t.Errorf("MentionedNames(%q) = %v, want none: the @ is glued to a word", content, got)
		}
	}
}
