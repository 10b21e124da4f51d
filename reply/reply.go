// Package reply decides what a follower gets back: a pure function of the message, the
// index and the account's settings, so every branch can be tested without HTTP.
package reply

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"wxpub/internal/rawjson"
	"wxpub/issue"
	"wxpub/search"
	"wxpub/wechat"
)

// Index is what replies need of the search index; *search.Index has it.
type Index interface {
	Search(ctx context.Context, q string, limit int) ([]search.Hit, error)
	// SearchIn is Search among the items of the issues numbered in alone.
	SearchIn(ctx context.Context, q string, in []int, limit int) ([]search.Hit, error)
	// IssuesOf returns the issues dated in year, the newest first.
	IssuesOf(year int) []search.Issue
	// Finds reports whether Search would find items with every term of q.
	Finds(ctx context.Context, q string) (bool, error)
	Issue(number int) (search.Issue, bool)
	Latest() (search.Issue, bool)
	Previous() (search.Issue, bool)
	Item(id string) (search.Doc, bool)
	Tags() []string
	// NameIn is what the glossary calls term in a language, if it names an entry.
	NameIn(term string, lang issue.Lang) (string, bool)
}

// Message is what a follower sent, as far as replies care.
type Message struct {
	// Type is WeChat's MsgType: text, image, voice, video, location, link, event…
	Type    string
	Content string
	// Event and EventKey are set for events (subscribe, CLICK, SCAN…).
	Event, EventKey string
	// Recognition is a voice message's recognised text, if any.
	Recognition string
}

// Config is the account's reply settings.
type Config struct {
	// Welcome greets a new follower (reply.welcome).
	Welcome string
	// NoMatch opens the answer to a query that found nothing (reply.no_match; "" for the
	// built-in text in the follower's language).
	NoMatch string
	// Menu maps a menu button's key to the query it stands for (reply.menu).
	Menu map[string]string
	// Language answers a message with no letters in it (digits, an emoji): zh or en
	// (reply.language; "" is zh).
	Language issue.Lang
}

// DefaultWelcome is the greeting when reply.welcome is empty.
const DefaultWelcome = "感谢关注！发送关键词（如“个人信息”或“contact tracing”）即可查找周报中的相关内容；发送“最新”查看最新一期，“帮助”查看用法。"

// NewsArticle is one article of a news reply.
type NewsArticle struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	PicURL      string `json:"pic_url"`
	Issue       int    `json:"issue"`
	// ItemID is "" when the article is a whole issue.
	ItemID string `json:"item_id"`
}

// Reply is what the follower gets: news articles, a text, or nothing.
type Reply struct {
	Type     string // "news", "text" or "none"
	Content  string
	ItemIDs  []string
	Articles []NewsArticle
	// Outcome says what kind of answer it is, for insight: items, partial, no_match,
	// latest, previous, issue, no_issue, help, greeting, thanks, welcome, unsupported.
	Outcome string
	// Lang is the language it was answered in.
	Lang issue.Lang
	// Searched is the keyword searched for, normalized (Normalize), without the sentence
	// or the scope around it: what insight counts a search as ("" for anything else).
	Searched string
}

// Outcomes of a reply.
const (
	OutcomeItems       = "items"
	OutcomePartial     = "partial"
	OutcomeNoMatch     = "no_match"
	OutcomeLatest      = "latest"
	OutcomePrevious    = "previous"
	OutcomeIssue       = "issue"
	OutcomeNoIssue     = "no_issue"
	OutcomeHelp        = "help"
	OutcomeGreeting    = "greeting"
	OutcomeThanks      = "thanks"
	OutcomeWelcome     = "welcome"
	OutcomeUnsupported = "unsupported"
)

// as labels a reply with its outcome and language.
func as(r Reply, outcome string, l issue.Lang) Reply {
	r.Outcome, r.Lang = outcome, l
	return r
}

