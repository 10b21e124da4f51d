package render

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	gmutil "github.com/yuin/goldmark/util"

	"wxpub/issue"
)

// nodeRenderer is goldmark's renderer for item text, extended for WeChat: inline styles on
// every block, lists as sections (the editor breaks nested <ul>), external links turned into
// numbered reference marks, images mapped to their uploaded URLs, raw HTML dropped.
type nodeRenderer struct {
	theme    *Theme
	imageURL func(string) string
	refs     []string
	refIndex map[string]int
}

// RegisterFuncs implements renderer.NodeRenderer.
func (r *nodeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindDocument, r.children)
	reg.Register(ast.KindParagraph, r.paragraph)
	reg.Register(ast.KindTextBlock, r.textBlock)
	reg.Register(ast.KindHeading, r.heading)
	reg.Register(ast.KindBlockquote, r.blockquote)
	reg.Register(ast.KindList, r.list)
	reg.Register(ast.KindListItem, r.listItem)
	reg.Register(ast.KindCodeBlock, r.codeBlock)
	reg.Register(ast.KindFencedCodeBlock, r.codeBlock)
	reg.Register(ast.KindThematicBreak, r.thematicBreak)
	reg.Register(ast.KindHTMLBlock, r.htmlBlock)
	reg.Register(ast.KindLinkReferenceDefinition, r.skip)
	reg.Register(ast.KindText, r.text)
	reg.Register(ast.KindString, r.string)
	reg.Register(ast.KindEmphasis, r.emphasis)
	reg.Register(ast.KindCodeSpan, r.codeSpan)
	reg.Register(ast.KindLink, r.link)
	reg.Register(ast.KindAutoLink, r.autoLink)
	reg.Register(ast.KindImage, r.imageNode)
	reg.Register(ast.KindRawHTML, r.rawHTML)
	reg.Register(east.KindStrikethrough, r.strikethrough)
	reg.Register(east.KindTable, r.table)
	reg.Register(east.KindTableHeader, r.tableHeader)
	reg.Register(east.KindTableRow, r.tableRow)
	reg.Register(east.KindTableCell, r.tableCell)
}

// table writes a GFM table as the WeChat editor keeps it: table, thead, tbody, tr, th and
// td with inline styles, inside a section that scrolls sideways, so that a table wider
// than a phone scrolls in its own box instead of widening the page.
func (r *nodeRenderer) table(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		r.open(w, "section", "margin:0 0 ", px(r.theme.Spacing), ";overflow-x:auto")
		r.open(w, "table", "border-collapse:collapse;min-width:100%;font-size:", px(r.theme.FontSize-1), ";line-height:1.5")
		return ast.WalkContinue, nil
	}
	if n.ChildCount() > 1 {
		w.WriteString("</tbody>")
	}
	w.WriteString("</table></section>")
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) tableHeader(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString("<thead><tr>")
	} else {
		w.WriteString("</tr></thead>")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) tableRow(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		if prev := n.PreviousSibling(); prev == nil || prev.Kind() == east.KindTableHeader {
			w.WriteString("<tbody>")
		}
		w.WriteString("<tr>")
	} else {
		w.WriteString("</tr>")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) tableCell(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	tag := "td"
	if n.Parent().Kind() == east.KindTableHeader {
		tag = "th"
	}
	if !entering {
		w.WriteString("</" + tag + ">")
		return ast.WalkContinue, nil
	}
	align := "left"
	switch n.(*east.TableCell).Alignment {
	case east.AlignCenter:
		align = "center"
	case east.AlignRight:
		align = "right"
	}
	if tag == "th" {
		r.open(w, tag, "padding:6px 8px;border:1px solid ", r.theme.Colors.Rule, ";border-bottom:2px solid ", r.theme.Colors.Accent,
			";font-weight:bold;text-align:", align, ";white-space:nowrap")
	} else {
		r.open(w, tag, "padding:6px 8px;border:1px solid ", r.theme.Colors.Rule, ";text-align:", align, ";vertical-align:top;min-width:4em")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) children(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) skip(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	return ast.WalkSkipChildren, nil
}

// rawHTML keeps an editor's <br> as a line break and drops other tags; the text between
// them is rendered as text.
func (r *nodeRenderer) rawHTML(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering && issue.IsLineBreak(issue.RawHTML(n, src)) {
		w.WriteString("<br>")
	}
	return ast.WalkSkipChildren, nil
}

// htmlBlock renders the text of a block of raw HTML as a paragraph, its tags dropped.
func (r *nodeRenderer) htmlBlock(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	text := issue.HTMLText(issue.RawHTML(n, src))
	if text == "" {
		return ast.WalkSkipChildren, nil
	}
	r.open(w, "p", "margin:0 0 ", px(r.theme.Spacing))
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			w.WriteString("<br>")
		}
		writeEscaped(w, strings.TrimSpace(line))
	}
	w.WriteString("</p>")
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) open(w gmutil.BufWriter, tag string, style ...string) {
	w.WriteString("<" + tag + ` style="`)
	for _, s := range style {
		w.WriteString(s)
	}
	w.WriteString(`">`)
}

