package messages

import "testing"

func TestValidEmoji(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"👍", true}, {"❤️", true}, {"👍🏽", true}, {"👨‍👩‍👧", true}, {"🇫🇷", true}, {"🏴󠁧󠁢󠁳󠁣󠁴󠁿", true}, {"©", true},
		{":thumbsup:", true}, {":+1:", true}, {":a_b-c:", true},
		{"", false}, {"a", false}, {"ok", false}, {"1", false}, {"1️⃣", false}, {" ", false}, {"👍 ", false},
		{"\u200d", false}, {"^", false}, {"!!", false}, {"\x00", false}, {"👍\n", false}, {"日", false},
		{":Thumbs:", false}, {"::", false}, {":" + string(make([]byte, 33)) + ":", false},
		{"👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍", true}, {"👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍", false},
	} {
		if got := ValidEmoji(tt.s); got != tt.want {
			t.Errorf("ValidEmoji(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