// Items are the items a reply answers with (a card's or a list's).
func (r Reply) Items() []string {
	if len(r.ItemIDs) > 0 {
		return r.ItemIDs
	}
	var ids []string
	for _, a := range r.Articles {
		if a.ItemID != "" {
			ids = append(ids, a.ItemID)
		}
	}
	return ids
}

// Reply types.
const (
	News = "news"
	Text = "text"
	None = "none"
)

// MarshalJSON writes the shape `wxpub ask --json` promises:
// {"type":"news","articles":[…]} or {"type":"text","content":"…","item_ids":[…]}.
func (r Reply) MarshalJSON() ([]byte, error) {
	switch r.Type {
	case News:
		return rawjson.Marshal(struct {
			Type     string        `json:"type"`
			Articles []NewsArticle `json:"articles"`
		}{r.Type, r.Articles})
	case Text:
		ids := r.ItemIDs
		if ids == nil {
			ids = []string{}
		}
		return rawjson.Marshal(struct {
			Type    string   `json:"type"`
			Content string   `json:"content"`
			ItemIDs []string `json:"item_ids"`
		}{r.Type, r.Content, ids})
	}
	return []byte(`{"type":"none"}`), nil
}

// WeChat is the reply as the callback writes it, with at most max articles (one for a
// reply to a message, MaxEventArticles for an event).
func (r Reply) WeChat(max int) *wechat.Reply {
	switch r.Type {
	case News:
		var arts []wechat.NewsArticle
		for _, a := range r.Articles {
			if len(arts) == max {
				break
			}
			arts = append(arts, wechat.NewsArticle{Title: a.Title, Description: a.Description, PicURL: a.PicURL, URL: a.URL})
		}
		return &wechat.Reply{Articles: arts}
	case Text:
		return &wechat.Reply{Text: r.Content}
	}
	return &wechat.Reply{}
}

// Plain is the reply as text for people: each article's title, description and link on
// lines of their own, or the text.
func (r Reply) Plain() string {
	switch r.Type {
	case News:
		var b strings.Builder
		for i, a := range r.Articles {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a.Title + "\n" + a.Description + "\n" + a.URL)
		}
		return b.String()
	case Text:
		return r.Content
	}
	return "(no reply)"
}

// JSON encodes the reply as `wxpub ask --json` prints it: the MarshalJSON shape, with
// < > & left as they are so a text reply's links stay readable.
func (r Reply) JSON() ([]byte, error) { return rawjson.Marshal(r) }

// Limits of a reply (platform doc §3).
const (
	// MaxTextBytes keeps a text reply under WeChat's 2048 bytes.
	MaxTextBytes = 2000
	// MaxEventArticles is how many articles a reply to an event may carry; a reply to a
	// message carries one.
	MaxEventArticles = 8
	// listed is how many items a list answer shows.
	listed = 5
	// leadRatio: the best match leads clearly when it scores this much above the next.
	leadRatio = 1.5
)

// Answer decides the reply to m.
func Answer(ctx context.Context, m Message, idx Index, cfg Config) (Reply, error) {
	switch strings.ToLower(m.Type) {
	case "text":
		return answerText(ctx, m.Content, idx, cfg)
	case "voice":
		if strings.TrimSpace(m.Recognition) != "" {
			return answerText(ctx, m.Recognition, idx, cfg)
		}
	case "event":
		return answerEvent(ctx, m, idx, cfg)
	}
	return as(Reply{Type: Text, Content: "目前只能读懂文字消息：请发送关键词，例如“个人信息”，或发送“帮助”。\nI can only read text for now: send a keyword such as “contact tracing”, or “help”."}, OutcomeUnsupported, accountLang(cfg)), nil
}

