package issue

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"wxpub/internal/fileline"
)

// Error is a problem with an issue's source that stops it from being used. It names the
// file and, where it is known, the line.
type Error = fileline.Error

// ErrNoItems is wrapped by the error for a source in which no news item was found.
var ErrNoItems = errors.New("no news items found")

// markdown is safe for concurrent use: every Parse call gets its own parser context.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table))

// Markdown returns the goldmark instance issues are parsed with, so that renderers share its
// extensions.
func Markdown() goldmark.Markdown { return markdown }

// ParseFile reads and parses the issue at path.
func ParseFile(path string) (*Issue, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read issue: %w", err)
	}
	return parse(path, src)
}

// Parse parses the Markdown source of one issue; name is used in errors and warnings.
// src is copied: the issue keeps its own.
func Parse(name string, src []byte) (*Issue, error) {
	return parse(name, bytes.Clone(src))
}

// parse parses src, which it owns: the front matter is blanked out in it.
func parse(name string, src []byte) (*Issue, error) {
	if err := checkText(name, src); err != nil {
		return nil, err
	}
	p := &parser{is: &Issue{Path: name, Lines: map[string]int{}}, name: name}
	p.lineStarts = lineStarts(src)
	fm, err := p.frontMatter(src)
	if err != nil {
		return nil, err
	}
	// A byte order mark is no text: blanked (keeping offsets), as goldmark ignores up to
	// three leading spaces.
	if bytes.HasPrefix(src, []byte("\ufeff")) {
		copy(src, "   ")
	}
	p.src = src
	p.is.Source = src
	doc := markdown.Parser().Parse(text.NewReader(src))
	removePlaceholders(doc, src, func(n ast.Node, vanishes bool) {
		if vanishes {
			// As documented: nothing for the editor to fix, so no warning.
			p.is.Removed = append(p.is.Removed, p.line(n))
			return
		}
		p.warn(p.line(n), "placeholder link %q has no target and is not a link", inlineText(n, src))
	})
	p.collect(doc)
	if err := p.structure(); err != nil {
		return nil, err
	}
	if fm != nil {
		fm.apply(p.is)
	}
	p.finish()
	return p.is, nil
}

// checkText refuses what is not a Markdown text: nothing at all, or binary data.
func checkText(name string, src []byte) error {
	if len(bytes.TrimSpace(src)) == 0 {
		return &Error{File: name, Msg: "the file is empty"}
	}
	if utf8.Valid(src) && bytes.IndexByte(src, 0) < 0 {
		return nil
	}
	line := 1
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == 0 || (r == utf8.RuneError && n == 1) {
			return &Error{File: name, Line: line, Msg: fmt.Sprintf("not a text file: binary data at byte %d", i)}
		}
		if r == '\n' {
			line++
		}
		i += n
	}
	return nil
}

// lineStarts are the offsets at which src's lines begin, found with bytes' vectorised
// search rather than byte by byte.
func lineStarts(src []byte) []int {
	starts := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return starts
		}
		i += j + 1
		starts = append(starts, i)
	}
}

type parser struct {
	is         *Issue
	name       string
	src        []byte
	lineStarts []int
	blocks     []block
	heads      []groupHead
	// texts holds the plain text of each top-level block, computed once in collect.
	texts map[ast.Node]string
	// contentsLines is the source line of each entry of is.Contents.
	contentsLines []int
}

// block is one top-level node of the document with what the structure pass needs of it.
type block struct {
	node ast.Node
	text string
	lang Lang
	line int
}

func (b block) heading() bool { return b.node.Kind() == ast.KindHeading }

