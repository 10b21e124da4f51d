package issue

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	"golang.org/x/net/html"
)

// Raw HTML in an issue: the WeChat article keeps none of it, but an editor's <br> is a
// line break and the text between tags is the editor's text.

// IsLineBreak reports whether raw inline HTML is a <br> (<br/>, <BR />…).
func IsLineBreak(raw []byte) bool {
	z := html.NewTokenizer(bytes.NewReader(raw))
	tt := z.Next()
	if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
		return false
	}
	name, _ := z.TagName()
	return string(name) == "br" && z.Next() == html.ErrorToken
}

// HTMLText is the text of raw HTML with its tags left out; <br> and the ends of block
// tags become line breaks. Comments and scripts are not text.
func HTMLText(raw []byte) string {
	var b strings.Builder
	z := html.NewTokenizer(bytes.NewReader(raw))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br":
				b.WriteByte('\n')
			case "script", "style":
				skip++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip = max(0, skip-1)
			case "p", "div", "section", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6":
				b.WriteByte('\n')
			}
		}
	}
}

// HTMLTags lists the tags raw HTML opens, each once, in order ("div", "span").
func HTMLTags(raw []byte) []string {
	var tags []string
	z := html.NewTokenizer(bytes.NewReader(raw))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tags
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			if t := string(name); !contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// RawHTML returns the source of a raw HTML node (inline or block).
func RawHTML(n ast.Node, src []byte) []byte {
	var b bytes.Buffer
	switch t := n.(type) {
	case *ast.RawHTML:
		for i := 0; i < t.Segments.Len(); i++ {
			seg := t.Segments.At(i)
			b.Write(seg.Value(src))
		}
	case *ast.HTMLBlock:
		lines := t.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.Write(seg.Value(src))
		}
		if t.HasClosure() {
			b.Write(t.ClosureLine.Value(src))
		}
	}
	return b.Bytes()
}
