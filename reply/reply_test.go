package reply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"wxpub/issue"
	"wxpub/search"
)

const url135 = "https://mp.weixin.qq.com/s/issue135"

// index holds the sample (published: it has a URL and a cover) and issue 136 (imported
// without a URL), as a server would.
func index(t *testing.T, published136 bool) *search.Index {
	t.Helper()
	x, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	for _, f := range []struct {
		path, url, cover string
	}{
		{"../issue/testdata/sample-135.md", url135, "http://mmbiz.qpic.cn/cover135"},
		{"../issue/testdata/variations.md", map[bool]string{true: "https://mp.weixin.qq.com/s/issue136"}[published136], ""},
	} {
		is, err := issue.ParseFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		var docs []search.Doc
		for i, it := range is.Items() {
			docs = append(docs, search.Doc{ItemID: it.ID, IssueNumber: is.Number, Position: i + 1, Title: it.Title, Body: it.Body})
		}
		if err := x.Put(search.Issue{Number: is.Number, Date: is.Date, Title: is.Title, ArticleURL: f.url, CoverURL: f.cover, Digest: is.Digest, Tags: is.Tags}, docs); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

func ask(t *testing.T, x Index, m Message, cfg Config) Reply {
	t.Helper()
	r, err := Answer(context.Background(), m, x, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func text(q string) Message { return Message{Type: "text", Content: q} }

func TestClearLeaderIsOneArticle(t *testing.T) {
	x := index(t, false)
	cases := []struct {
		q, title, inDesc, item string
	}{
		{"区块链", "国家发展改革委、中央网信办联合印发《关于推进“上云用数赋智”行动 培育新经济发展实施方案》", "区块链", "135-2"},
		{"Bluetooth", "Apple and Google Partner on COVID-19 Contact Tracing Technology", "Bluetooth", "135-5"},
		{"EDPB", "Twenty-First Plenary Session of the EDPB - Letter Concerning the European Commission's Draft Guidance on Apps Supporting the Fight Against the COVID-19 Pandemic", "EDPB", "135-4"},
	}
	for _, c := range cases {
		r := ask(t, x, text(c.q), Config{})
		if r.Type != News || len(r.Articles) != 1 {
			t.Fatalf("%q: %+v", c.q, r)
		}
		a := r.Articles[0]
		if a.Title != c.title || !strings.Contains(a.Description, c.inDesc) || a.URL != url135 || a.PicURL != "http://mmbiz.qpic.cn/cover135" || a.Issue != 135 || a.ItemID != c.item {
			t.Errorf("%q: %+v", c.q, a)
		}
		if n := len([]rune(a.Description)); n > 122 {
			t.Errorf("%q: description of %d characters", c.q, n)
		}
	}
}

func TestComparableMatchesAreAList(t *testing.T) {
	x := index(t, true)
	zh := ask(t, x, text("个人信息"), Config{})
	if zh.Type != Text || len(zh.ItemIDs) != 4 || !strings.HasPrefix(zh.Content, "与“个人信息”相关的内容：") {
		t.Fatalf("zh list: %+v", zh)
	}
	for _, want := range []string{"公安部公布十起侵犯公民个人信息违法犯罪典型案例 （第135期 2020-04） <a href=\"" + url135 + "\">阅读</a>", "（第136期 2020-04-27）"} {
		if !strings.Contains(zh.Content, want) {
			t.Errorf("zh list lacks %q:\n%s", want, zh.Content)
		}
	}
	en := ask(t, x, text("personal information"), Config{})
	if en.Type != Text || !strings.HasPrefix(en.Content, "Items about “personal information”:") || !strings.Contains(en.Content, "(No. 135, 2020-04) <a href=\""+url135+"\">Read</a>") {
		t.Errorf("en list: %+v", en)
	}
	// An English query shows the Chinese title of an item that has no English.
	app := ask(t, x, text("App"), Config{})
	if !strings.Contains(app.Content+fmt.Sprint(app.Articles), "网信办通报违法违规收集个人信息的App") {
		t.Errorf("fallback to the other language: %+v", app)
	}
}

// A list stays under WeChat's 2048 bytes however long the titles are, and shows at most 5.
func TestListFitsInATextReply(t *testing.T) {
	x, _ := search.New()
	defer x.Close()
	var docs []search.Doc
	for i := 1; i <= 12; i++ {
		docs = append(docs, search.Doc{ItemID: fmt.Sprintf("9-%d", i), IssueNumber: 9, Title: issue.Text{Zh: strings.Repeat("数据安全监管新规", 12) + fmt.Sprint(i)}, Body: issue.Text{Zh: "数据安全"}})
	}
	x.Put(search.Issue{Number: 9, Date: "2021-01", ArticleURL: "https://mp.weixin.qq.com/s/" + strings.Repeat("x", 40)}, docs)
	r := ask(t, x, text("数据安全"), Config{})
	if r.Type != Text || len(r.Content) >= 2048 || len(r.ItemIDs) == 0 || len(r.ItemIDs) > 5 {
		t.Errorf("list of %d bytes, %d items", len(r.Content), len(r.ItemIDs))
	}
}

func TestIssueReplies(t *testing.T) {
	x := index(t, false)
	for _, q := range []string{"135", "第135期", "No. 135", "no.135", "第 135 期"} {
		r := ask(t, x, text(q), Config{})
		if r.Type != News || r.Articles[0].Issue != 135 || r.Articles[0].ItemID != "" || r.Articles[0].URL != url135 {
			t.Errorf("%q: %+v", q, r)
		}
	}
	zh := ask(t, x, text("第135期"), Config{})
	if zh.Articles[0].Title != "立方网络安全与数据合规周报 第135期" || !strings.HasPrefix(zh.Articles[0].Description, "公安部、中央网信办") {
		t.Errorf("zh issue: %+v", zh.Articles[0])
	}
	en := ask(t, x, text("No. 135"), Config{})
	if en.Articles[0].Title != "Weekly Cybersecurity and Data Protection Review No. 135" || !strings.HasPrefix(en.Articles[0].Description, "MPS & CAC") {
		t.Errorf("en issue: %+v", en.Articles[0])
	}
	// The latest issue has no URL: it is answered in text, its items listed.
	for _, q := range []string{"最新", "latest", "new", "LATEST"} {
		r := ask(t, x, text(q), Config{})
		if r.Type != Text || len(r.ItemIDs) != 3 || r.ItemIDs[0] != "136-1" {
			t.Errorf("%q: %+v", q, r)
		}
	}
	if r := ask(t, x, text("最新"), Config{}); !strings.HasPrefix(r.Content, "立方网络安全与数据合规周报 第136期 · 2020-04-27\n01 工信部发布") {
		t.Errorf("latest zh: %q", r.Content)
	}
	if r := ask(t, x, text("latest"), Config{}); !strings.Contains(r.Content, "01 MIIT Publishes") {
		t.Errorf("latest en: %q", r.Content)
	}
	// Digits alone carry no language: the account's (reply.language, zh unless set).
	if r := ask(t, x, text("999"), Config{}); r.Type != Text || !strings.Contains(r.Content, "没有找到第999期") {
		t.Errorf("missing issue: %+v", r)
	}
	if r := ask(t, x, text("999"), Config{Language: issue.LangEn}); r.Type != Text || !strings.Contains(r.Content, "No. 999") {
		t.Errorf("missing issue, English account: %+v", r)
	}
	if r := ask(t, x, text("第999期"), Config{}); !strings.Contains(r.Content, "没有找到第999期") {
		t.Errorf("missing issue zh: %+v", r)
	}
}

func TestHelpAndNoMatch(t *testing.T) {
	x := index(t, false)
	for q, want := range map[string]string{"帮助": "发送关键词", "help": "Send a keyword", "?": "发送关键词", "？": "发送关键词"} {
		if r := ask(t, x, text(q), Config{}); r.Type != Text || !strings.Contains(r.Content, want) {
			t.Errorf("%q: %+v", q, r)
		}
	}
	// No match suggests keywords that find something, quoted: the issues' tags (个人信息,
	// data protection), an English reply naming 个人信息 as the glossary does, then help's
	// examples; never an item's title cut short.
	zh := ask(t, x, text("量子计算"), Config{})
	if zh.Type != Text || !strings.HasPrefix(zh.Content, "没有找到与“量子计算”相关的内容。可以试试：“个人信息”“data protection”“接触者追踪”。") || len(zh.ItemIDs) != 0 {
		t.Errorf("zh no match: %+v", zh)
	}
	en := ask(t, x, text("quantum computing"), Config{})
	if !strings.HasPrefix(en.Content, "Nothing found for “quantum computing”. Try: “personal information”, “data protection”, “contact tracing”.") {
		t.Errorf("en no match: %+v", en)
	}
	for _, r := range []Reply{zh, en} {
		qs := quoted(r.Content)
		for _, q := range qs[1 : len(qs)-1] { // between the follower's words and “latest”
			if ok, err := x.Finds(context.Background(), q); err != nil || !ok {
				t.Errorf("no match suggests %q, which finds nothing", q)
			}
		}
	}
	// The account's own no-match text (reply.no_match) replaces the opening, not the
	// suggestions.
	own := ask(t, x, text("量子计算"), Config{NoMatch: "本所暂无相关文章，欢迎来电咨询。"})
	if !strings.HasPrefix(own.Content, "本所暂无相关文章，欢迎来电咨询。可以试试：“个人信息”") {
		t.Errorf("reply.no_match: %q", own.Content)
	}
	// A follower's words are echoed without markup.
	if r := ask(t, x, text(`<a href="http://evil">点我</a>`), Config{}); strings.Contains(r.Content, "<a href=\"http://evil") {
		t.Errorf("markup echoed: %q", r.Content)
	}
}

func TestEvents(t *testing.T) {
	published := index(t, true)
	for _, key := range []string{"", "qrscene_poster"} {
		r := ask(t, published, Message{Type: "event", Event: "subscribe", EventKey: key}, Config{Welcome: "欢迎！"})
		if r.Type != News || len(r.Articles) != 4 || r.Articles[0].Description != "欢迎！" || r.Articles[0].Issue != 136 || r.Articles[0].ItemID != "" || r.Articles[1].ItemID != "136-1" {
			t.Errorf("subscribe %q: %+v", key, r)
		}
	}
	if r := ask(t, published, Message{Type: "event", Event: "subscribe"}, Config{}); r.Articles[0].Description != DefaultWelcome {
		t.Errorf("default welcome: %+v", r.Articles[0])
	}
	unpublished := index(t, false)
	if r := ask(t, unpublished, Message{Type: "event", Event: "subscribe"}, Config{Welcome: "欢迎！"}); r.Type != Text || !strings.HasPrefix(r.Content, "欢迎！\n\n立方网络安全与数据合规周报 第136期") {
		t.Errorf("subscribe without a URL: %+v", r)
	}
	menu := Config{Menu: map[string]string{"chain": "区块链", "latest": "最新"}}
	if r := ask(t, published, Message{Type: "event", Event: "CLICK", EventKey: "chain"}, menu); r.Type != News || r.Articles[0].ItemID != "135-2" {
		t.Errorf("CLICK: %+v", r)
	}
	if r := ask(t, published, Message{Type: "event", Event: "CLICK", EventKey: "latest"}, menu); r.Type != News || r.Articles[0].Issue != 136 {
		t.Errorf("CLICK latest: %+v", r)
	}
	if r := ask(t, published, Message{Type: "event", Event: "CLICK", EventKey: "nosuch"}, menu); r.Type != Text || !strings.Contains(r.Content, "发送关键词") {
		t.Errorf("unknown key: %+v", r)
	}
	for _, ev := range []string{"unsubscribe", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH"} {
		if r := ask(t, published, Message{Type: "event", Event: ev}, menu); r.Type != None {
			t.Errorf("%s: %+v", ev, r)
		}
	}
	if r := ask(t, published, Message{Type: "event", Event: "SCAN", EventKey: "poster"}, menu); r.Type != News || r.Articles[0].Issue != 136 {
		t.Errorf("SCAN: %+v", r)
	}
}

func TestOtherMessageTypes(t *testing.T) {
	x := index(t, false)
	for _, typ := range []string{"image", "voice", "video", "location", "link", "shortvideo", "file"} {
		r := ask(t, x, Message{Type: typ}, Config{})
		if r.Type != Text || !strings.Contains(r.Content, "只能读懂文字") || !strings.Contains(r.Content, "I can only read text") {
			t.Errorf("%s: %+v", typ, r)
		}
	}
	// A voice message with recognised text is a query.
	if r := ask(t, x, Message{Type: "voice", Recognition: "区块链"}, Config{}); r.Type != News || r.Articles[0].ItemID != "135-2" {
		t.Errorf("recognised voice: %+v", r)
	}
}

func TestJSONContract(t *testing.T) {
	x := index(t, false)
	for q, want := range map[string][]string{
		"区块链":  {`"type":"news"`, `"articles":[{"title":`, `"description":`, `"url":"` + url135 + `"`, `"pic_url":`, `"issue":135`, `"item_id":"135-2"`},
		"个人信息": {`"type":"text"`, `"content":"与“个人信息”相关的内容：`, `"item_ids":["`, `"136-1"`, `"136-2"`, `"135-3"`, `"135-1"`, `<a href=`},
		"帮助":   {`"type":"text"`, `"item_ids":[]`},
	} {
		data, err := ask(t, x, text(q), Config{}).JSON()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%q: JSON %s lacks %s", q, data, w)
			}
		}
	}
	if data, _ := json.Marshal(Reply{Type: None}); string(data) != `{"type":"none"}` {
		t.Errorf("none: %s", data)
	}
}

type failing struct{ Index }

func (failing) Search(context.Context, string, int) ([]search.Hit, error) {
	return nil, errors.New("index down")
}

func TestSearchErrorsAreReturned(t *testing.T) {
	if _, err := Answer(context.Background(), text("个人信息"), failing{index(t, false)}, Config{}); err == nil {
		t.Error("an index failure was swallowed")
	}
}

func TestSnippet(t *testing.T) {
	body := strings.Repeat("前文。", 40) + "这里提到区块链技术的应用。" + strings.Repeat("后文。", 40)
	s := Snippet(body, "区块链", 40)
	if !strings.Contains(s, "区块链") || !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || len([]rune(s)) > 42 {
		t.Errorf("snippet = %q", s)
	}
	en := "The start. " + strings.Repeat("filler words here ", 20) + "then contact tracing apps appear " + strings.Repeat("more words ", 20)
	s = Snippet(en, "Contact Tracing", 60)
	if !strings.Contains(s, "contact tracing") || strings.HasPrefix(s, "…ontact") {
		t.Errorf("snippet = %q", s)
	}
	if s := Snippet("short body", "x", 60); s != "short body" {
		t.Errorf("short = %q", s)
	}
	if s := Snippet(strings.Repeat("无关内容。", 40), "区块链", 20); !strings.HasPrefix(s, "无关内容") {
		t.Errorf("no occurrence: %q", s)
	}
}

// The callback's form of a reply keeps at most the articles WeChat shows.
func TestReplyForTheCallback(t *testing.T) {
	news := Reply{Type: News, Articles: []NewsArticle{{Title: "a", URL: "u1"}, {Title: "b"}, {Title: "c"}}}
	if w := news.WeChat(1); len(w.Articles) != 1 || w.Articles[0].Title != "a" || w.Articles[0].URL != "u1" {
		t.Errorf("news for a message: %+v", w)
	}
	if w := news.WeChat(MaxEventArticles); len(w.Articles) != 3 {
		t.Errorf("news for an event: %+v", w)
	}
	if w := (Reply{Type: Text, Content: "hi"}).WeChat(1); w.Text != "hi" || len(w.Articles) != 0 {
		t.Errorf("text: %+v", w)
	}
	if w := (Reply{Type: None}).WeChat(1); !w.Empty() {
		t.Errorf("none: %+v", w)
	}
}

func TestPlain(t *testing.T) {
	news := Reply{Type: News, Articles: []NewsArticle{{Title: "T1", Description: "D1", URL: "U1"}, {Title: "T2", Description: "D2", URL: "U2"}}}
	if got := news.Plain(); got != "T1\nD1\nU1\nT2\nD2\nU2" {
		t.Errorf("news: %q", got)
	}
	if got := (Reply{Type: Text, Content: "hi"}).Plain(); got != "hi" {
		t.Errorf("text: %q", got)
	}
	if got := (Reply{Type: None}).Plain(); got != "(no reply)" {
		t.Errorf("none: %q", got)
	}
}

// Snippets start and end at clauses or words, and drop what placeholder links leave.
func TestSnippetBoundaries(t *testing.T) {
	zh := "2020年4月15日，公安部发布新闻称，近日经中央领导批准，公安部与中央网信办牵头，建立打击危害公民个人信息和数据安全违法犯罪长效机制，旨在加强行业监管，加强宣传教育引导，构建保护公民个人信息和数据安全的社会治理格局。（查看更多）"
	s := Snippet(zh, "长效机制", 40)
	// After a clause mark, or (none within reach) at the query itself: never mid-phrase.
	if !strings.HasPrefix(s, "…建立打击") && !strings.HasPrefix(s, "…长效机制") {
		t.Errorf("zh start not at a clause: %q", s)
	}
	if s := Snippet(zh, "行业监管", 40); !strings.HasPrefix(s, "…旨在加强") {
		t.Errorf("zh start not at its clause: %q", s)
	}
	if strings.Contains(Snippet(zh, "治理格局", 60), "查看更多") || strings.Contains(Snippet("短文。（查看更多）", "x", 60), "查看更多") {
		t.Error("placeholder residue kept")
	}
	en := "On April 15, 2020, the Ministry of Public Security announced that recently, with the approval of the central leadership, the MPS and the Cyberspace Administration of China took the lead to establish a long-term mechanism to combat crimes against personal information and data security."
	s = Snippet(en, "long-term mechanism", 80)
	words := strings.Fields(strings.Trim(s, "…"))
	for _, w := range []string{words[0], words[len(words)-1]} {
		if !strings.Contains(en, " "+strings.TrimRight(w, ",.")) && !strings.HasPrefix(en, w) {
			t.Errorf("cut inside a word: %q in %q", w, s)
		}
	}
	if !strings.Contains(s, "long-term mechanism") {
		t.Errorf("en snippet: %q", s)
	}
}

// "Previous" when one issue is published says there is none before it, not that none
// was published; with none, it says so.
func TestPreviousOfTheFirstIssue(t *testing.T) {
	x, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	for q, want := range map[string]string{"上一期": "还没有发布任何一期", "previous issue": "No issue has been published yet"} {
		if r := ask(t, x, text(q), Config{}); r.Content != noIssues(r.Lang).Content || !strings.Contains(r.Content, want) {
			t.Errorf("%q, no issue: %q", q, r.Content)
		}
	}
	is, err := issue.ParseFile("../issue/testdata/sample-135.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Put(search.Issue{Number: is.Number, Date: is.Date, Title: is.Title, ArticleURL: url135}, nil); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{"上一期": "第135期是已发布的唯一一期，没有上一期", "previous issue": "No. 135 is the only issue published so far"} {
		if r := ask(t, x, text(q), Config{}); !strings.Contains(r.Content, want) || r.Outcome != OutcomeNoIssue {
			t.Errorf("%q, one issue: %q (%s)", q, r.Content, r.Outcome)
		}
	}
}

// What followers type that is not a search, in both languages.
func TestIntents(t *testing.T) {
	x := index(t, true)
	for _, c := range []struct {
		q, want string
	}{
		{"最新一期", "第136期"}, {"最新", "第136期"}, {"latest issue", "No. 136"}, {"ＬＡＴＥＳＴ", "No. 136"},
		{"上一期", "第135期"}, {"previous issue", "No. 135"},
		{"第 135 期", "第135期"}, {"135期", "第135期"}, {"１３５", "第135期"}, {"No.135", "No. 135"}, {"issue 135", "No. 135"},
		{"help pls", "Send a keyword"}, {"帮助", "发送关键词"}, {"怎么用？", "发送关键词"},
		{"在吗", "您好！"}, {"你好", "您好！"}, {"hello", "Hello!"}, {"Hi!", "Hello!"},
		{"谢谢", "不客气"}, {"thanks!", "You're welcome"},
		{"👍", "您好！"}, {"？？", "发送关键词"}, {"。。。", "您好！"},
	} {
		r := ask(t, x, text(c.q), Config{})
		got := r.Content
		if r.Type == News {
			got = r.Articles[0].Title
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%q → %q, want %q", c.q, got, c.want)
		}
		if len(r.ItemIDs) > 0 && r.Type == Text && !strings.Contains(c.want, "期") && !strings.Contains(c.want, "No.") {
			t.Errorf("%q was searched: %v", c.q, r.ItemIDs)
		}
	}
	// An emoji on an English account is answered in English.
	if r := ask(t, x, text("👍"), Config{Language: issue.LangEn}); !strings.HasPrefix(r.Content, "Hello!") {
		t.Errorf("emoji, English account: %q", r.Content)
	}
}

// Help suggests only keywords that find something in the archive now.
func TestHelpSuggestsWhatFinds(t *testing.T) {
	x := index(t, false)
	for _, l := range []issue.Lang{issue.LangZh, issue.LangEn} {
		ex := suggestions(context.Background(), x, l)
		if len(ex) == 0 {
			t.Fatalf("%v: no examples", l)
		}
		for _, q := range ex {
			if hits, _ := x.Search(context.Background(), q, 1); len(hits) == 0 {
				t.Errorf("help suggests %q, which finds nothing", q)
			}
		}
	}
	empty, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if r := ask(t, empty, text("帮助"), Config{}); strings.Contains(r.Content, "例如") {
		t.Errorf("an empty archive's help suggests keywords: %q", r.Content)
	}
}

// A query only partly matched gets the list, saying so, never one confident card.
func TestPartialMatchIsAList(t *testing.T) {
	x := index(t, true)
	r := ask(t, x, text("区块链 量子"), Config{})
	if r.Type != Text || !strings.Contains(r.Content, "部分匹配") || len(r.ItemIDs) == 0 || r.ItemIDs[0] != "135-2" {
		t.Errorf("partial zh: %+v", r)
	}
	r = ask(t, x, text("blockchain quantum"), Config{})
	if r.Type != Text || !strings.Contains(r.Content, "partial matches") {
		t.Errorf("partial en: %+v", r)
	}
}

// An English reply never shows Chinese unannounced: a Chinese-only item says so.
func TestEnglishReplyOnChineseOnlyItem(t *testing.T) {
	x := index(t, true)
	r := ask(t, x, text("CAC illegal collection"), Config{})
	var text string
	if r.Type == News {
		text = r.Articles[0].Title + " " + r.Articles[0].Description
	} else {
		text = r.Content
	}
	if !strings.Contains(text, "网信办通报") || !strings.Contains(text, "(Chinese only)") && !strings.Contains(text, "in Chinese only") {
		t.Errorf("English reply on a Chinese-only item: %+v", r)
	}
	// An issue named in English lists its items' titles: a Chinese-only one says so, as a
	// card's description (published) and as a text (not yet).
	for _, published := range []bool{true, false} {
		r := ask(t, index(t, published), Message{Type: "text", Content: "No. 136"}, Config{})
		got := r.Content
		if r.Type == News {
			got = r.Articles[0].Description
		}
		if !strings.Contains(got, "网信办通报违法违规收集个人信息的App (Chinese only)") {
			t.Errorf("issue 136 in English, published %v: %q", published, got)
		}
	}
}

// manyTags is an index whose issues have many tags that find nothing, counting the
// searches asked of it.
type manyTags struct {
	*search.Index
	finds int
}

func (m *manyTags) Tags() []string {
	var out []string
	for i := range 100 {
		out = append(out, fmt.Sprintf("标签%d", i))
	}
	return out
}

func (m *manyTags) Finds(ctx context.Context, q string) (bool, error) {
	m.finds++
	return m.Index.Finds(ctx, q)
}

// Suggesting costs a few searches however many tags there are, and still finds keywords.
func TestSuggestionsAreBounded(t *testing.T) {
	x := &manyTags{Index: index(t, false)}
	got := suggestions(context.Background(), x, issue.LangZh)
	if len(got) == 0 || x.finds > maxTagTries+len(exampleQueries[issue.LangZh]) {
		t.Errorf("%d searches for %q", x.finds, got)
	}
}

// quoted returns the phrases of s between “ and ”.
func quoted(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "“")
		if i < 0 {
			return out
		}
		s = s[i+len("“"):]
		j := strings.Index(s, "”")
		if j < 0 {
			return out
		}
		out = append(out, s[:j])
		s = s[j+len("”"):]
	}
}

