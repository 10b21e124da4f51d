package issue

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lang is the language of a piece of text as told by its script.
type Lang int

// The languages wxpub tells apart. Bilingual is a heading that holds both, Chinese first.
const (
	LangNone Lang = iota
	LangZh
	LangEn
	LangBilingual
)

func (l Lang) String() string {
	switch l {
	case LangZh:
		return "zh"
	case LangEn:
		return "en"
	case LangBilingual:
		return "zh+en"
	}
	return "none"
}

// hanWeight is how many Latin letters one Han character counts for: a Chinese paragraph
// quoting "European Data Protection Board" is still Chinese.
const hanWeight = 4

// IsHan reports whether r is a Chinese character: the common ideographs by range, the
// rest of Han by Unicode's table.
func IsHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// HasHan reports whether s has a Chinese character.
func HasHan(s string) bool { return strings.ContainsFunc(s, IsHan) }

// Detect tells the language of s from its script: Chinese when Han characters carry it,
// English when Latin letters do, LangNone when it has neither (numbers, punctuation).
func Detect(s string) Lang {
	han, latin := 0, 0
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r|0x20 && r|0x20 <= 'z' {
				latin++
			}
		case IsHan(r):
			han++
		}
	}
	switch {
	case han == 0 && latin == 0:
		return LangNone
	case han*hanWeight >= latin:
		return LangZh
	default:
		return LangEn
	}
}

// SplitBilingual splits a line such as "国内要闻 Domestic News" into its Chinese and English
// halves. ok is false unless the text after the last Han character is Latin prose of two
// words or more beginning with a capital letter, and the text before it is Chinese.
func SplitBilingual(s string) (zh, en string, ok bool) {
	s = strings.TrimSpace(s)
	last := -1
	for i, r := range s {
		if IsHan(r) {
			last = i + utf8.RuneLen(r)
		}
	}
	if last <= 0 || last >= len(s) {
		return "", "", false
	}
	// Closing punctuation belongs to the Chinese half: "《实施方案》 Plan".
	rest := s[last:]
	for {
		r, n := utf8.DecodeRuneInString(rest)
		if n == 0 || !(unicode.Is(unicode.Ps, r) || unicode.Is(unicode.Pe, r) || unicode.Is(unicode.Pf, r) || unicode.Is(unicode.Po, r)) || r < utf8.RuneSelf {
			break
		}
		last += n
		rest = rest[n:]
	}
	zh = strings.TrimSpace(s[:last])
	en = strings.TrimSpace(strings.TrimLeft(s[last:], " \t-–—|/·:："))
	if en == "" || Detect(zh) != LangZh {
		return "", "", false
	}
	first, _ := utf8.DecodeRuneInString(en)
	if !unicode.IsUpper(first) && !unicode.IsDigit(first) {
		return "", "", false
	}
	words := 0
	for _, f := range strings.Fields(en) {
		if HasHan(f) {
			return "", "", false
		}
		if strings.IndexFunc(f, unicode.IsLetter) >= 0 {
			words++
		}
	}
	if words < 2 {
		return "", "", false
	}
	return zh, en, true
}

// headingLang classifies a heading: bilingual when it splits, else by script.
func headingLang(s string) Lang {
	if _, _, ok := SplitBilingual(s); ok {
		return LangBilingual
	}
	return Detect(s)
}
