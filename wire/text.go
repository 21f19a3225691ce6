package wire

import "unicode/utf8"

// ValidText reports whether b, a JSON text, is valid UTF-8 and spells no
// lone UTF-16 surrogate as a \u escape. encoding/json replaces both with
// U+FFFD without a word, so content checks that run after decoding never
// see them: every edge that decodes client JSON (request bodies, Socket.IO
// packets) refuses such text first.
func ValidText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++ // the escaped character: a second backslash escapes nothing
		r, ok := escapedUnit(b, i)
		if !ok {
			continue
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low surrogate with no high one before it
		case r >= 0xD800 && r <= 0xDBFF:
			low, ok := escapedUnit(b, i+2)
			if i+1 >= len(b) || b[i+1] != '\\' || !ok || low < 0xDC00 || low > 0xDFFF {
				return false // a high surrogate with no low one after it
			}
			i += 6
		}
	}
	return true
}

// escapedUnit reads the UTF-16 code unit of a \u escape whose "u" is at
// b[i]; ok is false when b[i:] is not "u" and four hex digits.
func escapedUnit(b []byte, i int) (r rune, ok bool) {
	if i+5 > len(b) || b[i] != 'u' {
		return 0, false
	}
	for _, c := range b[i+1 : i+5] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
