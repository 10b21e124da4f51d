package issue

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

const sample = "testdata/sample-135.md"

func mustParse(t testing.TB, path string) *Issue {
	t.Helper()
	is, err := ParseFile(path)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return is
}

func TestParseSample(t *testing.T) {
	is := mustParse(t, sample)
	if is.Number != 135 || is.Date != "2020-04" {
		t.Errorf("number, date = %d, %q; want 135, 2020-04", is.Number, is.Date)
	}
	if want := (Text{Zh: "立方网络安全与数据合规周报", En: "Weekly Cybersecurity and Data Protection Review"}); is.Title != want {
		t.Errorf("title = %+v, want %+v", is.Title, want)
	}
	wantSections := []struct {
		title Text
		items []Text
	}{
		{Text{"国内要闻", "Domestic News"}, []Text{
			{"公安部、中央网信办牵头建立跨部委打击危害公民个人信息和数据安全违法犯罪长效机制", "MPS & CAC Take the Lead to Establish a Long-Term Mechanism to Combat Crimes Against Personal Information and Data Security"},
			{"国家发展改革委、中央网信办联合印发《关于推进“上云用数赋智”行动 培育新经济发展实施方案》", "NDRC & CAC Jointly Publish the Implementation Plan for Promoting the Actions of “Cloud Services, Big Data and Intellectualized Reconstruction” to Foster the Development of New Economy"},
			{"公安部公布十起侵犯公民个人信息违法犯罪典型案例", "MPS Releases 10 Typical Cases in Infringements of Citizens’ Personal Information"},
		}},
		{Text{"海外动态", "Overseas News"}, []Text{
			{"EDPB第二十一次全体会议 - 关于欧盟委员会草拟的抗疫应用程序指南的回函", "Twenty-First Plenary Session of the EDPB - Letter Concerning the European Commission's Draft Guidance on Apps Supporting the Fight Against the COVID-19 Pandemic"},
			{"苹果和谷歌联手开发新型冠状病毒肺炎接触者追踪技术", "Apple and Google Partner on COVID-19 Contact Tracing Technology"},
		}},
	}
	if len(is.Sections) != len(wantSections) {
		t.Fatalf("%d sections, want %d", len(is.Sections), len(wantSections))
	}
	n := 0
	for i, ws := range wantSections {
		sec := is.Sections[i]
		if sec.Title != ws.title {
			t.Errorf("section %d title = %+v, want %+v", i, sec.Title, ws.title)
		}
		if len(sec.Items) != len(ws.items) {
			t.Fatalf("section %d: %d items, want %d", i, len(sec.Items), len(ws.items))
		}
		for j, it := range sec.Items {
			n++
			if it.Title != ws.items[j] {
				t.Errorf("item %d title = %+v\nwant %+v", n, it.Title, ws.items[j])
			}
			if want := "135-" + string(rune('0'+n)); it.ID != want {
				t.Errorf("item id = %q, want %q", it.ID, want)
			}
			if Detect(it.Body.Zh) != LangZh || Detect(it.Body.En) != LangEn {
				t.Errorf("item %s bodies not in their languages: zh %q…, en %q…", it.ID, clip(it.Body.Zh, 20), clip(it.Body.En, 20))
			}
			for _, body := range []string{it.Body.Zh, it.Body.En} {
				// Placeholder "more" links go with their brackets.
				for _, dead := range []string{"查看更多", "More)", "（）", "()"} {
					if strings.Contains(body, dead) {
						t.Errorf("item %s body keeps placeholder text %q", it.ID, dead)
					}
				}
			}
			if len(it.Links) != 0 {
				t.Errorf("item %s has links %v; the sample's links are all placeholders", it.ID, it.Links)
			}
		}
	}
	// The EDPB Chinese body is split in two paragraphs in the source; both are kept, in order.
	if b := is.Sections[1].Items[0].Body.Zh; !strings.Contains(b, "默认隐私\n机制") {
		t.Errorf("EDPB body paragraphs not joined by a newline: %q", clip(b, 400))
	}
	if !strings.HasPrefix(is.Sections[0].Items[0].Body.Zh, "2020年4月15日，公安部发布新闻称") ||
		!strings.HasSuffix(is.Sections[0].Items[0].Body.Zh, "贩卖公民个人信息的公司。") {
		t.Errorf("first body = %q", is.Sections[0].Items[0].Body.Zh)
	}
	// The contents at the top is recognised as contents, not items.
	if len(is.Contents) != 5 || is.Contents[0].Zh != wantSections[0].items[0].Zh || is.Contents[4].En != wantSections[1].items[1].En {
		t.Errorf("contents = %+v", is.Contents)
	}
	if !strings.HasPrefix(is.Disclaimer.Zh, "立方律师事务所编写《立方观评》") || !strings.HasSuffix(is.Disclaimer.Zh, "上述内容仅供参考。") {
		t.Errorf("disclaimer zh = %q", is.Disclaimer.Zh)
	}
	if !strings.HasPrefix(is.Disclaimer.En, "This Newsletter has been prepared") || !strings.HasSuffix(is.Disclaimer.En, "individual cases.") {
		t.Errorf("disclaimer en = %q", is.Disclaimer.En)
	}
	f := is.Footer
	if f.Subscribe != "Subscribe to our WeChat community" || f.QRCaption != "扫码关注公众号“立方律师事务所”和“竞争法视界”" {
		t.Errorf("footer = %+v", f)
	}
	if len(f.Offices) != 2 || f.Offices[0] != "北京 | 上海 | 武汉 | 广州 | 深圳 | 韩国" || f.Offices[1] != "Beijing | Shanghai | Wuhan | Guangzhou | Shenzhen | Korea" {
		t.Errorf("offices = %q", f.Offices)
	}
	// The documented "（[查看更多](#)）" placeholders vanish without a warning: there is
	// nothing for the editor to fix. They are counted, each with its line.
	for _, w := range is.Warnings {
		t.Errorf("unexpected warning %+v", w)
	}
	if want := []int{39, 43, 47, 51, 55, 59, 67, 71, 75, 79}; !slices.Equal(is.Removed, want) {
		t.Errorf("removed placeholders on lines %v, want %v", is.Removed, want)
	}
}