func answerText(ctx context.Context, text string, idx Index, cfg Config) (Reply, error) {
	a := read(text)
	l := replyLang(a.text, accountLang(cfg))
	kind, n := a.kind, a.n
	switch kind {
	case intentHelp:
		return as(help(ctx, idx, l), OutcomeHelp, l), nil
	case intentEmpty, intentGreeting:
		return as(greeting(ctx, idx, l), OutcomeGreeting, l), nil
	case intentThanks:
		if l == issue.LangZh {
			return as(Reply{Type: Text, Content: "不客气！随时发送关键词查找周报内容，发送“最新”查看最新一期。"}, OutcomeThanks, l), nil
		}
		return as(Reply{Type: Text, Content: "You're welcome! Send a keyword any time, or “latest” for the newest issue."}, OutcomeThanks, l), nil
	case intentLatest, intentPrevious:
		get := idx.Latest
		if kind == intentPrevious {
			get = idx.Previous
		}
		outcome := OutcomeLatest
		if kind == intentPrevious {
			outcome = OutcomePrevious
		}
		is, ok := get()
		if !ok {
			if latest, ok := idx.Latest(); ok {
				// Only one issue: there is none before it, but it is there.
				return as(firstIssue(latest, l), OutcomeNoIssue, l), nil
			}
			return as(noIssues(l), OutcomeNoIssue, l), nil
		}
		return as(issueReply(is, idx, l), outcome, l), nil
	case intentYear:
		return yearReply(n, idx, l)
	case intentNumber:
		is, ok := idx.Issue(n)
		if !ok && isYear(n) {
			// "2020": no issue has that number, so it is the year.
			return yearReply(n, idx, l)
		}
		if !ok {
			sc := scope{kind: intentNumber, n: n}
			_, where := resolve(sc, idx, l)
			return as(Reply{Type: Text, Content: missing(sc, where, l) + latestHint(l)}, OutcomeNoIssue, l), nil
		}
		return as(issueReply(is, idx, l), OutcomeIssue, l), nil
	}
	var r Reply
	var err error
	if a.scoped {
		r, err = answerScoped(ctx, a.scope, a.q, idx, l, cfg)
	} else {
		r, err = answerSearch(ctx, a.q, idx, l, cfg)
	}
	r.Searched = Normalize(a.q)
	return r, err
}

// asked is what a text asks for: an intent and the number it names, or a search for q,
// within scope where scoped.
type asked struct {
	text   string // what was sent, trimmed, at most MaxQueryRunes
	kind   intentKind
	n      int
	q      string // a search's keyword, without the sentence or the scope around it
	scope  scope
	scoped bool
}

// read reads what a follower sent: "请问有没有关于数据出境的新规？" asks for 数据出境, "hi,
// latest?" for the latest issue, "最新一期 个人信息" for 个人信息 in the latest issue.
func read(text string) asked {
	a := asked{text: capRunes(strings.TrimSpace(text), MaxQueryRunes)}
	a.q = a.text
	if a.kind, a.n = intentOf(a.q); a.kind != intentSearch {
		return a
	}
	a.q = keyword(a.q)
	if a.kind, a.n = intentOf(a.q); a.kind == intentSearch {
		if sc, rest, ok := scopedOf(a.q); ok {
			a.scope, a.q, a.scoped = sc, rest, true
		}
	}
	return a
}

// Searched is what Answer searches when a follower sends text, for staff's explanations:
// the keyword, without the sentence around it or the scope beside it, and the issues the
// scope names (nil: every issue, as the reply searches when the scope names none);
// false when text is not a search ("latest", "help").
func Searched(text string, idx Index) (string, []int, bool) {
	a := read(text)
	if a.kind != intentSearch {
		return "", nil, false
	}
	var in []int
	if a.scoped {
		in, _ = resolve(a.scope, idx, issue.LangZh)
	}
	return a.q, in, true
}

// answerSearch answers a search of every issue.
func answerSearch(ctx context.Context, q string, idx Index, l issue.Lang, cfg Config) (Reply, error) {
	hits, err := idx.Search(ctx, q, listed+1)
	if err != nil {
		return Reply{}, err
	}
	if len(hits) == 0 {
		return as(noMatch(ctx, q, idx, l, cfg.NoMatch), OutcomeNoMatch, l), nil
	}
	return answerHits(hits, q, l, ""), nil
}

