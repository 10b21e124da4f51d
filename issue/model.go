// Package issue holds the newsletter model (an issue with its sections, bilingual items,
// disclaimer and footer) and the parser that recovers it from the Markdown staff write.
//
// The parser reads structure from the content, not from heading levels: a heading that holds
// Chinese and English ("国内要闻 Domestic News") opens a section, a heading in one language opens
// one language of an item, and the language comes from the script. The goldmark AST of each
// item is kept beside the plain text so that renderers can extend goldmark rather than parse
// text again.
package issue

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"

	"wxpub/internal/rawjson"
)

// Text is a piece of text in both languages; a missing language is "".
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the text in lang, falling back to the other language when it is missing.
func (t Text) In(lang Lang) string {
	if lang == LangEn {
		if t.En != "" {
			return t.En
		}
		return t.Zh
	}
	if t.Zh != "" {
		return t.Zh
	}
	return t.En
}

// Joined returns both languages on one line, Chinese first, as a bilingual heading shows them.
func (t Text) Joined() string {
	return strings.TrimSpace(t.Zh + " " + t.En)
}

// Link is a real link found in an item (placeholders such as [More](#) are not links).
type Link struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Image is an image an issue references, by local path or URL, as written in the source.
type Image struct {
	Src  string `json:"src"`
	Alt  string `json:"alt,omitempty"`
	Line int    `json:"line"`
}

// Warning is something the parser accepted but a careful editor would want to know.
type Warning struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Part is one language of an item as written: its heading and the blocks under it.
// Renderers walk these goldmark nodes; Issue.Source holds the bytes they point into.
type Part struct {
	Lang    Lang
	Heading *ast.Heading
	Blocks  []ast.Node
	Line    int
}

// Item is one news item, in Chinese and English.
type Item struct {
	ID     string  `json:"id"`
	Title  Text    `json:"title"`
	Body   Text    `json:"body"`
	Links  []Link  `json:"links"`
	Images []Image `json:"images,omitempty"`
	// Line is where the item starts in the source.
	Line int `json:"line"`

	// Zh and En are the item's parts as parsed; nil when that language is missing.
	Zh *Part `json:"-"`
	En *Part `json:"-"`
}

// Part returns the item's part in lang, or nil.
func (it *Item) Part(lang Lang) *Part {
	if lang == LangEn {
		return it.En
	}
	return it.Zh
}

// Section is a titled group of items ("国内要闻 Domestic News").
type Section struct {
	Title Text    `json:"title"`
	Items []*Item `json:"items"`
}

// Footer is what closes an issue after the disclaimer.
type Footer struct {
	Subscribe string   `json:"subscribe,omitempty"`
	QRCaption string   `json:"qr_caption,omitempty"`
	QRImage   *Image   `json:"qr_image,omitempty"`
	Offices   []string `json:"offices,omitempty"`
	// Lines holds any other footer text, in order.
	Lines []string `json:"lines,omitempty"`
}

// Issue is one issue of the newsletter.
type Issue struct {
	Number int    `json:"number"`
	Date   string `json:"date"`
	Title  Text   `json:"title"`
	// Front-matter fields; empty unless the source gives them.
	ArticleTitle string   `json:"article_title,omitempty"`
	Author       string   `json:"author,omitempty"`
	Cover        string   `json:"cover,omitempty"`
	SourceURL    string   `json:"source_url,omitempty"`
	Digest       string   `json:"digest,omitempty"`
	Tags         []string `json:"tags,omitempty"`

	// Contents is the table of contents as written at the top of the issue, if any.
	Contents   []Text     `json:"contents,omitempty"`
	Sections   []*Section `json:"sections"`
	Disclaimer Text       `json:"disclaimer"`
	Footer     Footer     `json:"footer"`
	Warnings   []Warning  `json:"warnings"`

	// Path is the file the issue came from, as given to the parser.
	Path string `json:"-"`
	// Source is the Markdown the parts' nodes point into (front matter blanked out).
	Source []byte `json:"-"`
	// Lines says where the fields staff may need to fix were found (key: "title", "author",
	// "digest", "cover", "source_url", "number", "date"); 0 when inferred or absent.
	Lines map[string]int `json:"-"`
	// Errors are problems found while parsing that must stop a publish (a front matter
	// date that is no date), each with its line; lint reports them.
	Errors []Warning `json:"-"`
	// Removed are the lines of placeholder links removed as documented ("（[查看更多](#)）"
	// vanishes with its brackets): nothing to fix, so they are counted, not warned about.
	Removed []int `json:"-"`
	// Definitions are the link reference definitions ([label]: target) in the source.
	Definitions []Definition `json:"-"`
}

// Definition is a link reference definition in the source.
type Definition struct {
	Label, Destination string
	Line               int
}

// Items returns every item in order of appearance.
func (is *Issue) Items() []*Item {
	var all []*Item
	for _, s := range is.Sections {
		all = append(all, s.Items...)
	}
	return all
}

// Images returns every image the article's content references (items and footer, not the
// cover), each source once, in order of appearance.
func (is *Issue) Images() []Image {
	var out []Image
	seen := map[string]bool{}
	add := func(im Image) {
		if im.Src != "" && !seen[im.Src] {
			seen[im.Src] = true
			out = append(out, im)
		}
	}
	for _, it := range is.Items() {
		for _, im := range it.Images {
			add(im)
		}
	}
	if is.Footer.QRImage != nil {
		add(*is.Footer.QRImage)
	}
	return out
}

// JSON encodes the issue in the shape `wxpub inspect` prints, which other tools rely on;
// text is not HTML-escaped.
func (is *Issue) JSON() ([]byte, error) { return rawjson.MarshalIndent(is, "  ") }

// LineOf returns the source line of a node of this issue's tree (1-based), or 0 when the
// node carries no position.
func (is *Issue) LineOf(n ast.Node) int {
	off := -1
	for ; n != nil && off < 0; n = n.Parent() {
		off = firstOffset(n)
	}
	if off < 0 || off > len(is.Source) {
		return 0
	}
	return bytes.Count(is.Source[:off], []byte("\n")) + 1
}

// CheckNumber is the error for an issue without a number, which nothing can be stored
// or published under.
func CheckNumber(is *Issue) error {
	if is.Number <= 0 {
		return &Error{File: is.Path, Msg: "no issue number: add a line such as \"No. 135\" or number: in the front matter"}
	}
	return nil
}
