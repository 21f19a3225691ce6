package messages

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// mentionCase is one row of testdata/mentions.json, the table of the
// mention rule that the page's tests read too: the usernames content
// mentions, in order of first appearance.
type mentionCase struct {
	Name    string   `json:"name"`
	Content string   `json:"content"`
	Want    []string `json:"want"`
}

func readMentionCases(t *testing.T) []mentionCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/mentions.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []mentionCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("testdata/mentions.json: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("testdata/mentions.json has no cases")
	}
	return cases
}

func TestMentionedNames(t *testing.T) {
	for _, tt := range readMentionCases(t) {
		t.Run(tt.Name, func(t *testing.T) {
			got := MentionedNames(tt.Content)
			if got == nil {
				got = []string{}
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("MentionedNames(%q) = %q, want %q", tt.Content, got, tt.Want)
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