// A search in a scope, as followers put it before or after their words, in both
// languages: the scope's items alone; where it has none, or is no issue, a reply that
// says so and answers from every issue; a year alone lists its issues.
func TestScopedSearches(t *testing.T) {
	x := index(t, true)
	for _, c := range []struct {
		q       string
		heading string // the text reply opens with this ("" for a news card)
		issue   string // every item answered is of this issue ("" for any)
		outcome string
	}{
		{"最新一期 个人信息", "最新一期（第136期）中与“个人信息”相关的内容", "136-", OutcomeItems},
		{"个人信息 最新一期", "最新一期（第136期）中与“个人信息”相关的内容", "136-", OutcomeItems},
		{"最新一期的个人信息", "最新一期（第136期）中与“个人信息”相关的内容", "136-", OutcomeItems},
		{"请问最新一期里有没有个人信息的内容？", "最新一期（第136期）中与“个人信息”相关的内容", "136-", OutcomeItems},
		{"第135期 个人信息", "第135期中与“个人信息”相关的内容", "135-", OutcomeItems},
		{"135期个人信息", "第135期中与“个人信息”相关的内容", "135-", OutcomeItems},
		{"最新一期有个人信息吗？", "最新一期（第136期）中与“个人信息”相关的内容", "136-", OutcomeItems},
		{"第135期里有没有区块链", "", "135-", OutcomeItems},
		{"上一期 接触者追踪", "", "135-", OutcomeItems},
		{"contact tracing in the latest issue", "", "136-", OutcomeItems},
		{"No. 135 personal information", "Items in No. 135 about “personal information”", "135-", OutcomeItems},
		{"第136期的区块链", "第136期中没有与“区块链”相关的内容。其他各期中与“区块链”相关的内容", "135-", OutcomeItems},
		{"latest blockchain", "Nothing in the latest issue (No. 136) about “blockchain”. Items in the other issues about “blockchain”", "135-", OutcomeItems},
		{"第999期 个人信息", "没有找到第999期。其他各期中与“个人信息”相关的内容", "", OutcomeItems},
		{"2020年 个人信息", "2020年的周报中与“个人信息”相关的内容", "", OutcomeItems},
		{"2019 personal information", "There are no issues from 2019. Items in the other issues about “personal information”", "", OutcomeItems},
		{"2020", "2020年的周报（2期）：\n第136期 2020-04-27", "", OutcomeIssue},
		{"２０２０年", "2020年的周报（2期）", "", OutcomeIssue},
		{"issues of 2020", "Issues of 2020 (2):\nNo. 136, 2020-04-27", "", OutcomeIssue},
		{"2019", "没有找到2019年的周报", "", OutcomeNoIssue},
		{"No. 999 contact tracing", "There is no issue No. 999. Items in the other issues about “contact tracing”", "", OutcomeItems},
		{"最新一期 量子计算", "没有找到与“量子计算”相关的内容", "", OutcomeNoMatch},
		{"第999期 量子计算", "没有找到第999期。没有找到与“量子计算”相关的内容", "", OutcomeNoMatch},
		{"No. 999 quantum computing", "There is no issue No. 999. Nothing found for “quantum computing”", "", OutcomeNoMatch},
	} {
		r := ask(t, x, text(c.q), Config{})
		if r.Outcome != c.outcome {
			t.Errorf("%q: outcome %s, want %s (%q)", c.q, r.Outcome, c.outcome, r.Content)
		}
		if c.heading == "" && r.Type != News || c.heading != "" && !strings.HasPrefix(r.Content, c.heading) {
			t.Errorf("%q → %s %q %+v, want it to open with %q", c.q, r.Type, r.Content, r.Articles, c.heading)
		}
		ids := r.ItemIDs
		for _, a := range r.Articles {
			ids = append(ids, a.ItemID)
		}
		if c.issue != "" && len(ids) == 0 {
			t.Errorf("%q: no items", c.q)
		}
		for _, id := range ids {
			if !strings.HasPrefix(id, c.issue) {
				t.Errorf("%q answered %s, want items of %s", c.q, id, c.issue)
			}
		}
	}
	// Words that only look like scopes are searched as they are.
	for _, q := range []string{"2020年度报告", "上周五", "new york privacy", "GB/T 35273-2020", "最新"} {
		if sc, rest, ok := scopedOf(q); ok {
			t.Errorf("%q read as a search of %q in %+v", q, rest, sc)
		}
	}
}

