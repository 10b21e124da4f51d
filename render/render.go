// Package render turns a parsed issue into a WeChat article: the title, author, digest and
// the content HTML that the WeChat editor keeps intact (inline styles only, a short list of
// tags, no external links), and a standalone preview page.
//
// The item text is rendered by goldmark with wxpub's own node renderers (see nodes.go), so
// Markdown inside items (emphasis, lists, links, images) keeps its meaning; the layout around
// it (masthead, contents, sections, references, disclaimer, footer) is written here.
package render

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	gmutil "github.com/yuin/goldmark/util"

	"wxpub/issue"
	"wxpub/wechat"
)

// Article is what an issue becomes on WeChat.
type Article struct {
	Title            string `json:"title"`
	Author           string `json:"author"`
	Digest           string `json:"digest"`
	Content          string `json:"content"`
	ContentSourceURL string `json:"content_source_url"`
	// Cover is the cover image as the issue names it ("" when it names none).
	Cover string `json:"-"`
	// Images are the content images as the issue names them, in order, each once.
	Images []issue.Image `json:"-"`
	// References are the external URLs listed at the end, numbered from 1 in this order.
	References []string `json:"-"`
	// ItemChars is how many characters of Content each item takes, in order: what to cut
	// when the article is near WeChat's limit.
	ItemChars []ItemChars `json:"-"`
}

// contentsBudget is the size of article (in characters as sent) up to which the contents
// lists both languages: 90 % of WeChat's limit, where lint starts to warn.
const contentsBudget = wechat.MaxContentChars * 9 / 10

// bilingual reports whether a written table of contents gives titles in both languages.
func bilingual(contents []issue.Text) bool {
	for _, c := range contents {
		if c.Zh != "" && c.En != "" {
			return true
		}
	}
	return false
}

// chars is how many characters the writer has written.
func (w *writer) chars() int {
	w.out.Flush()
	b := w.bufs.buf.Bytes()
	w.nchars += runeCount(b[w.counted:])
	w.counted = len(b)
	return w.nchars
}

// runeCount is utf8.RuneCount without its copy: in this Go release that function converts
// the text after its first non-ASCII byte to a string, a copy of most of an article. The
// string viewed here lives only for the count, while p does not change.
func runeCount(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	return utf8.RuneCountInString(unsafe.String(&p[0], len(p)))
}

// ItemChars is an item's share of an article's content, in characters as sent.
type ItemChars struct {
	ID    string
	Chars int
}

// Options tune a render.
type Options struct {
	// Theme is the look; nil means the default theme.
	Theme *Theme
	// Author is used when the issue's front matter names none.
	Author string
	// ImageURL maps an image as written in the issue to the URL the content must carry
	// (after upload, an mmbiz URL); nil keeps sources as written.
	ImageURL func(src string) string
}

// MaxDigest is the longest digest Render makes itself, in characters; WeChat allows 128.
const MaxDigest = 120

// Render renders is as a WeChat article.
func Render(is *issue.Issue, opt Options) (*Article, error) {
	if opt.Theme == nil {
		t, err := LoadTheme(DefaultTheme)
		if err != nil {
			return nil, err
		}
		opt.Theme = t
	}
	// The contents shows both languages when the issue's own contents did, unless that
	// brings the article near WeChat's limit: then Chinese titles only.
	both := bilingual(is.Contents)
	w := newWriter(is, opt)
	defer func() { w.release() }()
	w.bilingualContents = both
	w.article()
	if both && w.err == nil && w.chars() >= contentsBudget {
		w.release()
		w = newWriter(is, opt)
		w.article()
	}
	if err := w.err; err != nil {
		return nil, fmt.Errorf("render %s: %w", is.Path, err)
	}
	a := &Article{
		Title:            ArticleTitle(is),
		Author:           is.Author,
		Digest:           is.Digest,
		Content:          w.bufs.buf.String(),
		ContentSourceURL: is.SourceURL,
		Cover:            is.Cover,
		Images:           is.Images(),
		References:       w.nodes.refs,
		ItemChars:        w.itemChars,
	}
	if a.Author == "" {
		a.Author = opt.Author
	}
	if a.Digest == "" {
		a.Digest = Digest(is)
	}
	return a, nil
}