// answerHits answers with what a search found: one card for a clear leader that answers
// the whole query, else a list headed by heading(q, where).
func answerHits(hits []search.Hit, q string, l issue.Lang, where string) Reply {
	// One card only for a clear leader that answers the whole query: a partial match is a
	// list that says so.
	if !hits[0].Partial && (len(hits) == 1 || hits[0].Score >= leadRatio*hits[1].Score) {
		is := hits[0].Issue
		if is.ArticleURL != "" {
			d := hits[0].Doc
			return as(Reply{Type: News, Articles: []NewsArticle{{
				Title:       inLang(d.Title, l),
				Description: describeItem(d, q, l),
				URL:         is.ArticleURL,
				PicURL:      is.CoverURL,
				Issue:       d.IssueNumber,
				ItemID:      d.ItemID,
			}}}, OutcomeItems, l)
		}
		// No article to link to: the list, the leader first, says where to find it.
	}
	if len(hits) > listed {
		hits = hits[:listed]
	}
	return as(list(hits, heading(q, hits[0].Partial, where, l), q, l), hitsOutcome(hits), l)
}

// hitsOutcome is the outcome of a reply listing hits: partial when they are.
func hitsOutcome(hits []search.Hit) string {
	if hits[0].Partial {
		return OutcomePartial
	}
	return OutcomeItems
}

// answerScoped answers a search in a scope ("最新一期 个人信息"): the scope's matching items;
// where the scope has none, or is no issue at all, it says so and answers from every
// issue.
func answerScoped(ctx context.Context, sc scope, q string, idx Index, l issue.Lang, cfg Config) (Reply, error) {
	numbers, where := resolve(sc, idx, l)
	hits, err := idx.SearchIn(ctx, q, numbers, listed+1)
	if err != nil {
		return Reply{}, err
	}
	if len(hits) > 0 {
		return answerHits(hits, q, l, where), nil
	}
	if hits, err = idx.Search(ctx, q, listed+1); err != nil {
		return Reply{}, err
	}
	if len(hits) == 0 {
		r := noMatch(ctx, q, idx, l, cfg.NoMatch)
		if numbers == nil {
			// "第999期 量子计算": neither the issue nor the words.
			r.Content = missing(sc, where, l) + r.Content
		}
		return as(r, OutcomeNoMatch, l), nil
	}
	if len(hits) > listed {
		hits = hits[:listed]
	}
	var lead string
	switch {
	case numbers == nil:
		lead = missing(sc, where, l)
	case l == issue.LangZh:
		lead = fmt.Sprintf("%s中没有与“%s”相关的内容。", where, clean(q, 20))
	default:
		lead = fmt.Sprintf("Nothing in %s about “%s”. ", where, clean(q, 40))
	}
	other := "其他各期"
	if l != issue.LangZh {
		other = "the other issues"
	}
	return as(list(hits, lead+heading(q, hits[0].Partial, other, l), q, l), hitsOutcome(hits), l), nil
}

// latestHint ends a reply that found nothing by pointing to the latest issue.
func latestHint(l issue.Lang) string {
	if l == issue.LangZh {
		return "发送“最新”查看最新一期。"
	}
	return "Send “latest” for the newest issue."
}

// missing says, in l, that the scope (called where) names no issue.
func missing(sc scope, where string, l issue.Lang) string {
	switch {
	case l == issue.LangZh:
		return fmt.Sprintf("没有找到%s。", where)
	case sc.kind == intentYear:
		return fmt.Sprintf("There are no issues from %d. ", sc.n)
	case sc.kind == intentNumber:
		return fmt.Sprintf("There is no issue No. %d. ", sc.n)
	}
	return fmt.Sprintf("There is no %s. ", where)
}

