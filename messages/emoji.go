package messages

import (
	"regexp"
	"unicode"
	"unicode/utf8"
)

var shortcode = regexp.MustCompile(`^:[a-z0-9_+-]{1,32}:$`)

// ValidEmoji reports whether s can be a reaction: a shortcode such as
// ":thumbsup:", or one emoji of 1 to 16 code points with no letter, digit,
// space or control among them and at least one symbol (the joiners,
// variation selectors and skin tones of an emoji sequence are allowed).
func ValidEmoji(s string) bool {
	if shortcode.MatchString(s) {
		return true
	}
	n := utf8.RuneCountInString(s)
	if n < 1 || n > 16 || !utf8.ValidString(s) {
		return false
	}
	symbol := false
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf, unicode.IsLetter(r), unicode.IsNumber(r), unicode.IsSpace(r), unicode.IsControl(r):
			return false
		case unicode.Is(unicode.So, r):
			symbol = true
		case unicode.Is(unicode.Sk, r), r == '\u200d', r == '\ufe0f', r == '\u20e3', unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		case r >= 0xe0020 && r <= 0xe007f: // tag characters of subdivision flags
		default:
			return false
		}
	}
	return symbol
}