// ArticleTitle is the title WeChat shows: the front matter's title, else the Chinese title
// with the issue number ("立方网络安全与数据合规周报 第135期"), else the English one.
func ArticleTitle(is *issue.Issue) string {
	if is.ArticleTitle != "" {
		return is.ArticleTitle
	}
	if is.Title.Zh != "" {
		if is.Number > 0 {
			return fmt.Sprintf("%s 第%d期", is.Title.Zh, is.Number)
		}
		return is.Title.Zh
	}
	if is.Number > 0 && is.Title.En != "" {
		return fmt.Sprintf("%s No. %d", is.Title.En, is.Number)
	}
	return is.Title.En
}

// Digest makes the summary shown under the title in chats and lists: the items' Chinese
// titles (English when an item has none), cut at a title boundary to MaxDigest characters.
func Digest(is *issue.Issue) string {
	var b strings.Builder
	n := 0
	for _, it := range is.Items() {
		t := it.Title.In(issue.LangZh)
		sep := "；"
		if b.Len() == 0 {
			sep = ""
		}
		need := utf8.RuneCountInString(sep + t)
		if n+need > MaxDigest {
			if b.Len() == 0 {
				r := []rune(t)
				b.WriteString(string(r[:MaxDigest-1]) + "…")
			}
			break
		}
		b.WriteString(sep + t)
		n += need
	}
	return b.String()
}

// writer holds one render's state: the output, the goldmark renderer for item text and the
// reference numbering it shares with the layout.
type writer struct {
	is    *issue.Issue
	t     *Theme
	bufs  *buffers
	out   *bufio.Writer
	md    renderer.Renderer
	nodes *nodeRenderer
	err   error
	// itemChars collects each item's size as it is written.
	itemChars []ItemChars
	// bilingualContents lists both titles of each item in the contents.
	bilingualContents bool
	// counted bytes of the output hold nchars characters: each byte is counted once,
	// however often items and the whole ask for their size.
	counted, nchars int
}

// buffers are what a render needs and can reuse: the output (a 12 KB article and its
// bufio layer were a fifth of the bytes a render allocated) and the goldmark renderer
// with wxpub's node renderers, whose function table is built on first use.
type buffers struct {
	buf   bytes.Buffer
	out   *bufio.Writer
	nodes *nodeRenderer
	md    renderer.Renderer
}

var bufferPool = sync.Pool{New: func() any {
	b := &buffers{nodes: &nodeRenderer{refIndex: map[string]int{}}}
	b.buf.Grow(16 << 10)
	b.out = bufio.NewWriterSize(&b.buf, 8<<10)
	b.md = renderer.NewRenderer(renderer.WithNodeRenderers(gmutil.Prioritized(b.nodes, 0)))
	return b
}}

func newWriter(is *issue.Issue, opt Options) *writer {
	b := bufferPool.Get().(*buffers)
	b.buf.Reset()
	b.out.Reset(&b.buf)
	n := b.nodes
	n.theme, n.imageURL, n.refs = opt.Theme, opt.ImageURL, nil
	clear(n.refIndex)
	return &writer{is: is, t: opt.Theme, bufs: b, out: b.out, nodes: n, md: b.md}
}

// release returns the buffers; the writer must not be used after.
func (w *writer) release() {
	if w.bufs.buf.Cap() <= 256<<10 {
		bufferPool.Put(w.bufs)
	}
	w.bufs = nil
}

func (w *writer) s(parts ...string) {
	for _, p := range parts {
		w.out.WriteString(p)
	}
}

// text writes plain text, escaped.
func (w *writer) text(s string) {
	writeEscaped(w.out, s)
}

// markdown renders goldmark nodes with wxpub's node renderers.
func (w *writer) markdown(nodes ...ast.Node) {
	for _, n := range nodes {
		if w.err == nil {
			w.err = w.md.Render(w.out, w.is.Source, n)
		}
	}
}

// inline renders the inline children of a node (a heading's text) without its wrapper.
func (w *writer) inline(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		w.markdown(c)
	}
}

