package issue

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// An issue published some other way (the firm's earlier issues, made in another WeChat
// editor) comes back from WeChat as article HTML. ParseHTML reads it as the Markdown parser
// reads an issue: the HTML is turned into Markdown lines (a heading for each block that
// looks like one: an h1–h6, or a short block set bold or large, as WeChat editors style
// their headings; a paragraph for every other block; links kept), and the parser finds
// the number, date, sections and bilingual items in them as it does in a file staff
// wrote. One reader of structure serves both.

// ParseHTML reads an issue from an article's HTML; name names it in messages.
func ParseHTML(name string, content []byte) (*Issue, error) {
	md, err := MarkdownFromHTML(content)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return Parse(name, []byte(md))
}

// MarkdownFromHTML turns an article's HTML into the Markdown lines the parser reads.
func MarkdownFromHTML(content []byte) (string, error) {
	doc, err := html.Parse(bytes.NewReader(content))
	if err != nil {
		return "", err
	}
	var blocks []htmlBlock
	collect(doc, &blocks)
	var b strings.Builder
	if fm := masthead(blocks); fm != "" {
		b.WriteString(fm)
	}
	skipping := 0    // inside the contents: its lines repeat the items' titles
	trailer := false // after the disclaimer: the footer's bold lines are no headings
	marker := ""     // a list marker waiting for its item's text
	for _, bl := range blocks {
		text := strings.TrimSpace(bl.text)
		if text == "" {
			continue
		}
		if disclaimerRe.MatchString(text) && len([]rune(text)) <= 40 || disclaimerWords.count(text) >= 2 {
			// A disclaimer: what follows is the footer. (One such word is not enough: an
			// item may say that a consent "不构成" a valid one, or quote a "声明".)
			trailer = true
		}
		if listMarker.MatchString(text) {
			// A list item's marker, drawn apart from its text: a Markdown list item.
			marker = "- "
			if strings.ContainsAny(text, "0123456789") {
				marker = "1. "
			}
			continue
		}
		if bl.level > 0 && !trailer {
			plain := strings.TrimSpace(stripMarks(text))
			if contentsHeading.MatchString(plain) {
				skipping = bl.level
				continue
			}
			if skipping > 0 && bl.level <= skipping {
				skipping = 0
			}
			if skipping > 0 {
				continue
			}
			// The number a renderer put before an item's title ("01 ") is not the title's.
			plain = renderedNumber.ReplaceAllString(plain, "")
			b.WriteString(strings.Repeat("#", bl.level) + " " + plain + "\n\n")
			continue
		}
		if skipping > 0 {
			continue
		}
		b.WriteString(marker + text + "\n\n")
		marker = ""
	}
	return b.String(), nil
}

var (
	// The contents and the references list repeat what the items say.
	contentsHeading = regexp.MustCompile(`^(本期目录|目录|参考链接)(\s|$)|^(Contents|References)$`)
	renderedNumber  = regexp.MustCompile(`^\d{1,2}\s+`)
	referenceMark   = regexp.MustCompile(`^\[\d+\]$`)
	listMarker      = regexp.MustCompile(`^(?:[•·●▪◦‣-]|\d{1,2}[.)、])$`)
	issueNumber     = regexp.MustCompile(`第\s*(\d{1,5})\s*期|(?i)\bNo\.\s*(\d{1,5})`)
	issueDate       = regexp.MustCompile(`(\d{4})\s*[-.年/]\s*(\d{1,2})(?:\s*[-.月/]\s*(\d{1,2}))?`)
)

// masthead finds the issue's number and date in the article's first blocks (where
// newsletters print them: "第135期 No. 135 · 2020-04") and returns them as front matter.
func masthead(blocks []htmlBlock) string {
	var number, date string
	for i, bl := range blocks {
		if i == 8 {
			break
		}
		if m := issueNumber.FindStringSubmatch(bl.text); m != nil && number == "" {
			number = m[1] + m[2]
		}
		if m := issueDate.FindStringSubmatch(bl.text); m != nil && date == "" {
			date = fmt.Sprintf("%s-%02s", m[1], m[2])
			if m[3] != "" {
				date += fmt.Sprintf("-%02s", m[3])
			}
		}
	}
	if number == "" {
		return ""
	}
	fm := "---\nnumber: " + number + "\n"
	if date != "" {
		fm += "date: " + date + "\n"
	}
	return fm + "---\n\n"
}