func (r *nodeRenderer) paragraph(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		// A paragraph that is only an image is centred and carries no text margin.
		if n.ChildCount() == 1 && n.FirstChild().Kind() == ast.KindImage {
			r.open(w, "p", "margin:0 0 ", px(r.theme.Spacing), ";text-align:center")
		} else {
			r.open(w, "p", "margin:0 0 ", px(r.theme.Spacing))
		}
	} else {
		w.WriteString("</p>")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) textBlock(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		r.open(w, "p", "margin:0")
	} else {
		w.WriteString("</p>")
	}
	return ast.WalkContinue, nil
}

// heading inside an item (a sub-heading of its text) is bold body text.
func (r *nodeRenderer) heading(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		r.open(w, "p", "margin:0 0 ", px(r.theme.Spacing/2), ";font-weight:bold")
	} else {
		w.WriteString("</p>")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) blockquote(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		r.open(w, "section", "margin:0 0 ", px(r.theme.Spacing), ";padding-left:10px;border-left:3px solid ", r.theme.Colors.Rule, ";color:", r.theme.Colors.Muted)
	} else {
		w.WriteString("</section>")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) list(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		margin := px(r.theme.Spacing)
		if n.Parent() != nil && n.Parent().Kind() == ast.KindListItem {
			margin = "0"
		}
		r.open(w, "section", "margin:0 0 ", margin)
	} else {
		w.WriteString("</section>")
	}
	return ast.WalkContinue, nil
}

// listItem is a flex row: the bullet or number in a fixed column, the text beside it, so
// wrapped lines align under the text as in a real list.
func (r *nodeRenderer) listItem(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		w.WriteString("</section></section>")
		return ast.WalkContinue, nil
	}
	mark := "•"
	if l, ok := n.Parent().(*ast.List); ok && l.IsOrdered() {
		i := l.Start
		for s := n.PreviousSibling(); s != nil; s = s.PreviousSibling() {
			i++
		}
		mark = strconv.Itoa(i) + "."
	}
	r.open(w, "section", "display:flex;margin:0 0 4px")
	r.open(w, "span", "flex:none;width:1.6em;color:", r.theme.Colors.Accent)
	w.WriteString(mark)
	w.WriteString("</span>")
	r.open(w, "section", "flex:1;min-width:0")
	return ast.WalkContinue, nil
}

