package wire

import (
	"encoding/json"
	"testing"
)

func TestValidText(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want bool
	}{
		{"ascii", `{"content":"hello"}`, true},
		{"utf-8", `{"content":"héllo 😀"}`, true},
		{"escaped pair", `{"content":"a\ud83d\ude00b"}`, true},
		{"escaped pair, upper case", `{"content":"\uD83D\uDE00"}`, true},
		{"ordinary escapes", `{"content":"a\n\"\\\u00e9"}`, true},
		{"escaped backslash before u", `{"content":"\\ud800"}`, true},
		{"invalid byte", "{\"content\":\"a\xffb\"}", false},
		{"truncated sequence", "{\"content\":\"\xe2\x82\"}", false},
		{"lone high surrogate", `{"content":"a\ud800b"}`, false},
		{"lone high surrogate at the end", `"\ud800"`, false},
		{"high surrogate then a letter escape", `"\ud800\n"`, false},
		{"two high surrogates", `"\ud800\ud800"`, false},
		{"lone low surrogate", `{"content":"\udc00"}`, false},
		{"malformed escape left to the decoder", `"\u12"`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ValidText([]byte(c.in)); got != c.want {
				t.Errorf("ValidText(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

// TestJSONReplacesInvalidText is why ValidText exists: encoding/json turns
// what it refuses into U+FFFD instead of failing.
func TestJSONReplacesInvalidText(t *testing.T) {
	for _, in := range []string{"\"a\xffb\"", `"a\ud800b"`} {
		var s string
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != "a\uFFFDb" {
			t.Errorf("json.Unmarshal(%q) = %q, %v; encoding/json no longer replaces it", in, s, err)
		}
	}
}