// htmlBlock is a run of text that shows as one block, and its heading level (0: none).
type htmlBlock struct {
	text  string
	level int
}

var blockTags = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Section: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Li: true, atom.Blockquote: true, atom.Tr: true,
	atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Header: true, atom.Footer: true, atom.Article: true}

// hasBlockChild reports whether n holds a block element.
func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (blockTags[c.DataAtom] || hasBlockChild(c)) {
			return true
		}
	}
	return false
}

// collect walks the tree: a block without blocks inside is one block of text; a block
// with blocks inside gives each run of inline content between them a block of its own.
func collect(n *html.Node, out *[]htmlBlock) {
	if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
		return
	}
	if n.Type == html.ElementNode && blockTags[n.DataAtom] && !hasBlockChild(n) {
		*out = append(*out, htmlBlock{text: inline(n), level: headingLevel(n)})
		return
	}
	var run strings.Builder
	flush := func() {
		if strings.TrimSpace(run.String()) != "" {
			*out = append(*out, htmlBlock{text: run.String()})
		}
		run.Reset()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (blockTags[c.DataAtom] || hasBlockChild(c)) {
			flush()
			collect(c, out)
			continue
		}
		run.WriteString(inlineNode(c))
	}
	flush()
}

// inline is a block's text as Markdown: links as [text](url), <br> as a line break.
func inline(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(inlineNode(c))
	}
	return b.String()
}

func inlineNode(n *html.Node) string {
	switch n.Type {
	case html.TextNode:
		return strings.ReplaceAll(n.Data, "\u00a0", " ")
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Br:
			return "  \n"
		case atom.Script, atom.Style:
			return ""
		case atom.Img:
			return ""
		case atom.Sup:
			// A reference mark ("[1]") points into the references list, left out.
			if t := strings.TrimSpace(inline(n)); referenceMark.MatchString(t) {
				return ""
			}
		case atom.A:
			text := strings.TrimSpace(inline(n))
			href := attr(n, "href")
			if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(href, "javascript:") {
				return text
			}
			return "[" + text + "](" + href + ")"
		}
		return inline(n)
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

var fontSize = regexp.MustCompile(`font-size:\s*([0-9.]+)px`)

// headingLevel says whether a leaf block reads as a heading, and of which level: an h1–h6,
// or a short block whose text is all bold (font-weight or <strong>/<b>), by its size.
func headingLevel(n *html.Node) int {
	switch n.DataAtom {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3, atom.H4, atom.H5, atom.H6:
		return 3
	}
	text := strings.TrimSpace(stripMarks(inline(n)))
	if text == "" || len([]rune(text)) > 300 {
		return 0
	}
	if !boldAll(n) {
		return 0
	}
	size := 15.0
	for p := n; p != nil; p = p.FirstChild {
		if m := fontSize.FindStringSubmatch(attr(p, "style")); m != nil {
			size, _ = strconv.ParseFloat(m[1], 64)
			break
		}
		if p.FirstChild == nil || p.FirstChild != p.LastChild {
			break
		}
	}
	switch {
	case size >= 19:
		return 1
	case size >= 17:
		return 2
	}
	return 3
}

// boldAll reports whether all of a block's text is bold.
func boldAll(n *html.Node) bool {
	bold := func(x *html.Node) bool {
		st := strings.ReplaceAll(attr(x, "style"), " ", "")
		return x.DataAtom == atom.Strong || x.DataAtom == atom.B || x.DataAtom == atom.H1 || x.DataAtom == atom.H2 ||
			x.DataAtom == atom.H3 || strings.Contains(st, "font-weight:bold") || strings.Contains(st, "font-weight:700") ||
			strings.Contains(st, "font-weight:600")
	}
	var walk func(x *html.Node, inBold bool) bool
	walk = func(x *html.Node, inBold bool) bool {
		if x.Type == html.ElementNode && strings.Contains(strings.ReplaceAll(attr(x, "style"), " ", ""), "font-weight:normal") {
			// A lighter part of a heading ("国内要闻 <span normal>Domestic News</span>")
			// is still the heading's.
			return true
		}
		inBold = inBold || x.Type == html.ElementNode && bold(x)
		if x.Type == html.TextNode && strings.TrimSpace(x.Data) != "" {
			return inBold
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			if !walk(c, inBold) {
				return false
			}
		}
		return true
	}
	return walk(n, false)
}

// stripMarks drops the Markdown a block's text may carry, for headings.
func stripMarks(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "  \n", " ")), " ")
}