// codeBlock keeps line breaks and indentation with <br> and &nbsp;, since the editor
// collapses <pre>.
func (r *nodeRenderer) codeBlock(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	r.open(w, "p", "margin:0 0 ", px(r.theme.Spacing), ";padding:8px;font-family:Menlo,Consolas,monospace;font-size:", px(r.theme.SmallSize),
		";line-height:1.5;border:1px solid ", r.theme.Colors.Rule, ";text-align:left;word-break:break-all")
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		line := strings.TrimRight(string(seg.Value(src)), "\r\n")
		if i > 0 {
			w.WriteString("<br>")
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		w.WriteString(strings.Repeat("&nbsp;", indent))
		writeEscaped(w, line[indent:])
	}
	w.WriteString("</p>")
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) thematicBreak(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		r.open(w, "section", "margin:", px(r.theme.Spacing), " 0;height:0;border-top:1px solid ", r.theme.Colors.Rule)
		w.WriteString("</section>")
	}
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) text(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	t := n.(*ast.Text)
	html.DefaultWriter.Write(w, t.Value(src))
	switch {
	case t.HardLineBreak():
		w.WriteString("<br>")
	case t.SoftLineBreak():
		if !issue.JoinsWithoutSpace(t, src) {
			w.WriteByte(' ')
		}
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) string(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		writeEscaped(w, string(n.(*ast.String).Value))
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) emphasis(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	tag := "em"
	if n.(*ast.Emphasis).Level >= 2 {
		tag = "strong"
	}
	if entering {
		w.WriteString("<" + tag + ">")
	} else {
		w.WriteString("</" + tag + ">")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) strikethrough(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		r.open(w, "span", "text-decoration:line-through")
	} else {
		w.WriteString("</span>")
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) codeSpan(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		r.open(w, "span", "font-family:Menlo,Consolas,monospace;font-size:0.9em")
	} else {
		w.WriteString("</span>")
	}
	return ast.WalkContinue, nil
}

// IsWeChatArticleURL reports whether u links to a WeChat article, the one kind of link the
// WeChat editor keeps in content.
func IsWeChatArticleURL(u string) bool {
	p, err := url.Parse(strings.TrimSpace(u))
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && strings.EqualFold(p.Host, "mp.weixin.qq.com")
}

// ref returns the reference number of an external URL, numbering it on first sight.
func (r *nodeRenderer) ref(u string) int {
	if i, ok := r.refIndex[u]; ok {
		return i
	}
	r.refs = append(r.refs, u)
	r.refIndex[u] = len(r.refs)
	return len(r.refs)
}

func (r *nodeRenderer) mark(w gmutil.BufWriter, u string) {
	r.open(w, "sup", "font-size:0.75em;line-height:0;color:", r.theme.Colors.Accent)
	w.WriteString("[" + strconv.Itoa(r.ref(u)) + "]</sup>")
}

func (r *nodeRenderer) link(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	l := n.(*ast.Link)
	dest := string(l.Destination)
	if IsWeChatArticleURL(dest) {
		if entering {
			w.WriteString(`<a href="`)
			writeEscaped(w, dest)
			w.WriteString(`" style="color:` + r.theme.Colors.Accent + `;text-decoration:underline">`)
		} else {
			w.WriteString("</a>")
		}
		return ast.WalkContinue, nil
	}
	if !entering && !issue.IsPlaceholder(l.Destination) {
		r.mark(w, dest)
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) autoLink(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	u := string(n.(*ast.AutoLink).URL(src))
	if IsWeChatArticleURL(u) {
		w.WriteString(`<a href="`)
		writeEscaped(w, u)
		w.WriteString(`" style="color:` + r.theme.Colors.Accent + `;word-break:break-all">`)
		writeEscaped(w, u)
		w.WriteString("</a>")
		return ast.WalkSkipChildren, nil
	}
	r.open(w, "span", "word-break:break-all")
	writeEscaped(w, u)
	w.WriteString("</span>")
	r.mark(w, u)
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) imageNode(w gmutil.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	im := n.(*ast.Image)
	var alt bytes.Buffer
	for c := im.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			alt.Write(t.Value(src))
		}
	}
	r.image(w, string(im.Destination), alt.String(), "")
	return ast.WalkSkipChildren, nil
}

// image writes an <img>, its source mapped to the uploaded URL.
func (r *nodeRenderer) image(w interface{ WriteString(string) (int, error) }, src, alt, style string) {
	if r.imageURL != nil {
		src = r.imageURL(src)
	}
	w.WriteString(`<img src="`)
	writeEscaped(w, src)
	w.WriteString(`" alt="`)
	writeEscaped(w, alt)
	w.WriteString(`" style="` + style + `display:inline-block;max-width:100%;height:auto;vertical-align:middle">`)
}
