// Package lint checks an issue and its rendered article against WeChat's limits and the
// newsletter's own rules before anything is sent, so that a mistake is reported with its
// file and line instead of as an errcode halfway through a publish.
package lint

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"

	"wxpub/issue"
	"wxpub/render"
	"wxpub/wechat"
)

// Severity says whether a finding stops a publish.
type Severity int

// Warnings are reported; errors also stop publishing; notes say what was done as
// documented and needs nothing.
const (
	Warning Severity = iota
	Error
	Note
)

// Finding is one problem, where it is.
type Finding struct {
	File     string
	Line     int
	Severity Severity
	Message  string
}

// String formats a finding as compilers do: FILE:LINE: message, with "warning: " before the
// message of a warning.
func (f Finding) String() string {
	loc := f.File
	if f.Line > 0 {
		loc = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	switch f.Severity {
	case Warning:
		return loc + ": warning: " + f.Message
	case Note:
		return loc + ": note: " + f.Message
	}
	return loc + ": " + f.Message
}

// Findings is the result of a check.
type Findings []Finding

// Only returns the findings of one severity.
func (fs Findings) Only(sev Severity) Findings {
	var out Findings
	for _, f := range fs {
		if f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}

// Warnings counts the warnings.
func (fs Findings) Warnings() int { return len(fs.Only(Warning)) }

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Summary counts errors and warnings in words: "1 error, 3 warnings".
func (fs Findings) Summary() string {
	e, w := fs.Errors(), fs.Warnings()
	return fmt.Sprintf("%d %s, %d %s", e, plural(e, "error", "errors"), w, plural(w, "warning", "warnings"))
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// Errors counts the findings that stop a publish.
func (fs Findings) Errors() int { return len(fs.Only(Error)) }

// File parses the issue at path, renders it with opt and checks both: what the commands
// that work on an issue file do first.
func File(path string, opt render.Options) (*issue.Issue, *render.Article, Findings, error) {
	is, err := issue.ParseFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	art, err := render.Render(is, opt)
	if err != nil {
		return nil, nil, nil, err
	}
	return is, art, Check(is, art, opt.Theme), nil
}

// Images gives the bytes of an image as the issue names it.
type Images func(src string) ([]byte, error)

// Check lints an issue and the article rendered from it. Local images are read relative
// to the issue's file.
func Check(is *issue.Issue, a *render.Article, theme *render.Theme) Findings {
	dir := filepath.Dir(is.Path)
	return CheckImages(is, a, theme, func(src string) ([]byte, error) {
		path := src
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return os.ReadFile(path)
	})
}

// CheckImages lints like Check, with the images read through images (a stored snapshot's).
func CheckImages(is *issue.Issue, a *render.Article, theme *render.Theme, images Images) Findings {
	c := &checker{is: is, read: images}
	c.article(a)
	c.images(a)
	c.markdown()
	for _, e := range is.Errors {
		c.add(e.Line, Error, "%s", e.Message)
	}
	for _, w := range is.Warnings {
		c.add(w.Line, Warning, "%s", w.Message)
	}
	if n := len(is.Removed); n > 0 {
		c.add(is.Removed[0], Note, "%d “查看更多”-style placeholder %s removed with %s brackets, as documented (lines %s)",
			n, plural(n, "link", "links"), plural(n, "its", "their"), joinInts(is.Removed))
	}
	if theme != nil {
		for _, p := range theme.Readability() {
			c.add(1, Warning, "theme %s: %s", theme.Name, p)
		}
	}
	return c.out
}

type checker struct {
	is   *issue.Issue
	read Images
	out  Findings
}

func (c *checker) add(line int, sev Severity, format string, args ...any) {
	c.out = append(c.out, Finding{File: c.is.Path, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// largest names the n items that take most of the content, with their sizes.
func largest(items []render.ItemChars, n int) string {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b render.ItemChars) int { return b.Chars - a.Chars })
	var parts []string
	for _, it := range sorted[:min(n, len(sorted))] {
		parts = append(parts, fmt.Sprintf("item %s %d", it.ID, it.Chars))
	}
	return strings.Join(parts, ", ")
}

func (c *checker) article(a *render.Article) {
	lines := c.is.Lines
	if a.Title == "" {
		c.add(1, Error, "the article has no title: give the issue a title heading or title: in the front matter")
	} else if n := chars(a.Title); n > wechat.MaxTitleChars {
		c.add(lines["title"], Error, "title %q is %d characters; WeChat allows %d (set a shorter title: in the front matter)", a.Title, n, wechat.MaxTitleChars)
	}
	if n := chars(a.Author); n > wechat.MaxAuthorChars {
		c.add(lines["author"], Error, "author %q is %d characters; WeChat allows %d", a.Author, n, wechat.MaxAuthorChars)
	}
	if n := chars(a.Digest); n > wechat.MaxDigestChars {
		c.add(lines["digest"], Error, "digest is %d characters; WeChat allows %d", n, wechat.MaxDigestChars)
	}
	switch n := chars(a.Content); {
	case n >= wechat.MaxContentChars:
		c.add(1, Error, "content is %d characters as sent; WeChat takes fewer than %d: split the issue or shorten items (largest: %s)", n, wechat.MaxContentChars, largest(a.ItemChars, 3))
	case n >= wechat.MaxContentChars*9/10:
		c.add(1, Warning, "content is %d characters as sent, %d%% of WeChat's limit of %d (largest items: %s)", n, n*100/wechat.MaxContentChars, wechat.MaxContentChars, largest(a.ItemChars, 3))
	}
	if sent, err := wechat.Marshal(a.Content); err == nil && len(sent) >= wechat.MaxContentBytes {
		c.add(1, Error, "content is %d bytes as sent; WeChat takes less than 1 MB", len(sent))
	}
	if u := a.ContentSourceURL; u != "" {
		p, err := url.Parse(u)
		switch {
		case err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "":
			c.add(lines["source_url"], Error, "source_url %q is not an http(s) URL", u)
		case len(u) > wechat.MaxSourceURL:
			c.add(lines["source_url"], Error, "source_url is %d bytes; WeChat allows %d", len(u), wechat.MaxSourceURL)
		}
	}
}

func isRemote(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

// images checks every local image: it exists, is an image, and is of a type and size the
// upload endpoints take (else publish converts it, which the warning says).
func (c *checker) images(a *render.Article) {
	for _, im := range a.Images {
		c.image(im.Src, im.Line, false)
	}
	if a.Cover != "" {
		c.image(a.Cover, c.is.Lines["cover"], true)
	}
	used := map[string]bool{}
	for _, im := range c.is.Images() {
		used[im.Src] = true
	}
	for _, it := range c.is.Items() {
		for _, l := range it.Links {
			used[l.URL] = true
		}
	}
	used[c.is.Cover] = true
	for _, d := range c.is.Definitions {
		if isImagePath(d.Destination) && !used[d.Destination] {
			c.add(d.Line, Warning, "image %s is defined as [%s] but never shown", d.Destination, d.Label)
		}
	}
}

func isImagePath(p string) bool {
	switch strings.ToLower(filepath.Ext(strings.SplitN(p, "?", 2)[0])) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp":
		return true
	}
	return false
}

func (c *checker) image(src string, line int, cover bool) {
	what := "image"
	if cover {
		what = "cover"
	}
	if isRemote(src) {
		return // fetched and checked at upload
	}
	if strings.Contains(src, "://") || strings.HasPrefix(src, "data:") {
		c.add(line, Error, "%s %s: only local paths and http(s) URLs can be uploaded", what, src)
		return
	}
	data, err := c.read(src)
	if err != nil {
		c.add(line, Error, "%s %s: %v", what, src, unwrapPathError(err))
		return
	}
	head := data[:min(512, len(data))]
	size := int64(len(data))
	kind := http.DetectContentType(head)
	switch {
	case !strings.HasPrefix(kind, "image/") || kind == "image/x-icon":
		c.add(line, Error, "%s %s is not an image (%s)", what, src, kind)
	case !cover && !wechat.ContentImageOK(kind, int(size)):
		c.add(line, Warning, "image %s is %s of %d KB; WeChat takes content images as JPEG or PNG under 1 MB, so publish converts it", src, strings.TrimPrefix(kind, "image/"), size>>10)
	case cover && !wechat.CoverImageOK(kind, int(size)):
		c.add(line, Warning, "cover %s is %s of %d KB; WeChat takes covers as JPEG, PNG, GIF or BMP up to 10 MB, so publish converts it", src, strings.TrimPrefix(kind, "image/"), size>>10)
	}
}

// unwrapPathError leaves out the path, which the finding already names.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// looksLikeTable: a paragraph of two or more source lines, each with at least two |, as a
// table written without its | --- | row.
func looksLikeTable(n ast.Node, src []byte) bool {
	lines := n.Lines()
	if lines.Len() < 2 {
		return false
	}
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		if bytes.Count(seg.Value(src), []byte("|")) < 2 {
			return false
		}
	}
	return true
}

// brokenOff: a paragraph whose last character is a letter, digit or Chinese character, as
// one cut in the middle of a sentence by a stray blank line.
func brokenOff(text string) bool {
	r, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(text))
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// markdown flags what the WeChat editor would lose: raw HTML (dropped by the renderer) and
// lists nested deeper than two levels.
func (c *checker) markdown() {
	htmlSeen := map[int]map[string]bool{} // one warning per tag and line
	for _, it := range c.is.Items() {
		for _, part := range []*issue.Part{it.Zh, it.En} {
			if part == nil {
				continue
			}
			for i, b := range part.Blocks {
				if b.Kind() == ast.KindParagraph {
					text := issue.PlainText(b, c.is.Source)
					switch {
					case looksLikeTable(b, c.is.Source):
						c.add(c.is.LineOf(b), Warning, "item %s: this paragraph looks like a table but is not one: a table needs a row such as | --- | --- | under its header", it.ID)
					case i+1 < len(part.Blocks) && part.Blocks[i+1].Kind() == ast.KindParagraph && brokenOff(text):
						c.add(c.is.LineOf(b), Note, "item %s: this paragraph ends without punctuation; if a line broke in the middle of a sentence, join it with the next paragraph", it.ID)
					}
				}
				_ = ast.Walk(b, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
					if !entering {
						return ast.WalkContinue, nil
					}
					switch n.Kind() {
					case ast.KindHTMLBlock, ast.KindRawHTML:
						raw := issue.RawHTML(n, c.is.Source)
						if issue.IsLineBreak(raw) {
							return ast.WalkSkipChildren, nil
						}
						line := c.is.LineOf(n)
						for _, tag := range issue.HTMLTags(raw) {
							if !htmlSeen[line][tag] {
								if htmlSeen[line] == nil {
									htmlSeen[line] = map[string]bool{}
								}
								htmlSeen[line][tag] = true
								c.add(line, Warning, "item %s: raw HTML <%s> is dropped (the text inside it is kept); write Markdown instead", it.ID, tag)
							}
						}
						return ast.WalkSkipChildren, nil
					case ast.KindList:
						depth := 0
						for p := n; p != nil; p = p.Parent() {
							if p.Kind() == ast.KindList {
								depth++
							}
						}
						if depth == 3 {
							c.add(c.is.LineOf(n), Warning, "item %s: a list nested %d levels deep breaks in the WeChat editor", it.ID, depth)
						}
					}
					return ast.WalkContinue, nil
				})
			}
		}
	}
}
