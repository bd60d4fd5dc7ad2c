package doccheck

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

var (
	fence      = regexp.MustCompile("^\\s*(```|~~~)")
	heading    = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	htmlAnchor = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	inlineLink = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
)

// anchors returns the fragments a Markdown page offers links into, as GitHub renders it:
// one per heading (its text lower-cased, punctuation dropped, spaces made hyphens, a
// repeated fragment numbered -1, -2, …) and one per <a name|id="…"> anchor. Headings inside
// fenced code blocks are not headings.
func anchors(markdown string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, pl := range prose(markdown) {
		line := pl.text
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s := slug(m[2])
		if n := seen[s]; n > 0 {
			out[s+"-"+strconv.Itoa(n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// slug is the fragment GitHub gives a heading's text: the rendered text (links become their
// text, code and emphasis marks go) lower-cased, every character but a letter, a digit, a
// space, a hyphen or an underscore dropped, and spaces made hyphens.
func slug(text string) string {
	text = inlineLink.ReplaceAllString(text, "$1")
	text = strings.NewReplacer("`", "", "*", "").Replace(text)
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// proseLine is a line of a Markdown page outside fenced code blocks, with its number (from 1).
type proseLine struct {
	number int
	text   string
}

// prose returns the lines of a Markdown page that are not inside fenced code blocks (nor a
// fence itself): where headings and links can be.
func prose(markdown string) []proseLine {
	var out []proseLine
	inFence := false
	for i, line := range strings.Split(markdown, "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if !inFence {
			out = append(out, proseLine{i + 1, line})
		}
	}
	return out
}
