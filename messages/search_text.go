package messages

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The text of search. Content and queries are read the same way: each
// character is folded to its search form (compatibility decomposition, so
// full-width letters and ligatures become plain ones; combining marks
// dropped, so "é" is "e"; lower case), and the text is cut into segments:
// words of letters and digits, and runs of a script written without spaces
// (Chinese, Japanese, Thai and their neighbours), which have no words.
//
// A query matches a message when each of its clauses does: a term (or a
// "quoted phrase") is a sequence of units that must appear one after the
// other; a word unit matches a word it starts ("deploy" matches
// "Deployment"), a unit of a spaceless script matches wherever it appears
// in a run of that script ("聊天" matches "我们聊天吧").

// segmentKind tells words from runs of spaceless scripts.
type segmentKind int

const (
	wordSegment segmentKind = iota + 1
	runSegment
)

// segment is one word or run of a text: its folded characters, and for
// each the span of the original text (in code points) it comes from.
type segment struct {
	kind  segmentKind
	runes []rune
	from  []int // from[i]: the original code point where runes[i] starts
	to    []int // to[i]: the code point after the one runes[i] ends in
}

func (s segment) text() string { return string(s.runes) }

// spaceless reports whether r belongs to a script written without spaces
// between words.
func spaceless(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
		unicode.Khmer, unicode.Myanmar) || r == 'ー' || r == '々'
}

// fold appends the search form of r to dst.
func fold(dst []rune, r rune) []rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	}
	switch r {
	case 'ß', 'ẞ':
		return append(dst, 's', 's')
	case 'ς':
		return append(dst, 'σ')
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, d := range norm.NFKD.String(string(buf[:n])) {
		if unicode.Is(unicode.Mn, d) || unicode.Is(unicode.Me, d) {
			continue
		}
		dst = append(dst, unicode.ToLower(d))
	}
	return dst
}

// segments cuts text into its words and runs, folded.
func segments(text string) []segment {
	var out []segment
	var cur *segment
	var buf []rune
	pos := 0
	for _, r := range text {
		buf = fold(buf[:0], r)
		for _, f := range buf {
			kind := segmentKind(0)
			switch {
			case spaceless(f):
				kind = runSegment
			case unicode.IsLetter(f) || unicode.IsDigit(f) || unicode.IsNumber(f):
				kind = wordSegment
			}
			if kind == 0 {
				cur = nil
				continue
			}
			if cur == nil || cur.kind != kind {
				out = append(out, segment{kind: kind})
				cur = &out[len(out)-1]
			}
			cur.runes = append(cur.runes, f)
			cur.from = append(cur.from, pos)
			cur.to = append(cur.to, pos+1)
		}
		if len(buf) == 0 {
			cur = nil
		}
		pos++
	}
	return out
}

// searchTokens are what the index holds of a text: each word, and each
// pair of neighbouring characters of a run with the run's last character
// alone, so that any substring of a run of one or more characters is found
// through the tokens it starts with.
func searchTokens(text string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, s := range segments(text) {
		if s.kind == wordSegment {
			add(s.text())
			continue
		}
		for i := range s.runes {
			if i+1 < len(s.runes) {
				add(string(s.runes[i : i+2]))
			} else {
				add(string(s.runes[i]))
			}
		}
	}
	return out
}

// maxQuery bounds a query, in code points.
const maxQuery = 200

// Query is a parsed search query: clauses that must all match.
type Query struct {
	clauses [][]segment
}

// Empty reports whether the query has nothing to match (it was only
// punctuation): it then finds nothing.
func (q Query) Empty() bool { return len(q.clauses) == 0 }

// ParseQuery reads a query: whitespace separates terms, double quotes make
// a phrase, and every other character is text (nothing is an operator).
func ParseQuery(s string) (Query, error) {
	if !utf8.ValidString(s) {
		return Query{}, ErrInvalidUTF8
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(s)); n < 1 || n > maxQuery {
		return Query{}, ErrInvalidQuery
	}
	var q Query
	for i, part := range strings.Split(s, `"`) {
		if i%2 == 1 { // inside quotes: one phrase
			q.add(part)
			continue
		}
		for _, term := range strings.Fields(part) {
			q.add(term)
		}
	}
	return q, nil
}