// resolve is the issues a scope names, and how a reply in l calls them (nil when it
// names none: "第999期", a year without issues).
func resolve(sc scope, idx Index, l issue.Lang) ([]int, string) {
	zh := l == issue.LangZh
	switch sc.kind {
	case intentYear:
		var numbers []int
		for _, is := range idx.IssuesOf(sc.n) {
			numbers = append(numbers, is.Number)
		}
		if zh {
			return numbers, fmt.Sprintf("%d年的周报", sc.n)
		}
		return numbers, fmt.Sprintf("the issues of %d", sc.n)
	case intentLatest, intentPrevious:
		get, zhName, enName := idx.Latest, "最新一期", "the latest issue"
		if sc.kind == intentPrevious {
			get, zhName, enName = idx.Previous, "上一期", "the previous issue"
		}
		is, ok := get()
		switch {
		case !ok && zh:
			return nil, zhName
		case !ok:
			return nil, enName
		case zh:
			return []int{is.Number}, fmt.Sprintf("%s（第%d期）", zhName, is.Number)
		}
		return []int{is.Number}, fmt.Sprintf("%s (No. %d)", enName, is.Number)
	}
	var numbers []int
	if _, ok := idx.Issue(sc.n); ok {
		numbers = []int{sc.n}
	}
	if zh {
		return numbers, fmt.Sprintf("第%d期", sc.n)
	}
	return numbers, fmt.Sprintf("No. %d", sc.n)
}

// yearReply lists the issues of a year, the newest first, each with its first titles.
func yearReply(year int, idx Index, l issue.Lang) (Reply, error) {
	zh := l == issue.LangZh
	issues := idx.IssuesOf(year)
	if len(issues) == 0 {
		sc := scope{kind: intentYear, n: year}
		_, where := resolve(sc, idx, l)
		return as(Reply{Type: Text, Content: missing(sc, where, l) + latestHint(l)}, OutcomeNoIssue, l), nil
	}
	var b strings.Builder
	if zh {
		fmt.Fprintf(&b, "%d年的周报（%d期）：", year, len(issues))
	} else {
		fmt.Fprintf(&b, "Issues of %d (%d):", year, len(issues))
	}
	for i, is := range issues {
		line := "\n" + issueName(is, l) + " " + titles(is, idx, l, 24)
		line += readLink(is, l)
		if i == maxYearIssues || b.Len()+len(line) > MaxTextBytes {
			break
		}
		b.WriteString(line)
	}
	if len(issues) > maxYearIssues {
		if zh {
			b.WriteString("\n……发送期号（如“第" + strconv.Itoa(issues[len(issues)-1].Number) + "期”）查看那一期。")
		} else {
			b.WriteString("\n… Send an issue number (such as “" + strconv.Itoa(issues[len(issues)-1].Number) + "”) to read it.")
		}
	}
	return as(Reply{Type: Text, Content: b.String()}, OutcomeIssue, l), nil
}

// maxYearIssues is how many issues a year's list shows.
const maxYearIssues = 10

// chineseOnly marks, in an English reply, text that exists in Chinese only.
const chineseOnly = " (Chinese only)"

// inLang is text in the reply's language; in English, Chinese-only text says so rather
// than appearing unannounced.
func inLang(t issue.Text, l issue.Lang) string {
	if l == issue.LangEn && t.En == "" && t.Zh != "" {
		return t.Zh + chineseOnly
	}
	return t.In(l)
}

// describeItem is a news card's description: the snippet of the body around the query,
// in the reply's language; for an English reply on a Chinese-only item, a note instead of
// Chinese text.
func describeItem(d search.Doc, q string, l issue.Lang) string {
	if l == issue.LangEn && d.Body.En == "" {
		return "This item is in Chinese only."
	}
	return Snippet(d.Body.In(l), q, 120)
}

