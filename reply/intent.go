package reply

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	intentYear  // the issues of a year: "2020", "2020年"
)

var (
	helpWords = set("帮助", "help", "h", "使用帮助", "帮忙", "怎么用", "如何使用", "使用说明", "说明", "菜单", "menu",
		"help me", "help pls", "help plz", "help please", "pls help", "please help", "how to use", "how does this work", "what can you do")
	latestWords = set("最新", "最新一期", "最新期", "本期", "这期", "这一期", "最近一期", "最新的一期", "最新动态", "最新消息", "最新内容",
		"最近有什么新闻", "最近有什么", "有什么新闻", "有什么新消息", "最近有什么新消息", "本周新闻", "这周有什么",
		"latest", "new", "newest", "latest issue", "the latest issue", "newest issue", "this week", "this week's issue", "current issue",
		"latest news", "what's new", "what is new", "what's new this week", "what is new this week", "anything new", "any news", "news")
	previousWords = set("上一期", "上期", "前一期", "上周", "上周那期", "previous", "previous issue", "the previous issue", "last week", "last week's issue", "the issue before")
	greetingWords = set("你好", "您好", "你好啊", "您好啊", "在吗", "在么", "在不在", "哈喽", "嗨", "早上好", "下午好", "晚上好", "早",
		"hi", "hello", "hey", "hello there", "hi there", "good morning", "good afternoon", "good evening", "yo")
	thanksWords = set("谢谢", "多谢", "感谢", "谢谢你", "谢谢您", "谢啦", "谢了", "好的谢谢", "收到谢谢", "thanks", "thank you", "thx", "ty",
		"thanks a lot", "many thanks", "thank u", "3q", "ok thanks", "ok thank you")
	numberRe = regexp.MustCompile(`(?i)^(?:第\s*(\d{1,6})\s*期|(\d{1,6})\s*期|no\.?\s*(\d{1,6})|issue\s*(?:no\.?\s*)?(\d{1,6})|#?(\d{1,6}))$`)
	// A year alone: with 年 or as issues it is a year; a bare one is a year only where no
	// issue has that number (answerText).
	yearRe = regexp.MustCompile(`(?i)^(?:((?:19|20)\d\d)\s*年(?:的?周报|的?期刊|的?文章)?|(?:issues?|newsletters?)\s+(?:of|from|in)\s+((?:19|20)\d\d)|((?:19|20)\d\d)\s+issues)$`)
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
	if m := yearRe.FindStringSubmatch(t); m != nil {
		return intentYear, firstNumber(m[1:])
	}
	if m := numberRe.FindStringSubmatch(t); m != nil {
		return intentNumber, firstNumber(m[1:])
	}
	return intentSearch, 0
}

// firstNumber is the first of a match's groups that matched, as a number.
func firstNumber(groups []string) int {
	for _, g := range groups {
		if g != "" {
			n, _ := strconv.Atoi(g)
			return n
		}
	}
	return 0
}

// isYear reports whether n reads as a year of the newsletter's era.
func isYear(n int) bool { return n >= 1990 && n <= 2099 }

var (
	// What followers put around a keyword when they write a sentence: "请问有没有关于数据出境
	// 的新规？", "hi, any news on GDPR?". Stripped before the keyword is read (keyword).
	fillerZhFirst = regexp.MustCompile(`^(?:(?:请问|麻烦问一下|麻烦|你好|您好|嗨)[，,\s]*)?(?:我想(?:要)?(?:了解|知道|查|找|看|问)(?:一下)?|帮我(?:查|找|搜)(?:一下)?|请?(?:查一下|找一下|搜一下|搜索一下|搜索|查询|查找)|有没有|有什么|是否有)?\s*(?:关于|有关)?\s*`)
	fillerZhLast  = regexp.MustCompile(`(?:(?:的?相关的?|的)(?:新闻|消息|资讯|内容|文章|报道|动态|新规|规定)?|(?:都|里|中)?(?:有什么|有哪些|有啥|讲了什么|讲了啥|说了什么|写了什么)(?:内容|新闻)?)?\s*(?:吗|呢|么|嘛)?$`)
	fillerEnFirst = regexp.MustCompile(`(?i)^(?:(?:hi|hello|hey)\b[,!.\s]*)?(?:(?:any|the|latest)\s+(?:news|updates?|items?)\s+(?:on|about|regarding)|anything\s+(?:new\s+)?(?:on|about|regarding)|` +
		`(?:do\s+you\s+have|is\s+there|are\s+there)\s+any(?:thing)?\s+(?:news\s+|items?\s+)?(?:on|about|regarding)|tell\s+me\s+about|what\s+about|` +
		`what(?:'s|\s+is)\s+in|news\s+(?:on|about)|updates?\s+on|info(?:rmation)?\s+(?:on|about)|search\s+for|search\s*:|look\s+up|show\s+me|` +
		`i\s+(?:want|would\s+like)\s+to\s+(?:know|read)\s+about)?\s*`)
	fillerEnLast = regexp.MustCompile(`(?i)(?:[,\s]+(?:please|pls|plz|thanks|thank\s+you))?$`)
)