// A byte order mark without front matter is no text: nothing is left out, no warning.
func TestBOM(t *testing.T) {
	src, err := os.ReadFile("testdata/sample-135.md")
	if err != nil {
		t.Fatal(err)
	}
	is, err := Parse("bom.md", append([]byte("\ufeff"), src...))
	if err != nil {
		t.Fatal(err)
	}
	if len(is.Warnings) != 0 || is.Number != 135 || len(is.Items()) != 5 {
		t.Errorf("with a BOM: %d warnings %v, number %d, %d items", len(is.Warnings), is.Warnings, is.Number, len(is.Items()))
	}
}

// A contents entry without its item is reported on its own line.
func TestContentsWarningHasItsLine(t *testing.T) {
	src := "# 周报 Weekly Review\n\nNo. 7\n\n## 目录\n\n不存在的条目\n\n## 国内要闻 Domestic News\n\n### 工信部发布通知\n\n正文。\n\n### MIIT Issues a Notice\n\nBody.\n"
	is, err := Parse("c.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range is.Warnings {
		if strings.Contains(w.Message, "matches no item") {
			found = true
			if w.Line != 7 {
				t.Errorf("warning %+v, want line 7", w)
			}
		}
	}
	if !found {
		t.Errorf("warnings %+v", is.Warnings)
	}
}