// heading opens a list of what q found (in where, a scope's name, or "" for every issue).
func heading(q string, partial bool, where string, l issue.Lang) string {
	zh := l == issue.LangZh
	in := ""
	if where != "" {
		if zh {
			in = where + "中"
		} else {
			in = " in " + where
		}
	}
	switch {
	case partial && zh:
		return fmt.Sprintf("%s没有同时包含“%s”全部关键词的内容，以下是部分匹配：", in, clean(q, 20))
	case partial:
		return fmt.Sprintf("Nothing%s has every word of “%s”; partial matches:", in, clean(q, 40))
	case zh:
		return fmt.Sprintf("%s与“%s”相关的内容：", in, clean(q, 20))
	}
	return fmt.Sprintf("Items%s about “%s”:", in, clean(q, 40))
}

// list answers with several items under a heading: title, issue and date, and a link to
// the issue.
func list(hits []search.Hit, heading, q string, l issue.Lang) Reply {
	var b strings.Builder
	b.WriteString(heading)
	r := Reply{Type: Text}
	for i, h := range hits {
		is := h.Issue
		line := "\n" + strconv.Itoa(i+1) + ". " + inLang(h.Title, l) + " " + issueLabel(is, l)
		line += readLink(is, l)
		if len(hits) == 1 {
			line += "\n" + describeItem(h.Doc, q, l)
		}
		if b.Len()+len(line) > MaxTextBytes {
			break
		}
		b.WriteString(line)
		r.ItemIDs = append(r.ItemIDs, h.ItemID)
	}
	r.Content = b.String()
	return r
}

// readLink is a link to an issue's article, as a line of a text reply in l ends with it
// ("" for an issue without one).
func readLink(is search.Issue, l issue.Lang) string {
	switch {
	case is.ArticleURL == "":
		return ""
	case l == issue.LangZh:
		return ` <a href="` + is.ArticleURL + `">阅读</a>`
	}
	return ` <a href="` + is.ArticleURL + `">Read</a>`
}

// issueLabel is an issue's number and date in brackets, after an item's title.
func issueLabel(is search.Issue, l issue.Lang) string {
	if l == issue.LangZh {
		return "（" + issueName(is, l) + "）"
	}
	return "(" + issueName(is, l) + ")"
}

// issueName is an issue's number and date: 第135期 2020-04, No. 135, 2020-04.
func issueName(is search.Issue, l issue.Lang) string {
	if l == issue.LangZh {
		return fmt.Sprintf("第%d期 %s", is.Number, is.Date)
	}
	return fmt.Sprintf("No. %d, %s", is.Number, is.Date)
}

// issueReply answers with a whole issue: one news article when it has a URL, else its
// contents as text.
func issueReply(is search.Issue, idx Index, l issue.Lang) Reply {
	title := is.Title.In(l)
	if l == issue.LangZh {
		title = fmt.Sprintf("%s 第%d期", title, is.Number)
	} else {
		title = fmt.Sprintf("%s No. %d", title, is.Number)
	}
	if is.ArticleURL != "" {
		desc := is.Digest
		if desc == "" || l == issue.LangEn {
			desc = titles(is, idx, l, 120)
		}
		return Reply{Type: News, Articles: []NewsArticle{{Title: title, Description: desc, URL: is.ArticleURL, PicURL: is.CoverURL, Issue: is.Number}}}
	}
	var b strings.Builder
	b.WriteString(title)
	if is.Date != "" {
		b.WriteString(" · " + is.Date)
	}
	r := Reply{Type: Text}
	for i, id := range is.Items {
		d, ok := idx.Item(id)
		if !ok {
			continue
		}
		line := fmt.Sprintf("\n%02d %s", i+1, inLang(d.Title, l))
		if b.Len()+len(line) > MaxTextBytes {
			break
		}
		b.WriteString(line)
		r.ItemIDs = append(r.ItemIDs, id)
	}
	r.Content = b.String()
	return r
}

