package messages

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MentionedNames returns the case-folded usernames written as whole
// `@username` tokens in content, each once, in order of first appearance.
// A token starts with '@' at the beginning of the text or after a character
// that cannot be part of a username or an address (so "x@bob.com" names
// nobody), and it ends at the first character that cannot be part of a
// username; trailing '.', ',', '!', '?', ':' or ';' end it as well, so
// "thanks @bob." names bob while "@bob.smith" names bob.smith.
func MentionedNames(content string) []string {
	var names []string
	seen := map[string]bool{}
	for i := 0; i < len(content); i++ {
		if content[i] != '@' || !mentionCanStart(content, i) {
			continue
		}
		j := i + 1
		for j < len(content) && isUsernameByte(content[j]) {
			j++
		}
		// Trailing punctuation that usernames may contain ('.' and '-', '_'
		// never end a sentence) is dropped only for '.'.
		end := j
		for end > i+1 && content[end-1] == '.' {
			end--
		}
		if j < len(content) && !endsMention(content, j) {
			continue // "@bob@x" or "@bobé": not a whole token
		}
		name := strings.ToLower(content[i+1 : end])
		if len(name) >= 3 && len(name) <= 32 && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		i = j - 1
	}
	return names
}

// mentionCanStart reports whether the '@' at i can begin a mention: it must
// not follow a character that would make it part of a word or an address.
func mentionCanStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	if r == '@' || r == '/' || r == '\\' || r == '`' {
		return false
	}
	return !isWordRune(r)
}

// endsMention reports whether the character at j can follow a mention.
func endsMention(s string, j int) bool {
	r, _ := utf8.DecodeRuneInString(s[j:])
	switch r {
	case ',', '!', '?', ':', ';', ')', ']', '}', '"', '\'', '>':
		return true
	case '@', '/', '\\', '`':
		return false
	}
	return !isWordRune(r)
}

func isUsernameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// isWordRune reports whether r is a letter, digit or combining mark that
// would glue an '@' to a neighbouring word; spaces, punctuation, symbols
// (emoji among them) and format characters do not.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isUsernameByte(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}