func px(n int) string { return strconv.Itoa(n) + "px" }

func (w *writer) article() {
	t := w.t
	w.s(`<section style="padding:0 4px;font-size:`, px(t.FontSize), `;line-height:`, strconv.FormatFloat(t.LineHeight, 'f', -1, 64),
		`;color:`, t.Colors.Text, `;word-wrap:break-word;text-align:justify">`)
	w.masthead()
	w.contents()
	for i, sec := range w.is.Sections {
		w.section(i, sec)
	}
	w.references()
	w.disclaimer()
	w.footer()
	w.s(`</section>`)
	if err := w.out.Flush(); err != nil && w.err == nil {
		w.err = err
	}
}

// block opens a <section> that ends a part of the article with twice the paragraph space.
func (w *writer) block(style ...string) {
	w.s(`<section style="margin-bottom:`, px(w.t.Spacing*2))
	w.s(style...)
	w.s(`">`)
}

func (w *writer) masthead() {
	t, is := w.t, w.is
	w.block(`;padding:`, px(t.Spacing), ` 0;text-align:center;border-top:3px solid `, t.Colors.Accent, `;border-bottom:1px solid `, t.Colors.Rule)
	if is.Title.Zh != "" {
		w.s(`<p style="font-size:`, px(t.TitleSize), `;font-weight:bold;color:`, t.Colors.Accent, `">`)
		w.text(is.Title.Zh)
		w.s(`</p>`)
	}
	if is.Title.En != "" {
		w.s(`<p style="color:`, t.Colors.English, `">`)
		w.text(is.Title.En)
		w.s(`</p>`)
	}
	var meta []string
	if is.Number > 0 {
		meta = append(meta, fmt.Sprintf("第%d期 No. %d", is.Number, is.Number))
	}
	if is.Date != "" {
		meta = append(meta, is.Date)
	}
	if len(meta) > 0 {
		w.s(`<p style="font-size:`, px(t.SmallSize+1), `;color:`, t.Colors.Muted, `">`)
		w.text(strings.Join(meta, " · "))
		w.s(`</p>`)
	}
	w.s(`</section>`)
}

// number is an item's mark in the contents and at its title: 01, 02…
func number(i int) string { return fmt.Sprintf("%02d", i) }

// contents lists the items by section, one line each: the number and the Chinese title
// (the English one when an item has no Chinese), so the list stays short on a phone; each
// item shows both titles where it starts.
func (w *writer) contents() {
	t := w.t
	w.block()
	w.bar("本期目录", "Contents")
	n := 0
	for _, sec := range w.is.Sections {
		w.s(`<p style="margin:0 0 4px;font-weight:bold;color:`, t.Colors.Accent, `">`)
		w.text(sec.Title.Joined())
		w.s(`</p><p style="margin:0 0 `, px(t.Spacing), `;font-size:`, px(t.FontSize-1), `;text-align:left">`)
		for i, it := range sec.Items {
			n++
			if i > 0 {
				w.s(`<br>`)
			}
			w.s(`<strong>`, number(n), `</strong> `)
			w.text(it.Title.In(issue.LangZh))
			if w.bilingualContents && it.Title.Zh != "" && it.Title.En != "" {
				w.s(`<br><span style="font-size:`, px(t.SmallSize+1), `;color:`, t.Colors.English, `">`)
				w.text(it.Title.En)
				w.s(`</span>`)
			}
		}
		w.s(`</p>`)
	}
	w.s(`</section>`)
}

// bar is the heading of a part of the article: a coloured bar, Chinese, then English.
func (w *writer) bar(zh, en string) {
	t := w.t
	w.s(`<p style="margin:0 0 `, px(t.Spacing), `;padding-left:8px;border-left:4px solid `, t.Colors.Accent,
		`;font-size:`, px(t.ItemSize+1), `;font-weight:bold;color:`, t.Colors.Accent, `">`)
	w.text(zh)
	if en != "" {
		w.s(` <span style="font-size:`, px(t.SmallSize+1), `;font-weight:normal;color:`, t.Colors.Muted, `">`)
		w.text(en)
		w.s(`</span>`)
	}
	w.s(`</p>`)
}