// titles joins an issue's item titles, within limit characters (in English, a
// Chinese-only title says so).
func titles(is search.Issue, idx Index, l issue.Lang, limit int) string {
	sep := "；"
	if l == issue.LangEn {
		sep = "; "
	}
	var parts []string
	n := 0
	for _, id := range is.Items {
		d, ok := idx.Item(id)
		if !ok {
			continue
		}
		t := inLang(d.Title, l)
		if n+utf8.RuneCountInString(t) > limit {
			if n == 0 {
				parts = append(parts, string([]rune(t)[:limit-1])+"…")
			}
			break
		}
		parts = append(parts, t)
		n += utf8.RuneCountInString(t) + 2
	}
	return strings.Join(parts, sep)
}

// accountLang is the account's language (reply.language), Chinese unless set.
func accountLang(cfg Config) issue.Lang {
	if cfg.Language == issue.LangNone {
		return issue.LangZh
	}
	return cfg.Language
}

// exampleQueries are the keywords help and no match may suggest after the issues' tags,
// each shown only when it finds something in the archive now.
var exampleQueries = map[issue.Lang][]string{
	issue.LangZh: {"个人信息", "数据出境", "网络安全法", "等保", "GDPR", "接触者追踪", "App", "罚款"},
	issue.LangEn: {"personal information", "data export", "GDPR", "contact tracing", "cybersecurity review", "CCPA", "MIIT", "fine"},
}

// suggestions are up to three keywords help and no match suggest in l, each finding
// something now: the issues' tags first, by the glossary's name in l where the tag names
// an entry (a Chinese tag with no English name is left out of an English reply), then
// exampleQueries. No match suggested titles of items once: cut to a few words
// ("中央网信办牵头建立跨…") they were nothing a follower could send.
func suggestions(ctx context.Context, idx Index, l issue.Lang) []string {
	var out []string
	seen := map[string]bool{}
	try := func(q string) {
		if len(out) == 3 || seen[q] {
			return
		}
		seen[q] = true
		if ok, err := idx.Finds(ctx, q); err == nil && ok {
			out = append(out, q)
		}
	}
	tags := idx.Tags()
	// Each try is a search: a few tags at most, however many the issues have.
	tags = tags[:min(len(tags), maxTagTries)]
	for _, t := range tags {
		if name, ok := idx.NameIn(t, l); ok {
			try(name)
		} else if l != issue.LangEn || !issue.HasHan(t) {
			try(t)
		}
	}
	for _, q := range exampleQueries[l] {
		try(q)
	}
	return out
}

// maxTagTries is how many of the issues' tags suggestions tries, the most used first.
const maxTagTries = 8

// quotedList lists keywords as a reply in l shows them: “a”“b” in Chinese, “a”, “b” in
// English.
func quotedList(ks []string, l issue.Lang) string {
	sep := "”“"
	if l == issue.LangEn {
		sep = "”, “"
	}
	return "“" + strings.Join(ks, sep) + "”"
}

func help(ctx context.Context, idx Index, l issue.Lang) Reply {
	ex := suggestions(ctx, idx, l)
	if l == issue.LangZh {
		text := "发送关键词查找周报中的相关内容，中英文均可"
		if len(ex) > 0 {
			text += "，例如" + quotedList(ex, l)
		}
		return Reply{Type: Text, Content: text + "。\n发送“最新”查看最新一期，“上一期”查看前一期；发送期号（如“135”或“第135期”）查看那一期，期号加关键词（如“第135期 个人信息”）只在那一期中查找。"}
	}
	text := "Send a keyword to find items of the newsletter, in English or Chinese"
	if len(ex) > 0 {
		text += ": " + quotedList(ex, l)
	}
	return Reply{Type: Text, Content: text + ".\nSend “latest” for the newest issue, “previous” for the one before, or an issue number such as “135”; add a keyword to search that issue alone (“No. 135 contact tracing”)."}
}

// greeting answers hello, an emoji or anything without words: a short hello and how to
// search.
func greeting(ctx context.Context, idx Index, l issue.Lang) Reply {
	h := help(ctx, idx, l)
	if l == issue.LangZh {
		h.Content = "您好！" + h.Content
	} else {
		h.Content = "Hello! " + h.Content
	}
	return h
}

