package reply

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// residue is what placeholder links leave in a body once the link is gone: "（查看更多）".
var residue = regexp.MustCompile(`[（(\[【]\s*(?:查看更多|查看原文|阅读原文|阅读全文|点击查看|详见原文|更多详情|read more|more|see more)\s*[）)\]】]`)

// Snippet returns up to limit characters of body around the first place the query (or,
// failing that, its longest word, or a two-character piece of it) occurs, the body's start
// when nothing does. It starts and ends at a clause (after 。，；, or a sentence's period)
// or, in English, at least at a word; "…" marks a cut. Placeholder residue such as
// "（查看更多）" is dropped.
func Snippet(body, q string, limit int) string {
	body = residue.ReplaceAllString(body, "")
	body = strings.Join(strings.Fields(body), " ")
	runes := []rune(body)
	if len(runes) <= limit {
		return body
	}
	at := max(0, find(body, q))
	start := 0
	if at > 0 {
		start = clauseStart(runes, at, limit/2)
	}
	end := min(len(runes), start+limit)
	if end < len(runes) {
		end = clauseEnd(runes, start, end)
	}
	out := strings.TrimSpace(string(runes[start:end]))
	out = strings.TrimRight(out, "，,；;：: ")
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
}

func clauseMark(r rune) bool { return strings.ContainsRune("。，；！？、;!?", r) }

// sentenceEnd is an English period, not one inside a number or an abbreviation's dots.
func sentenceEnd(runes []rune, i int) bool {
	return (runes[i] == '.' || runes[i] == ',' || runes[i] == ';') && i+1 < len(runes) && runes[i+1] == ' '
}

// clauseStart is where a snippet showing position at starts: after the last clause mark
// within reach before it; else, in English, at the word's start; else at the match.
func clauseStart(runes []rune, at, reach int) int {
	for i := at - 1; i >= max(0, at-reach); i-- {
		if clauseMark(runes[i]) || sentenceEnd(runes, i) {
			j := i + 1
			for j < at && runes[j] == ' ' {
				j++
			}
			return j
		}
	}
	if runes[at] < 0x2E80 {
		i := at
		for i > 0 && runes[i-1] != ' ' {
			i--
		}
		return i
	}
	return at
}

// clauseEnd is where a snippet from start ends at the latest: after the last clause mark
// in its second half; else at the last space (English); else at end.
func clauseEnd(runes []rune, start, end int) int {
	half := start + (end-start)/2
	for i := end - 1; i > half; i-- {
		if clauseMark(runes[i]) || sentenceEnd(runes, i) {
			return i + 1
		}
	}
	for i := end - 1; i > half; i-- {
		if runes[i] == ' ' {
			return i
		}
	}
	return end
}

// find returns the rune offset of the best place q occurs in body, or -1.
func find(body, q string) int {
	lb := strings.ToLower(body)
	try := []string{strings.ToLower(strings.TrimSpace(q))}
	words := strings.Fields(try[0])
	// Longest word first.
	for i := 1; i < len(words); i++ {
		for j := i; j > 0 && len(words[j]) > len(words[j-1]); j-- {
			words[j], words[j-1] = words[j-1], words[j]
		}
	}
	try = append(try, words...)
	if r := []rune(try[0]); len(r) > 2 {
		for i := 0; i+2 <= len(r); i++ {
			try = append(try, string(r[i:i+2]))
		}
	}
	for _, t := range try {
		if len(t) < 2 {
			continue
		}
		if i := strings.Index(lb, t); i >= 0 {
			return utf8.RuneCountInString(lb[:i])
		}
	}
	return -1
}