func (w *writer) section(idx int, sec *issue.Section) {
	w.block()
	w.bar(sec.Title.In(issue.LangZh), sec.Title.En)
	first := 1
	for _, s := range w.is.Sections[:idx] {
		first += len(s.Items)
	}
	for i, it := range sec.Items {
		w.item(first+i, it)
	}
	w.s(`</section>`)
}

// item writes the Chinese part, then the English part set off by a rule at its left, so the
// two read as one item in two languages.
func (w *writer) item(n int, it *issue.Item) {
	t := w.t
	start := w.chars()
	defer func() {
		w.itemChars = append(w.itemChars, ItemChars{ID: it.ID, Chars: w.chars() - start})
	}()
	w.block()
	first := true
	for _, part := range []*issue.Part{it.Zh, it.En} {
		if part == nil {
			continue
		}
		if part.Lang == issue.LangEn {
			w.s(`<section style="padding-left:10px;border-left:2px solid `, t.Colors.Rule, `;color:`, t.Colors.English, `;text-align:left">`)
		}
		w.s(`<p style="margin:0 0 `, px(t.Spacing/2), `;font-size:`, px(t.ItemSize), `;font-weight:bold;color:`, t.Colors.Accent, `">`)
		if first {
			w.s(number(n), `&nbsp;`)
		}
		w.inline(part.Heading)
		w.s(`</p>`)
		w.markdown(part.Blocks...)
		if part.Lang == issue.LangEn {
			w.s(`</section>`)
		}
		first = false
	}
	w.s(`</section>`)
}

func (w *writer) references() {
	refs := w.nodes.refs
	if len(refs) == 0 {
		return
	}
	t := w.t
	w.block(`;font-size:`, px(t.SmallSize), `;color:`, t.Colors.Muted, `;word-break:break-all;text-align:left`)
	w.bar("参考链接", "References")
	for i, u := range refs {
		w.s(`<p>[`, strconv.Itoa(i+1), `] `)
		w.text(u)
		w.s(`</p>`)
	}
	w.s(`</section>`)
}

func (w *writer) disclaimer() {
	d := w.is.Disclaimer
	if d.Zh == "" && d.En == "" {
		return
	}
	t := w.t
	w.block(`;padding-top:`, px(t.Spacing), `;border-top:1px solid `, t.Colors.Rule, `;font-size:`, px(t.SmallSize), `;color:`, t.Colors.Muted)
	for _, s := range []string{d.Zh, d.En} {
		for _, para := range strings.Split(s, "\n") {
			if para == "" {
				continue
			}
			w.s(`<p style="margin:0 0 8px">`)
			w.text(para)
			w.s(`</p>`)
		}
	}
	w.s(`</section>`)
}

func (w *writer) footer() {
	f := w.is.Footer
	if f.Subscribe == "" && f.QRCaption == "" && f.QRImage == nil && len(f.Offices) == 0 && len(f.Lines) == 0 {
		return
	}
	t := w.t
	w.s(`<section style="text-align:center;font-size:`, px(t.SmallSize), `;color:`, t.Colors.Muted, `">`)
	line := func(s string) {
		w.s(`<p>`)
		w.text(s)
		w.s(`</p>`)
	}
	if f.Subscribe != "" {
		w.s(`<p style="font-weight:bold;color:`, t.Colors.Accent, `">`)
		w.text(f.Subscribe)
		w.s(`</p>`)
	}
	if f.QRImage != nil {
		w.s(`<p>`)
		w.nodes.image(w.out, f.QRImage.Src, f.QRImage.Alt, "width:140px;")
		w.s(`</p>`)
	}
	if f.QRCaption != "" {
		line(f.QRCaption)
	}
	for _, l := range f.Lines {
		line(l)
	}
	for _, o := range f.Offices {
		line(o)
	}
	w.s(`</section>`)
}

// writeEscaped writes s with the five HTML-special characters escaped.
func writeEscaped(out io.StringWriter, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '"':
			esc = "&quot;"
		default:
			continue
		}
		out.WriteString(s[last:i])
		out.WriteString(esc)
		last = i + 1
	}
	out.WriteString(s[last:])
}