// firstIssue answers "previous" when the newest issue is the only one.
func firstIssue(latest search.Issue, l issue.Lang) Reply {
	if l == issue.LangZh {
		return Reply{Type: Text, Content: fmt.Sprintf("第%d期是已发布的唯一一期，没有上一期。发送“最新”查看这一期。", latest.Number)}
	}
	return Reply{Type: Text, Content: fmt.Sprintf("No. %d is the only issue published so far: there is none before it. Send “latest” to read it.", latest.Number)}
}

func noIssues(l issue.Lang) Reply {
	if l == issue.LangZh {
		return Reply{Type: Text, Content: "还没有发布任何一期。"}
	}
	return Reply{Type: Text, Content: "No issue has been published yet."}
}

// noMatch says nothing matched (in the account's own words, reply.no_match, when set) and
// suggests keywords that find something now (suggestions).
func noMatch(ctx context.Context, q string, idx Index, l issue.Lang, opening string) Reply {
	zh := l == issue.LangZh
	var b strings.Builder
	switch {
	case opening != "":
		b.WriteString(opening)
	case zh:
		fmt.Fprintf(&b, "没有找到与“%s”相关的内容。", clean(q, 20))
	default:
		fmt.Fprintf(&b, "Nothing found for “%s”.", clean(q, 40))
	}
	if ks := suggestions(ctx, idx, l); len(ks) > 0 {
		if zh {
			b.WriteString("可以试试：" + quotedList(ks, l) + "。")
		} else {
			b.WriteString(" Try: " + quotedList(ks, l) + ".")
		}
	}
	switch {
	case opening != "":
	case zh:
		b.WriteString(latestHint(l))
	default:
		b.WriteString(" " + latestHint(l))
	}
	return Reply{Type: Text, Content: b.String()}
}

// clean makes a follower's words safe to echo in a text reply (which may hold links): no
// markup, at most n characters.
func clean(s string, n int) string {
	s = strings.NewReplacer("<", "", ">", "", "\n", " ").Replace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func answerEvent(ctx context.Context, m Message, idx Index, cfg Config) (Reply, error) {
	switch strings.ToLower(m.Event) {
	case "subscribe":
		return as(welcome(idx, cfg), OutcomeWelcome, issue.LangZh), nil
	case "scan":
		if is, ok := idx.Latest(); ok {
			return as(issueReply(is, idx, issue.LangZh), OutcomeLatest, issue.LangZh), nil
		}
		return Reply{Type: None}, nil
	case "click":
		q, ok := cfg.Menu[m.EventKey]
		if !ok {
			return as(help(ctx, idx, accountLang(cfg)), OutcomeHelp, accountLang(cfg)), nil
		}
		return answerText(ctx, q, idx, cfg)
	}
	return Reply{Type: None}, nil
}

// welcome greets a new follower with the welcome text and the latest issue: its article
// first, then its items (a reply to an event carries up to eight).
func welcome(idx Index, cfg Config) Reply {
	text := cfg.Welcome
	if text == "" {
		text = DefaultWelcome
	}
	is, ok := idx.Latest()
	if !ok || is.ArticleURL == "" {
		r := Reply{Type: Text, Content: text}
		if ok {
			list := issueReply(is, idx, issue.LangZh)
			r.Content += "\n\n" + list.Content
			r.ItemIDs = list.ItemIDs
		}
		return r
	}
	r := Reply{Type: News, Articles: []NewsArticle{{
		Title: fmt.Sprintf("%s 第%d期", is.Title.In(issue.LangZh), is.Number), Description: text,
		URL: is.ArticleURL, PicURL: is.CoverURL, Issue: is.Number,
	}}}
	for _, id := range is.Items {
		if len(r.Articles) == MaxEventArticles {
			break
		}
		if d, ok := idx.Item(id); ok {
			r.Articles = append(r.Articles, NewsArticle{Title: d.Title.In(issue.LangZh), URL: is.ArticleURL, Issue: is.Number, ItemID: id})
		}
	}
	return r
}
