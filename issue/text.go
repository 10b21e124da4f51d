package issue

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// IsPlaceholder reports whether a link target leads nowhere ("#" or empty): such a link is
// no link.
func IsPlaceholder(dest []byte) bool {
	d := bytes.TrimSpace(dest)
	return len(d) == 0 || string(d) == "#"
}

// moreLabel matches the "read more" texts of placeholder links, which go away with their
// brackets rather than stay behind as dead words.
var moreLabel = regexp.MustCompile(`(?i)^\s*(查看更多|查看详情|阅读更多|更多|详情|阅读原文|原文|more|read more|see more|details|full text|link)\s*[.…>»]*\s*$`)

// removePlaceholders drops every placeholder link from the tree under doc: a "read more"
// link goes with its surrounding brackets, any other keeps its text. It returns the nodes
// that held a placeholder, for warnings.
func removePlaceholders(doc ast.Node, src []byte, found func(link ast.Node, vanishes bool)) {
	var links []*ast.Link
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if l, ok := n.(*ast.Link); ok && entering && IsPlaceholder(l.Destination) {
			links = append(links, l)
		}
		return ast.WalkContinue, nil
	})
	for _, l := range links {
		parent := l.Parent()
		vanishes := moreLabel.MatchString(inlineText(l, src))
		found(l, vanishes)
		if vanishes {
			prev, next := l.PreviousSibling(), l.NextSibling()
			parent.RemoveChild(parent, l)
			trimBracket(parent, prev, next, src)
			continue
		}
		for c := l.FirstChild(); c != nil; {
			nx := c.NextSibling()
			parent.InsertBefore(parent, l, c)
			c = nx
		}
		parent.RemoveChild(parent, l)
	}
}

// trimBracket removes the "(" / "（" ending prev and the ")" / "）" opening next when they
// enclosed a removed link, and the white space the pair leaves behind.
func trimBracket(parent, prev, next ast.Node, src []byte) {
	pt, ok1 := prev.(*ast.Text)
	nt, ok2 := next.(*ast.Text)
	if !ok1 || !ok2 {
		return
	}
	before := src[pt.Segment.Start:pt.Segment.Stop]
	after := src[nt.Segment.Start:nt.Segment.Stop]
	trimmedBefore := bytes.TrimRight(before, " \t")
	var open, close int
	switch {
	case bytes.HasSuffix(trimmedBefore, []byte("(")):
		open = len(before) - len(trimmedBefore) + 1
	case bytes.HasSuffix(trimmedBefore, []byte("（")):
		open = len(before) - len(trimmedBefore) + len("（")
	default:
		return
	}
	trimmedAfter := bytes.TrimLeft(after, " \t")
	switch {
	case bytes.HasPrefix(trimmedAfter, []byte(")")):
		close = len(after) - len(trimmedAfter) + 1
	case bytes.HasPrefix(trimmedAfter, []byte("）")):
		close = len(after) - len(trimmedAfter) + len("）")
	default:
		return
	}
	pt.Segment.Stop -= open
	for pt.Segment.Stop > pt.Segment.Start && (src[pt.Segment.Stop-1] == ' ' || src[pt.Segment.Stop-1] == '\t') {
		pt.Segment.Stop--
	}
	nt.Segment.Start += close
	if pt.Segment.Len() == 0 {
		parent.RemoveChild(parent, pt)
	}
	if nt.Segment.Len() == 0 && !nt.SoftLineBreak() && !nt.HardLineBreak() {
		parent.RemoveChild(parent, nt)
	}
}

// inlineText returns the plain text of n's inline children: soft breaks become a space
// except between two CJK characters, hard breaks a newline.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	// A block's text is at most about as long as its source: one allocation, where
	// growing by doubling made five.
	if n.Type() == ast.TypeBlock {
		if l := n.Lines(); l.Len() > 0 {
			b.Grow(l.At(l.Len()-1).Stop - l.At(0).Start)
		}
	}
	writeInline(&b, n, src)
	return strings.TrimSpace(b.String())
}

func writeInline(b *strings.Builder, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Value(src))
			switch {
			case t.HardLineBreak():
				b.WriteByte('\n')
			case t.SoftLineBreak():
				if !JoinsWithoutSpace(t, src) {
					b.WriteByte(' ')
				}
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.CodeSpan:
			writeInline(b, t, src)
		case *ast.AutoLink:
			b.Write(t.URL(src))
		case *ast.RawHTML:
			// Tags are not text a follower reads; an editor's <br> breaks the line.
			if IsLineBreak(RawHTML(t, src)) {
				b.WriteByte('\n')
			}
		case *ast.Image:
			// An image has no text of its own.
		default:
			writeInline(b, c, src)
		}
	}
}

// JoinsWithoutSpace reports whether the soft line break ending t joins two CJK characters,
// which Chinese writes without a space.
func JoinsWithoutSpace(t *ast.Text, src []byte) bool {
	v := t.Value(src)
	last, _ := utf8.DecodeLastRune(v)
	next := t.NextSibling()
	nt, ok := next.(*ast.Text)
	if !ok {
		return isCJK(last)
	}
	first, _ := utf8.DecodeRune(nt.Value(src))
	return isCJK(last) && isCJK(first)
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// blockText returns the plain text of block nodes: one line per paragraph or list item.
func blockText(blocks []ast.Node, src []byte) string {
	var lines []string
	for _, n := range blocks {
		lines = appendBlockLines(lines, n, src)
	}
	return strings.Join(lines, "\n")
}

func appendBlockLines(lines []string, n ast.Node, src []byte) []string {
	switch n.Kind() {
	case ast.KindParagraph, ast.KindTextBlock, ast.KindHeading:
		if s := inlineText(n, src); s != "" {
			lines = append(lines, s)
		}
	case ast.KindFencedCodeBlock, ast.KindCodeBlock:
		segs := n.Lines()
		for i := 0; i < segs.Len(); i++ {
			seg := segs.At(i)
			if s := strings.TrimRight(string(seg.Value(src)), "\n"); s != "" {
				lines = append(lines, s)
			}
		}
	case east.KindTableHeader, east.KindTableRow:
		// A row reads as its cells in order.
		var cells []string
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, inlineText(c, src))
		}
		if s := strings.TrimSpace(strings.Join(cells, " | ")); s != "" && s != "|" {
			lines = append(lines, s)
		}
	case ast.KindHTMLBlock:
		if s := HTMLText(RawHTML(n, src)); s != "" {
			lines = append(lines, s)
		}
	case ast.KindThematicBreak, ast.KindLinkReferenceDefinition:
	default:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			lines = appendBlockLines(lines, c, src)
		}
	}
	return lines
}

// PlainText is the text of one block as a follower reads it, lines kept.
func PlainText(n ast.Node, src []byte) string {
	return blockText([]ast.Node{n}, src)
}