func TestParseVariations(t *testing.T) {
	is := mustParse(t, "testdata/variations.md")
	// Front matter overrides what is inferred.
	if is.Number != 136 || is.Date != "2020-04-27" || is.ArticleTitle != "数据合规周报 第136期" || is.Author != "立方律师事务所" ||
		is.Cover != "images/cover.png" || is.SourceURL != "https://www.lifanglaw.com/newsletter/136" ||
		is.Digest != "本期关注个人信息保护与跨境数据流动。" || strings.Join(is.Tags, ",") != "个人信息,data protection" {
		t.Errorf("front matter not applied: %+v", is)
	}
	if is.Lines["title"] != 4 || is.Lines["author"] != 5 {
		t.Errorf("front matter lines = %v; want title 4, author 5", is.Lines)
	}
	items := is.Items()
	if len(items) != 3 {
		t.Fatalf("%d items, want 3", len(items))
	}
	first := items[0]
	// #### headings, bold and italic reduced to text, lists one line per entry.
	if first.Title.Zh != "工信部发布《个人信息保护指南》征求意见稿" || first.Title.En != "MIIT Publishes Draft Guideline on Personal Information Protection" {
		t.Errorf("first item title = %+v", first.Title)
	}
	if want := "2020年4月20日，工信部发布征求意见稿，要求 App 不得强制收集个人信息。详见工信部网站。\n明确最小必要原则；\n规定用户撤回同意的方式；\n加强第三方 SDK 管理。"; first.Body.Zh != want {
		t.Errorf("zh body = %q\nwant %q", first.Body.Zh, want)
	}
	if !strings.HasSuffix(first.Body.En, "\nData minimisation;\nWithdrawal of consent;\nThird-party SDKs.") {
		t.Errorf("en body list = %q", first.Body.En)
	}
	wantLinks := []Link{{"工信部网站", "https://www.miit.gov.cn/notice/1"}, {"MIIT notice", "https://www.miit.gov.cn/notice/1"}, {"earlier review", "https://mp.weixin.qq.com/s/abc123"}}
	if len(first.Links) != len(wantLinks) {
		t.Fatalf("links = %+v", first.Links)
	}
	for i := range wantLinks {
		if first.Links[i] != wantLinks[i] {
			t.Errorf("link %d = %+v, want %+v", i, first.Links[i], wantLinks[i])
		}
	}
	if len(first.Images) != 1 || first.Images[0].Src != "images/chart.png" || first.Images[0].Alt != "数据流向图" || first.Images[0].Line != 24 {
		t.Errorf("images = %+v", first.Images)
	}
	// A one-language item is kept, with a warning; its placeholder links are no links.
	second := items[1]
	if second.Title.En != "" || second.Body.En != "" || second.Zh == nil || second.En != nil {
		t.Errorf("zh-only item = %+v", second)
	}
	if second.Body.Zh != "2020年4月22日，网信办通报了一批违法违规收集个人信息的App。" || len(second.Links) != 0 {
		t.Errorf("zh-only body = %q, links %v", second.Body.Zh, second.Links)
	}
	if !hasWarning(is, 34, "has no English version") || !hasWarning(is, 36, `placeholder link "网信办"`) {
		t.Errorf("warnings = %+v", is.Warnings)
	}
	// English written before Chinese still pairs.
	third := items[2]
	if third.Title.Zh != "英国ICO发布接触者追踪应用指南" || third.Title.En != "UK ICO Issues Guidance on Contact Tracing Apps" {
		t.Errorf("en-first item = %+v", third.Title)
	}
	if is.Disclaimer.Zh != "本刊内容仅供参考，不构成法律意见。" || is.Disclaimer.En != "This newsletter is for reference only and does not constitute legal advice." {
		t.Errorf("disclaimer = %+v", is.Disclaimer)
	}
	if is.Footer.QRImage == nil || is.Footer.QRImage.Src != "images/qr.png" || is.Footer.QRCaption != "扫码关注公众号“立方律师事务所”" || len(is.Footer.Offices) != 1 {
		t.Errorf("footer = %+v", is.Footer)
	}
	imgs := is.Images()
	if len(imgs) != 2 || imgs[0].Src != "images/chart.png" || imgs[1].Src != "images/qr.png" {
		t.Errorf("content images = %+v", imgs)
	}
}

func hasWarning(is *Issue, line int, part string) bool {
	for _, w := range is.Warnings {
		if w.Line == line && strings.Contains(w.Message, part) {
			return true
		}
	}
	return false
}

func TestParseSplitHeadings(t *testing.T) {
	is := mustParse(t, "testdata/split-headings.md")
	if is.Number != 7 || is.Date != "2021-03" || is.Title != (Text{"隐私周报", "Privacy Weekly"}) {
		t.Errorf("meta = %d %q %+v", is.Number, is.Date, is.Title)
	}
	if len(is.Sections) != 2 || is.Sections[1].Title != (Text{"海外动态", "Overseas News"}) {
		t.Fatalf("sections = %+v", is.Sections)
	}
	en := is.Sections[1].Items[0]
	if en.ID != "7-2" || en.Title.Zh != "" || en.Body.En != "Body two, with no Chinese version." {
		t.Errorf("english-only item = %+v", en)
	}
	if !hasWarning(is, 20, "has no Chinese version") {
		t.Errorf("warnings = %+v", is.Warnings)
	}
}

func TestParseBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, path string
		line       int
		want       string
	}{
		{"empty", "testdata/empty.md", 0, "empty"},
		{"blank", write("blank.md", "\n  \n\t\n"), 0, "empty"},
		{"binary", "testdata/binary.md", 1, "binary data"},
		{"nul in text", write("nul.md", "# 标题\n\nok\x00"), 3, "binary data"},
		{"no items", "testdata/no-items.md", 0, "no news items"},
		{"front matter not closed", write("open.md", "---\nnumber: 1\n# 标题\n"), 1, "never closed"},
		{"front matter bad yaml", write("yaml.md", "---\nnumber: [\n---\n"), 1, "front matter"},
		{"front matter bad number", write("num.md", "---\nnumber: many\n---\n"), 2, "front matter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFile(c.path)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *issue.Error", err)
			}
			if pe.File != c.path || pe.Line != c.line || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), c.path) {
				t.Errorf("err = %q (line %d), want it to name %s line %d and say %q", err, pe.Line, c.path, c.line, c.want)
			}
		})
	}
	if _, err := ParseFile(filepath.Join(dir, "missing.md")); err == nil || !strings.Contains(err.Error(), "missing.md") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestInspectGolden(t *testing.T) {
	for _, name := range []string{"sample-135", "variations", "split-headings"} {
		t.Run(name, func(t *testing.T) {
			is := mustParse(t, "testdata/"+name+".md")
			got, err := is.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden := "testdata/" + name + ".json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./issue -update to create it)", err)
			}
			if string(got)+"\n" != string(want) {
				t.Errorf("inspect JSON differs from %s (go test ./issue -update rewrites it after a deliberate change)", golden)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		in   string
		want Lang
	}{
		{"公安部公布十起典型案例", LangZh},
		{"欧盟数据保护委员会（European Data Protection Board, “EDPB”）起草回函", LangZh},
		{"EDPB第二十一次全体会议", LangZh},
		{"Apple and Google Partner on COVID-19 Contact Tracing", LangEn},
		{"2020.04", LangNone},
		{"| — |", LangNone},
	}
	for _, c := range cases {
		if got := Detect(c.in); got != c.want {
			t.Errorf("Detect(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSplitBilingual(t *testing.T) {
	cases := []struct {
		in, zh, en string
		ok         bool
	}{
		{"国内要闻 Domestic News", "国内要闻", "Domestic News", true},
		{"立方网络安全与数据合规周报 Weekly Cybersecurity and Data Protection Review", "立方网络安全与数据合规周报", "Weekly Cybersecurity and Data Protection Review", true},
		{"免责声明 | Disclaimer Notice", "免责声明", "Disclaimer Notice", true},
		{"《实施方案》 Implementation Plan", "《实施方案》", "Implementation Plan", true},
		{"EDPB第二十一次全体会议 - 关于欧盟委员会草拟的抗疫应用程序指南的回函", "", "", false},
		{"苹果和谷歌联手开发新型冠状病毒肺炎接触者追踪技术", "", "", false},
		{"Apple and Google Partner", "", "", false},
		{"国内要闻 News", "", "", false},
		{"英国ICO发布 guidance on apps", "", "", false},
	}
	for _, c := range cases {
		zh, en, ok := SplitBilingual(c.in)
		if zh != c.zh || en != c.en || ok != c.ok {
			t.Errorf("SplitBilingual(%q) = %q, %q, %v; want %q, %q, %v", c.in, zh, en, ok, c.zh, c.en, c.ok)
		}
	}
}

func TestTextIn(t *testing.T) {
	both := Text{Zh: "中", En: "en"}
	if both.In(LangZh) != "中" || both.In(LangEn) != "en" {
		t.Error("In does not pick the language")
	}
	if (Text{Zh: "中"}).In(LangEn) != "中" || (Text{En: "en"}).In(LangZh) != "en" {
		t.Error("In does not fall back to the other language")
	}
}

// An editor's own numbers before item titles are dropped: the article numbers items.
func TestEditorNumbersDropped(t *testing.T) {
	src := "# 周报 Weekly Review\n\nNo. 7\n\n## 国内要闻 Domestic News\n\n### 1. 工信部发布通知\n\n正文。\n\n### 1. MIIT Issues a Notice\n\nBody.\n\n### 二、公安部开展行动\n\n正文二。\n\n### (2) MPS Campaign\n\nBody two.\n\n### 5G安全白皮书\n\n正文三。\n\n### 5G Security White Paper\n\nBody three.\n"
	is, err := Parse("n.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range is.Items() {
		got = append(got, it.Title.Zh+" | "+it.Title.En)
	}
	want := []string{"工信部发布通知 | MIIT Issues a Notice", "公安部开展行动 | MPS Campaign", "5G安全白皮书 | 5G Security White Paper"}
	if !slices.Equal(got, want) {
		t.Errorf("titles %q, want %q", got, want)
	}
	if h := string(is.Items()[0].Zh.Heading.Text(is.Source)); h != "工信部发布通知" {
		t.Errorf("rendered heading text %q", h)
	}
}

// TestTitleKey compares titles by letters and digits alone, lower-cased, in any script.
func TestTitleKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Domestic News – 2020", "domesticnews2020"},
		{"国内要闻：个人信息", "国内要闻个人信息"},
		{"ÉTÉ ９", "été９"},
		{"GDPR (EU) 2016/679", "gdpreu2016679"},
		{"@[]`{}", ""},
		{"𠀀㐀", "𠀀㐀"},
	} {
		if got := titleKey(c.in); got != c.want {
			t.Errorf("titleKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestLower is strings.ToLower, whatever the script.
func TestLower(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC", "个人信息 Personal", "免责声明“Disclaimer”—", "ＦＵＬＬ", "Été", "个人信息。", "ǅ"} {
		if got, want := lower(s), strings.ToLower(s); got != want {
			t.Errorf("lower(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestLineStarts(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []int
	}{
		{"", []int{0}},
		{"a", []int{0}},
		{"a\n", []int{0, 2}},
		{"\n\nab\nc", []int{0, 1, 2, 5}},
	} {
		if got := lineStarts([]byte(c.src)); !slices.Equal(got, c.want) {
			t.Errorf("lineStarts(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}
