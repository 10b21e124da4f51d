package reply

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippet returns up to limit characters of body around the first place the query (or,
// failing that, its longest word, or a two-character piece of it) occurs, with "…" where it
// was cut; the body's start when nothing occurs.
func Snippet(body, q string, limit int) string {
	body = strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(body) <= limit {
		return body
	}
	at := find(body, q)
	runes := []rune(body)
	start := 0
	if at > 0 {
		start = max(0, at-limit/4)
		// Start at a word for English.
		for start > 0 && start < at && !unicode.IsSpace(runes[start-1]) && runes[start] < 0x2E80 {
			start++
		}
	}
	end := min(len(runes), start+limit)
	if end == len(runes) {
		start = max(0, end-limit)
	}
	out := strings.TrimSpace(string(runes[start:end]))
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
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
