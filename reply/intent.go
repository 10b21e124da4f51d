package reply

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"wxpub/issue"
)

// What followers send that is not a search: asking for help, the latest or the previous
// issue, an issue by number, a greeting, thanks, or nothing readable (an emoji, a "?").
// These are recognised in the forms people type, never searched for as words.

type intentKind int

const (
	intentSearch intentKind = iota
	intentHelp
	intentLatest
	intentPrevious
	intentNumber
	intentGreeting
	intentThanks
	intentEmpty // no letters, digits or characters: an emoji, punctuation
)

var (
	helpWords = set("帮助", "help", "h", "使用帮助", "帮忙", "怎么用", "如何使用", "使用说明", "说明", "菜单", "menu",
		"help me", "help pls", "help plz", "help please", "pls help", "please help", "how to use", "how does this work", "what can you do")
	latestWords = set("最新", "最新一期", "最新期", "本期", "这期", "这一期", "最近一期", "latest", "new", "newest", "latest issue",
		"newest issue", "this week", "this week's issue", "current issue")
	previousWords = set("上一期", "上期", "前一期", "上周", "上周那期", "previous", "previous issue", "last week", "last week's issue", "the issue before")
	greetingWords = set("你好", "您好", "你好啊", "您好啊", "在吗", "在么", "在不在", "哈喽", "嗨", "早上好", "下午好", "晚上好", "早",
		"hi", "hello", "hey", "hello there", "hi there", "good morning", "good afternoon", "good evening", "yo")
	thanksWords = set("谢谢", "多谢", "感谢", "谢谢你", "谢谢您", "谢啦", "谢了", "好的谢谢", "收到谢谢", "thanks", "thank you", "thx", "ty",
		"thanks a lot", "many thanks", "thank u", "3q", "ok thanks", "ok thank you")
	numberRe = regexp.MustCompile(`(?i)^(?:第\s*(\d{1,6})\s*期|(\d{1,6})\s*期|no\.?\s*(\d{1,6})|issue\s*(?:no\.?\s*)?(\d{1,6})|#?(\d{1,6}))$`)
)

func set(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}

// intentText folds what a follower typed for recognising an intent: full-width to ASCII,
// lower case, spaces folded, trailing punctuation and emoji dropped.
func intentText(q string) string {
	q = strings.ToLower(width.Fold.String(q))
	q = strings.Join(strings.Fields(q), " ")
	return strings.TrimFunc(q, func(r rune) bool {
		return unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) || unicode.Is(unicode.Mn, r) || r == '\u200d' || r == '\ufe0f'
	})
}

// readable reports whether s has a letter, a digit or a Chinese character.
func readable(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// intentOf says what q asks for, and the issue number it names.
func intentOf(q string) (intentKind, int) {
	if !readable(q) {
		if strings.ContainsAny(q, "?？") {
			return intentHelp, 0
		}
		return intentEmpty, 0
	}
	t := intentText(q)
	switch {
	case helpWords[t]:
		return intentHelp, 0
	case latestWords[t]:
		return intentLatest, 0
	case previousWords[t]:
		return intentPrevious, 0
	case greetingWords[t]:
		return intentGreeting, 0
	case thanksWords[t]:
		return intentThanks, 0
	}
	if m := numberRe.FindStringSubmatch(t); m != nil {
		for _, g := range m[1:] {
			if g != "" {
				n, _ := strconv.Atoi(g)
				return intentNumber, n
			}
		}
	}
	return intentSearch, 0
}

// replyLang is the language to answer in: the query's, or where it has no letters (digits,
// emoji) the account's.
func replyLang(q string, account issue.Lang) issue.Lang {
	hasLetter := false
	for _, r := range q {
		if unicode.IsLetter(r) {
			hasLetter = true
			break
		}
	}
	if !hasLetter {
		return account
	}
	if issue.Detect(q) == issue.LangZh {
		return issue.LangZh
	}
	return issue.LangEn
}