// The sentence around a keyword, as followers write it in either language, is not
// searched for; what is left is read as anything else they type.
func TestKeywordInASentence(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"有没有关于数据出境的新规", "数据出境"},
		{"请问个人信息保护法的相关内容？", "个人信息保护法"},
		{"我想了解一下等保", "等保"},
		{"帮我查一下网络安全审查", "网络安全审查"},
		{"个人信息？", "个人信息"},
		{"hi, any news on GDPR?", "GDPR"},
		{"tell me about contact tracing please", "contact tracing"},
		{"Do you have anything about PIPL?", "PIPL"},
		{"search for CCPA", "CCPA"},
		{"《网络安全法》", "《网络安全法》"},
		{"第137期有什么", "第137期"},
		{"最新一期都讲了什么？", "最新一期"},
		{"what's in issue 137?", "issue 137"},
		// Words that only look like a sentence's are kept.
		{"查处违法App", "查处违法App"},
		{"personal information", "personal information"},
		{"information on", "information on"},
		{"search engine", "search engine"},
		{"search: GDPR", "GDPR"},
		{"有没有", "有没有"},
		{"？？", "？？"},
	} {
		if got := keyword(c.q); got != c.want {
			t.Errorf("keyword(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	x := index(t, true)
	for _, c := range []struct{ q, want string }{
		{"最近有什么新闻", "第136期"},
		{"what is new this week?", "No. 136"},
		{"请问最新一期", "第136期"},
		{"第135期有哪些内容", "第135期"},
		{"what is in No. 135?", "No. 135"},
		{"hi, any news on contact tracing?", "contact tracing"},
		{"有没有关于个人信息的内容", "与“个人信息”相关的内容"},
	} {
		r := ask(t, x, text(c.q), Config{})
		got := r.Content
		for _, a := range r.Articles {
			got += a.Title + a.Description
		}
		if !strings.Contains(strings.ToLower(got), strings.ToLower(c.want)) || r.Outcome == OutcomePartial || r.Outcome == OutcomeNoMatch {
			t.Errorf("%q → %s %q, want %q", c.q, r.Outcome, got, c.want)
		}
	}
}
