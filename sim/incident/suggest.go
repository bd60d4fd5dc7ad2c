package incident

import "strings"

// unknownHint completes the message for an unknown key: a did-you-mean when a known key is
// close, otherwise the keys valid at that place.
func unknownHint(key string, known []string) string {
	if near := suggest(key, known); near != "" {
		return " (did you mean " + quote(near) + "?)"
	}
	return "; the keys here are " + strings.Join(known, ", ") + " (or your own, starting with " + ExtensionPrefix + ")"
}

func quote(s string) string { return `"` + s + `"` }

// suggest returns the candidate closest to s by edit distance (transpositions count one
// edit, case is ignored), or "" when none is close enough to be a likely typo: at most one
// edit for short words, more for longer ones.
func suggest(s string, candidates []string) string {
	best, bestD := "", 1+len([]rune(s))/5
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD || (d == bestD && best == "") {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b: insertions,
// deletions, substitutions and transpositions of adjacent characters cost one each.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