// fail records a problem that must stop publishing but not the parse, so that lint can
// report it beside every other.
func (p *parser) fail(line int, format string, args ...any) {
	p.is.Errors = append(p.is.Errors, Warning{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) warn(line int, format string, args ...any) {
	p.is.Warnings = append(p.is.Warnings, Warning{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) offsetLine(off int) int {
	return sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > off })
}

// line finds the source line of a node: where its first positioned descendant is, else
// where the nearest positioned sibling before it, or its parent, is; 0 when nothing is.
func (p *parser) line(n ast.Node) int {
	for ; n != nil; n = n.Parent() {
		for s := n; s != nil; s = s.PreviousSibling() {
			if off := firstOffset(s); off >= 0 {
				return p.offsetLine(off)
			}
		}
	}
	return 0
}

// firstOffset returns the source offset of the first node under n, in document order, that
// knows its position; -1 if none does.
func firstOffset(n ast.Node) int {
	off := -1
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			off = c.Lines().At(0).Start
			return ast.WalkStop, nil
		}
		if t, ok := c.(*ast.Text); ok {
			off = t.Segment.Start
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return off
}

func (p *parser) collect(doc ast.Node) {
	p.texts = make(map[ast.Node]string, doc.ChildCount())
	p.blocks = make([]block, 0, doc.ChildCount())
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		b := block{node: n, line: p.line(n)}
		switch n.Kind() {
		case ast.KindHeading:
			b.text = inlineText(n, p.src)
			b.lang = headingLang(b.text)
		case ast.KindLinkReferenceDefinition:
			d := n.(*ast.LinkReferenceDefinition)
			p.is.Definitions = append(p.is.Definitions, Definition{Label: string(d.Label), Destination: string(d.Destination), Line: b.line})
			continue
		default:
			b.text = blockText([]ast.Node{n}, p.src)
			b.lang = Detect(b.text)
			p.texts[n] = b.text
		}
		p.blocks = append(p.blocks, b)
	}
}

var (
	numberRe = regexp.MustCompile(`(?i)^(?:no\.?|issue|vol\.?|#|第)\s*(\d{1,6})\s*(?:期)?$`)
	dateRe   = regexp.MustCompile(`^(\d{4})\s*[./\-年]\s*(\d{1,2})\s*(?:月)?(?:\s*[./\-]?\s*(\d{1,2})\s*日?)?$`)
	// Headings that name a part of the issue rather than a section of news.
	contentsRe   = regexp.MustCompile(`(?i)^(目录|本期目录|本期要点|contents|table of contents|in this issue)$`)
	disclaimerRe = regexp.MustCompile(`(?i)(免责|声明|disclaimer)`)
	// Words only a disclaimer or a footer says. Plain substring tests, not regexps: they
	// run over every long paragraph after the last heading, and a case-folding regexp
	// there cost more than the rest of the parse.
	disclaimerWords = keywords{"法律意见", "仅供参考", "不构成", "legal advice", "should not be relied", "does not constitute", "no responsibility"}
	subscribeWords  = keywords{"subscribe", "follow us", "关注我们", "订阅"}
	qrWords         = keywords{"扫码", "扫描", "二维码", "qr code", "qrcode", "scan"}
)

// keywords are lower-case phrases; in reports whether s contains any, ignoring case.
type keywords []string

// count is how many of the words s holds.
func (k keywords) count(s string) int {
	n := 0
	low := lower(s)
	for _, w := range k {
		if strings.Contains(low, strings.ToLower(w)) {
			n++
		}
	}
	return n
}

func (k keywords) in(s string) bool {
	s = lower(s)
	for _, w := range k {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// lower is strings.ToLower for text that is mostly Chinese: ideographs, kana, CJK and
// general punctuation have no case, so text of them and lower-case ASCII is returned as it
// is without mapping each character.
func lower(s string) string {
	for _, r := range s {
		if 'A' <= r && r <= 'Z' || r >= utf8.RuneSelf && !(r >= 0x3000 && r <= 0x9FFF || r >= 0x2000 && r <= 0x206F) {
			return strings.ToLower(s)
		}
	}
	return s
}

// metaLine reads an issue number or a date from a short paragraph such as "No. 135",
// "2020.04" or "第135期 | 2020年4月"; it reports whether the whole paragraph was that.
func (p *parser) metaLine(b block) bool {
	if b.node.Kind() != ast.KindParagraph {
		return false
	}
	tokens := strings.FieldsFunc(b.text, func(r rune) bool { return r == '|' || r == '·' || r == '\n' })
	if len(tokens) == 0 {
		return false
	}
	var number int
	var date string
	for _, t := range tokens {
		t = strings.TrimSpace(t)
		if m := numberRe.FindStringSubmatch(t); m != nil {
			number, _ = strconv.Atoi(m[1])
			continue
		}
		if m := dateRe.FindStringSubmatch(t); m != nil {
			date = formatDate(m[1], m[2], m[3])
			if date != "" {
				continue
			}
		}
		return false
	}
	if number != 0 {
		p.is.Number = number
		p.is.Lines["number"] = b.line
	}
	if date != "" {
		p.is.Date = date
		p.is.Lines["date"] = b.line
	}
	return true
}

func formatDate(y, m, d string) string {
	mi, _ := strconv.Atoi(m)
	if mi < 1 || mi > 12 {
		return ""
	}
	if d == "" {
		return fmt.Sprintf("%s-%02d", y, mi)
	}
	di, _ := strconv.Atoi(d)
	if di < 1 || di > 31 {
		return ""
	}
	return fmt.Sprintf("%s-%02d-%02d", y, mi, di)
}

// groupHead reports whether a section-like group starts at blocks[i]: a bilingual heading,
// or a Chinese heading and its English twin with nothing between them and a heading after.
// It returns the group's title and how many blocks the title takes. The structure pass
// asks about every block several times, so answers are kept.
func (p *parser) groupHead(i int) (Text, int, bool) {
	if p.heads == nil {
		p.heads = make([]groupHead, len(p.blocks))
		for j := range p.blocks {
			t, n, ok := p.findGroupHead(j)
			p.heads[j] = groupHead{t, n, ok}
		}
	}
	h := p.heads[i]
	return h.title, h.n, h.ok
}

type groupHead struct {
	title Text
	n     int
	ok    bool
}

func (p *parser) findGroupHead(i int) (Text, int, bool) {
	b := p.blocks[i]
	if !b.heading() {
		return Text{}, 0, false
	}
	if b.lang == LangBilingual {
		zh, en, _ := SplitBilingual(b.text)
		return Text{Zh: zh, En: en}, 1, true
	}
	if short := utf8.RuneCountInString(b.text) <= 24; short && (contentsRe.MatchString(b.text) || disclaimerRe.MatchString(b.text)) {
		return textIn(b.lang, b.text), 1, true
	}
	if i+2 < len(p.blocks) && b.lang == LangZh && p.blocks[i+1].heading() && p.blocks[i+1].lang == LangEn && p.blocks[i+2].heading() {
		return Text{Zh: b.text, En: p.blocks[i+1].text}, 2, true
	}
	return Text{}, 0, false
}

func textIn(lang Lang, s string) Text {
	if lang == LangEn {
		return Text{En: s}
	}
	return Text{Zh: s}
}

// structure walks the top-level blocks: preamble (number, date, title), then groups, each a
// table of contents, a section of items, or a disclaimer; then the trailing disclaimer and
// footer after the last item.
func (p *parser) structure() error {
	i := p.title()
	lastHeading := -1
	for j, b := range p.blocks {
		if b.heading() {
			lastHeading = j
		}
	}
	trailing := len(p.blocks)
	seenItems := false
	for i < len(p.blocks) {
		title, n, ok := p.groupHead(i)
		if !ok {
			if p.metaLine(p.blocks[i]) {
				i++
				continue
			}
			p.warn(p.blocks[i].line, "text outside any section is left out: %q", clip(p.blocks[i].text, 40))
			i++
			continue
		}
		start := i + n
		end := start
		for end < len(p.blocks) {
			if _, _, next := p.groupHead(end); next {
				break
			}
			end++
		}
		group := p.blocks[start:end]
		headLine := p.blocks[i].line
		i = end
		switch {
		case contentsRe.MatchString(title.Zh) || contentsRe.MatchString(title.En) || (!seenItems && p.looksLikeContents(group)):
			p.contents(group)
		case (disclaimerRe.MatchString(title.Zh) || disclaimerRe.MatchString(title.En)) && !hasHeading(group):
			p.trailer(group, true)
		default:
			if end > lastHeading && end == len(p.blocks) {
				// Only after the last heading can the disclaimer and footer begin.
				if t := p.trailStart(group, lastHeading-start); t >= 0 {
					trailing = start + t
					group = group[:t]
				}
			}
			sec := &Section{Title: title}
			p.items(sec, group)
			if len(sec.Items) == 0 {
				p.warn(headLine, "section %q has no items", title.Joined())
				continue
			}
			seenItems = true
			p.is.Sections = append(p.is.Sections, sec)
		}
	}
	if trailing < len(p.blocks) {
		p.trailer(p.blocks[trailing:], false)
	}
	if len(p.is.Sections) == 0 {
		return &Error{File: p.name, Msg: ErrNoItems.Error() + ": expected a section heading in both languages (\"## 国内要闻 Domestic News\") followed by item headings in one language each"}
	}
	return nil
}

// title reads the preamble up to the first group: number and date lines, and the issue's
// title from the first heading when the headings after it open groups.
func (p *parser) title() int {
	i := 0
	for i < len(p.blocks) && !p.blocks[i].heading() {
		if !p.metaLine(p.blocks[i]) {
			p.warn(p.blocks[i].line, "text before the title is left out: %q", clip(p.blocks[i].text, 40))
		}
		i++
	}
	if i >= len(p.blocks) {
		return i
	}
	next := func(j int) bool {
		for j < len(p.blocks) && !p.blocks[j].heading() {
			j++
		}
		if j >= len(p.blocks) {
			return false
		}
		_, _, ok := p.groupHead(j)
		return ok
	}
	b := p.blocks[i]
	switch {
	case b.lang == LangBilingual && next(i+1):
		zh, en, _ := SplitBilingual(b.text)
		p.is.Title = Text{Zh: zh, En: en}
	case b.lang == LangZh && i+1 < len(p.blocks) && p.blocks[i+1].heading() && p.blocks[i+1].lang == LangEn && next(i+2):
		p.is.Title = Text{Zh: b.text, En: p.blocks[i+1].text}
		i++
	case b.lang != LangBilingual && next(i+1) && !contentsRe.MatchString(b.text):
		p.is.Title = textIn(b.lang, b.text)
	default:
		return i
	}
	p.is.Lines["title"] = b.line
	return i + 1
}

func hasHeading(bs []block) bool {
	for _, b := range bs {
		if b.heading() {
			return true
		}
	}
	return false
}

// looksLikeContents: a group with no item headings whose entries are all short lines.
func (p *parser) looksLikeContents(group []block) bool {
	if len(group) == 0 {
		return false
	}
	for _, b := range group {
		// A full stop is found by substring search; characters are counted only where the
		// bytes could hold more than 240 of them.
		if b.heading() || strings.Contains(b.text, "。") || len(b.text) > 240 && utf8.RuneCountInString(b.text) > 240 {
			return false
		}
	}
	return true
}

func (p *parser) contents(group []block) {
	var cur *Text
	for _, b := range group {
		for k, line := range strings.Split(b.text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			switch Detect(line) {
			case LangZh:
				p.is.Contents = append(p.is.Contents, Text{Zh: line})
				p.contentsLines = append(p.contentsLines, b.line+k)
				cur = &p.is.Contents[len(p.is.Contents)-1]
			case LangEn:
				if cur != nil && cur.En == "" {
					cur.En = line
				} else {
					p.is.Contents = append(p.is.Contents, Text{En: line})
					p.contentsLines = append(p.contentsLines, b.line+k)
				}
				cur = nil
			}
		}
	}
}

// trailStart finds where the disclaimer and footer begin in the last group: the first
// block after the last heading that is a rule, disclaimer or footer text, or Chinese text
// after an English part.
func (p *parser) trailStart(group []block, lastHeading int) int {
	partLang := LangNone
	for j, b := range group {
		if b.heading() {
			partLang = b.lang
			continue
		}
		if j <= lastHeading || b.node.Kind() == east.KindTable {
			// A table is an item's content, however many | its rows hold.
			continue
		}
		switch {
		case b.node.Kind() == ast.KindThematicBreak,
			disclaimerWords.in(b.text),
			p.footerLine(b.text) != "",
			partLang == LangEn && b.lang == LangZh:
			return j
		}
	}
	return -1
}

// footerLine tells which footer line a paragraph is, or "".
func (p *parser) footerLine(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n >= 200:
		return ""
	case n < 80 && qrWords.in(s):
		return "qr"
	case n < 80 && subscribeWords.in(s):
		return "subscribe"
	case strings.Count(s, "|") >= 2:
		return "offices"
	}
	return ""
}

// trailer sorts the blocks after the last item into the disclaimer and the footer.
func (p *parser) trailer(bs []block, disclaimerOnly bool) {
	var zh, en []string
	f := &p.is.Footer
	footerBegun := false
	for _, b := range bs {
		if b.node.Kind() == ast.KindThematicBreak {
			continue
		}
		if im := onlyImage(b.node); im != nil {
			img := Image{Src: string(im.Destination), Alt: inlineText(im, p.src), Line: b.line}
			f.QRImage = &img
			footerBegun = true
			continue
		}
		kind := p.footerLine(b.text)
		switch {
		case kind == "qr" && f.QRCaption == "":
			f.QRCaption = b.text
			p.collectFooterImage(b)
		case kind == "subscribe" && f.Subscribe == "":
			f.Subscribe = b.text
		case kind == "offices":
			for _, l := range strings.Split(b.text, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					f.Offices = append(f.Offices, l)
				}
			}
		case kind == "" && !footerBegun && (disclaimerOnly || disclaimerWords.in(b.text) || utf8.RuneCountInString(b.text) > 60):
			if b.lang == LangEn {
				en = append(en, b.text)
			} else {
				zh = append(zh, b.text)
			}
			continue
		default:
			if b.text != "" {
				f.Lines = append(f.Lines, b.text)
			}
		}
		footerBegun = true
	}
	if len(zh) > 0 {
		p.is.Disclaimer.Zh = strings.Join(append(splitNonEmpty(p.is.Disclaimer.Zh), zh...), "\n")
	}
	if len(en) > 0 {
		p.is.Disclaimer.En = strings.Join(append(splitNonEmpty(p.is.Disclaimer.En), en...), "\n")
	}
}

func (p *parser) collectFooterImage(b block) {
	_ = ast.Walk(b.node, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if im, ok := n.(*ast.Image); ok && entering && p.is.Footer.QRImage == nil {
			p.is.Footer.QRImage = &Image{Src: string(im.Destination), Alt: inlineText(im, p.src), Line: b.line}
		}
		return ast.WalkContinue, nil
	})
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// onlyImage returns the image when a paragraph holds nothing else.
func onlyImage(n ast.Node) *ast.Image {
	if n.Kind() != ast.KindParagraph || n.ChildCount() != 1 {
		return nil
	}
	im, _ := n.FirstChild().(*ast.Image)
	return im
}

// items turns a section's blocks into items: each heading in one language opens a part; a
// part joins the item before it when that item lacks its language.
func (p *parser) items(sec *Section, group []block) {
	var cur *Item
	var part *Part
	for _, b := range group {
		if b.heading() && (b.lang == LangZh || b.lang == LangEn) {
			h := b.node.(*ast.Heading)
			part = &Part{Lang: b.lang, Heading: h, Line: b.line}
			title := p.dropEditorNumber(h, b.text)
			if cur != nil && cur.Part(b.lang) == nil {
				cur.setPart(part, title)
				continue
			}
			cur = &Item{Line: b.line, Links: []Link{}}
			cur.setPart(part, title)
			sec.Items = append(sec.Items, cur)
			continue
		}
		if part == nil {
			if b.text != "" || b.node.Kind() != ast.KindThematicBreak {
				p.warn(b.line, "text before the first item of section %q is left out: %q", sec.Title.Joined(), clip(b.text, 40))
			}
			continue
		}
		part.Blocks = append(part.Blocks, b.node)
	}
}

// editorNumber is a number an editor put before an item's title ("1. ", "2、", "（3）",
// "四、"): the article numbers items itself.
var editorNumber = regexp.MustCompile(`^(?:\d{1,2}\s*[.．、)）]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}\s*[、.．])\s*`)

// dropEditorNumber removes an editor's number from an item heading, in the title and in
// the heading's first text node (which the article renders), and returns the title.
func (p *parser) dropEditorNumber(h *ast.Heading, title string) string {
	m := editorNumber.FindString(title)
	if m == "" || m == title {
		return title
	}
	if t, ok := h.FirstChild().(*ast.Text); ok {
		seg := t.Segment
		raw := p.src[seg.Start:seg.Stop]
		switch n := len(editorNumber.Find(raw)); {
		case n > 0 && n < len(raw):
			t.Segment = seg.WithStart(seg.Start + n)
			return title[len(m):]
		case n > 0 && t.NextSibling() != nil:
			// The number is a text node of its own (goldmark splits before CJK text).
			next := t.NextSibling()
			h.RemoveChild(h, t)
			if nt, ok := next.(*ast.Text); ok {
				seg := nt.Segment
				trimmed := bytes.TrimLeft(p.src[seg.Start:seg.Stop], " \t")
				nt.Segment = seg.WithStart(seg.Stop - len(trimmed))
			}
			return title[len(m):]
		}
	}
	return title
}

func (it *Item) setPart(part *Part, title string) {
	if part.Lang == LangEn {
		it.En, it.Title.En = part, title
	} else {
		it.Zh, it.Title.Zh = part, title
	}
}

// finish fills in what derives from the structure: ids, plain bodies, links, images, and
// the warnings about missing translations and contents entries without an item.
func (p *parser) finish() {
	if p.is.Number == 0 {
		p.warn(1, "no issue number found: add a line such as \"No. 135\" or number: in the front matter")
	}
	n := 0
	for _, sec := range p.is.Sections {
		for _, it := range sec.Items {
			n++
			it.ID = fmt.Sprintf("%d-%d", p.is.Number, n)
			for _, part := range []*Part{it.Zh, it.En} {
				if part == nil {
					continue
				}
				body := p.partText(part.Blocks)
				if part.Lang == LangEn {
					it.Body.En = body
				} else {
					it.Body.Zh = body
				}
				p.itemLinks(it, part)
			}
			switch {
			case it.Zh == nil:
				p.warn(it.Line, "item %s (%q) has no Chinese version", it.ID, clip(it.Title.En, 40))
			case it.En == nil:
				p.warn(it.Line, "item %s (%q) has no English version", it.ID, clip(it.Title.Zh, 40))
			}
		}
	}
	p.checkContents()
	p.titlesFromContents()
	if p.is.Warnings == nil {
		p.is.Warnings = []Warning{}
	}
	sort.SliceStable(p.is.Warnings, func(i, j int) bool { return p.is.Warnings[i].Line < p.is.Warnings[j].Line })
}

// partText joins the plain text of a part's blocks, as collect computed it.
func (p *parser) partText(blocks []ast.Node) string {
	var lines []string
	for _, b := range blocks {
		t, ok := p.texts[b]
		if !ok {
			t = blockText([]ast.Node{b}, p.src)
		}
		if t != "" {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

func (p *parser) itemLinks(it *Item, part *Part) {
	nodes := append([]ast.Node{part.Heading}, part.Blocks...)
	for _, b := range nodes {
		_ = ast.Walk(b, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch l := n.(type) {
			case *ast.Link:
				it.Links = append(it.Links, Link{Text: inlineText(l, p.src), URL: string(l.Destination)})
			case *ast.AutoLink:
				u := string(l.URL(p.src))
				it.Links = append(it.Links, Link{Text: u, URL: u})
			case *ast.Image:
				it.Images = append(it.Images, Image{Src: string(l.Destination), Alt: inlineText(l, p.src), Line: p.line(l)})
			}
			return ast.WalkContinue, nil
		})
	}
}

// titlesFromContents gives an item in one language the other language's title when the
// issue's own contents has both for it (an item written in Chinese only, listed in the
// contents with its English title).
func (p *parser) titlesFromContents() {
	en, zh := map[string]string{}, map[string]string{}
	for _, c := range p.is.Contents {
		if c.Zh != "" && c.En != "" {
			en[titleKey(c.Zh)], zh[titleKey(c.En)] = c.En, c.Zh
		}
	}
	for _, it := range p.is.Items() {
		switch {
		case it.Title.En == "" && it.Title.Zh != "":
			it.Title.En = en[titleKey(it.Title.Zh)]
		case it.Title.Zh == "" && it.Title.En != "":
			it.Title.Zh = zh[titleKey(it.Title.En)]
		}
	}
}

// checkContents warns about entries of the written table of contents that match no item,
// comparing letters and digits only (the sample writes "–" in one place and "-" in another).
func (p *parser) checkContents() {
	if len(p.is.Contents) == 0 {
		return
	}
	titles := map[string]bool{}
	for _, it := range p.is.Items() {
		titles[titleKey(it.Title.Zh)] = true
		titles[titleKey(it.Title.En)] = true
	}
	for i, c := range p.is.Contents {
		for _, t := range []string{c.Zh, c.En} {
			if t != "" && !titles[titleKey(t)] {
				p.warn(p.contentsLines[i], "contents entry %q matches no item", clip(t, 40))
			}
		}
	}
}

// titleKey is what a title is matched on against the contents line: its letters and
// digits, lower-cased. ASCII and the common ideographs are settled by range: the tables
// of the unicode package cost more than the rest of the contents check.
func titleKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r) | 0x20
			switch {
			case 'a' <= c && c <= 'z':
				b.WriteByte(c)
			case '0' <= r && r <= '9':
				b.WriteByte(byte(r))
			}
		case r >= 0x4E00 && r <= 0x9FFF:
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