func (q *Query) add(text string) {
	if segs := segments(text); len(segs) > 0 {
		q.clauses = append(q.clauses, segs)
	}
}

// IndexUnits returns, for each clause, what the index must hold: words by
// prefix (prefix true) and tokens of runs whole or by prefix. A message
// holding all of them is a candidate; Highlights decides.
func (q Query) IndexUnits() []IndexUnit {
	seen := map[IndexUnit]bool{}
	var out []IndexUnit
	add := func(u IndexUnit) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, clause := range q.clauses {
		for _, s := range clause {
			if s.kind == wordSegment {
				add(IndexUnit{Token: s.text(), Prefix: true})
				continue
			}
			if len(s.runes) == 1 {
				add(IndexUnit{Token: s.text(), Prefix: true})
				continue
			}
			for i := 0; i+1 < len(s.runes); i++ {
				add(IndexUnit{Token: string(s.runes[i : i+2])})
			}
		}
	}
	return out
}

// IndexUnit is one token a candidate must hold, whole or as a prefix.
type IndexUnit struct {
	Token  string
	Prefix bool
}

// Highlights returns the spans of content (code point offsets, end
// excluded, sorted and merged) of what q matches, or nil when a clause of
// q does not match: then the message is not a result.
func (q Query) Highlights(content string) [][2]int {
	if q.Empty() {
		return nil
	}
	segs := segments(content)
	var spans [][2]int
	for _, clause := range q.clauses {
		found := clauseMatches(clause, segs)
		if len(found) == 0 {
			return nil
		}
		spans = append(spans, found...)
	}
	return mergeSpans(spans)
}

// clauseMatches returns the spans where the clause's units appear one
// after the other in segs.
func clauseMatches(clause, segs []segment) [][2]int {
	var spans [][2]int
	for start := range segs {
		spans = append(spans, matchAt(clause, segs, start)...)
	}
	return spans
}

// matchAt returns the spans of the clause matched from segs[start] on:
// each place a lone unit appears, or the whole phrase, from its first
// unit's start to its last unit's end.
func matchAt(clause, segs []segment, start int) [][2]int {
	if start+len(clause) > len(segs) {
		return nil
	}
	var spans [][2]int
	for k, unit := range clause {
		seg := segs[start+k]
		if seg.kind != unit.kind {
			return nil
		}
		first, last := k == 0, k == len(clause)-1
		at := unitOffsets(unit, seg, first, last)
		if len(at) == 0 {
			return nil
		}
		if len(clause) == 1 {
			for _, i := range at {
				spans = append(spans, [2]int{seg.from[i], seg.to[i+len(unit.runes)-1]})
			}
			return spans
		}
		switch {
		case first:
			spans = append(spans, [2]int{seg.from[at[0]], 0})
		case last:
			spans[0][1] = seg.to[at[0]+len(unit.runes)-1]
		}
	}
	return spans
}

// unitOffsets returns where a unit of a clause matches in seg: a word at
// its start (as a prefix, or whole in the middle of a phrase), a run's
// unit anywhere when alone, at the end of the segment when something
// follows it, at its start when something comes before it.
func unitOffsets(unit, seg segment, first, last bool) []int {
	n, m := len(unit.runes), len(seg.runes)
	if n > m {
		return nil
	}
	if unit.kind == wordSegment {
		whole := !last // a word before the last of a phrase must end where the phrase goes on
		if equalRunes(seg.runes[:n], unit.runes) && (!whole || n == m) {
			return []int{0}
		}
		return nil
	}
	var at []int
	for i := 0; i+n <= m; i++ {
		switch {
		case !first && i != 0, !last && i+n != m:
			continue
		}
		if equalRunes(seg.runes[i:i+n], unit.runes) {
			at = append(at, i)
		}
	}
	return at
}

func equalRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mergeSpans sorts spans and merges those that overlap or touch.
func mergeSpans(spans [][2]int) [][2]int {
	if len(spans) == 0 {
		return nil
	}
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	out := [][2]int{sorted[0]}
	for _, s := range sorted[1:] {
		if last := &out[len(out)-1]; s[0] <= last[1] {
			last[1] = max(last[1], s[1])
		} else {
			out = append(out, s)
		}
	}
	return out
}