// keyword is what a follower asks for without the sentence around it, or q itself when
// nothing would be left.
func keyword(q string) string {
	k := strings.TrimFunc(q, loose)
	for _, re := range []*regexp.Regexp{fillerZhFirst, fillerEnFirst} {
		k = re.ReplaceAllString(k, "")
	}
	for _, re := range []*regexp.Regexp{fillerEnLast, fillerZhLast} {
		k = strings.TrimRightFunc(k, loose)
		k = re.ReplaceAllString(k, "")
	}
	k = strings.TrimSpace(k)
	if !readable(k) {
		return strings.TrimSpace(q)
	}
	return k
}

// loose is what a keyword may lose at its ends: spaces and punctuation, but not the
// marks that belong to it (《网络安全法》, “cybersecurity review”, #135).
func loose(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r) && !strings.ContainsRune("#《》()（）“”\"'", r)
}

// A scope narrows a search to some issues: the latest, the previous, one by number, or a
// year's.
type scope struct {
	kind intentKind // intentLatest, intentPrevious, intentNumber or intentYear
	n    int        // the issue's number, or the year
}

var (
	// Scopes as followers put them before or after what they look for. English ones stand
	// apart from the words; Chinese ones may run into them ("最新一期个人信息").
	scopeZh = `最新的一期|最新一期|最近一期|最新期|最新|本期|这一期|这期|上一期|前一期|上期|上周那期|上周|第\s*\d{1,6}\s*期|\d{1,6}\s*期|(?:19|20)\d\d\s*年(?:的?周报)?`
	scopeEn = `the latest issue|latest issue|newest issue|current issue|this week's issue|latest|newest|the previous issue|previous issue|` +
		`last week's issue|previous|last week|no\.?\s*\d{1,6}|issue\s*(?:no\.?\s*)?\d{1,6}|(?:19|20)\d\d`
	scopeFirst = regexp.MustCompile(`(?i)^(?:(` + scopeZh + `)\s*(?:里有没有|中有没有|有没有|里的|中的|里有|中有|有关|关于|的|里|中|有|:|,|，)?\s*|(` + scopeEn + `)(?:\s*[:,]\s*|\s+(?:about|on)\s+|\s+))(.+)$`)
	scopeLast  = regexp.MustCompile(`(?i)^(.+?)(?:\s*(?:在|于)?\s*(` + scopeZh + `)(?:里|中)?|\s+(?:in|from|of)?\s*(` + scopeEn + `))$`)
	digits     = regexp.MustCompile(`\d+`)
)

// boundToTime are the characters that, after 年 or 周, make a word of time with it
// (年度, 年底, 周五, 周末) rather than follow a scope.
const boundToTime = "度底初末内以前后中一二三四五六日天"

// scopedOf splits what a follower typed into a scope and what to search for in it:
// "最新一期 个人信息", "第137期的GDPR", "GDPR in the latest issue", "2020年 数据安全"; false when
// it names no scope or nothing beside it.
func scopedOf(q string) (scope, string, bool) {
	t := strings.Join(strings.Fields(width.Fold.String(q)), " ")
	var word, rest string
	if m := scopeFirst.FindStringSubmatchIndex(t); m != nil {
		if m[2] >= 0 {
			word = t[m[2]:m[3]]
			// "2020年度报告", "上周五": the year or week binds to the next character.
			if r, _ := utf8.DecodeRuneInString(t[m[3]:]); (strings.HasSuffix(word, "年") || strings.HasSuffix(word, "周")) && strings.ContainsRune(boundToTime, r) {
				return scope{}, "", false
			}
		} else {
			word = t[m[4]:m[5]]
		}
		rest = t[m[6]:m[7]]
	} else if m := scopeLast.FindStringSubmatch(t); m != nil {
		word, rest = m[2]+m[3], m[1]
	} else {
		return scope{}, "", false
	}
	rest = keyword(rest) // "最新一期里有没有个人信息"
	if !readable(rest) {
		return scope{}, "", false
	}
	if k, _ := intentOf(rest); k != intentSearch {
		return scope{}, "", false // "最新 帮助", "2020 137期": not a search in a scope
	}
	w := strings.ToLower(word)
	n, _ := strconv.Atoi(digits.FindString(w))
	switch {
	case previousWords[w]:
		return scope{kind: intentPrevious}, rest, true
	case latestWords[w]:
		return scope{kind: intentLatest}, rest, true
	case strings.Contains(w, "年") || strings.Trim(w, "0123456789") == "":
		// The scopes' years: "2020年", or four digits alone (an issue's number comes
		// with 期, No. or issue).
		return scope{kind: intentYear, n: n}, rest, true
	}
	return scope{kind: intentNumber, n: n}, rest, true
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
