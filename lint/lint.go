// Package lint checks an issue and its rendered article against WeChat's limits and the
// newsletter's own rules before anything is sent, so that a mistake is reported with its
// file and line instead of as an errcode halfway through a publish.
package lint

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"

	"wxpub/issue"
	"wxpub/render"
	"wxpub/wechat"
)

// Severity says whether a finding stops a publish.
type Severity int

// Warnings are reported; errors also stop publishing.
const (
	Warning Severity = iota
	Error
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
	if f.Severity == Warning {
		return loc + ": warning: " + f.Message
	}
	return loc + ": " + f.Message
}

// Findings is the result of a check.
type Findings []Finding

// Errors counts the findings that stop a publish.
func (fs Findings) Errors() int {
	n := 0
	for _, f := range fs {
		if f.Severity == Error {
			n++
		}
	}
	return n
}

// Check lints an issue and the article rendered from it. Local images are looked up
// relative to the issue's file.
func Check(is *issue.Issue, a *render.Article, theme *render.Theme) Findings {
	c := &checker{is: is, dir: filepath.Dir(is.Path)}
	c.article(a)
	c.images(a)
	c.markdown()
	for _, w := range is.Warnings {
		c.add(w.Line, Warning, "%s", w.Message)
	}
	if theme != nil {
		for _, p := range theme.Readability() {
			c.add(0, Warning, "theme %s: %s", theme.Name, p)
		}
	}
	return c.out
}

type checker struct {
	is  *issue.Issue
	dir string
	out Findings
}

func (c *checker) add(line int, sev Severity, format string, args ...any) {
	c.out = append(c.out, Finding{File: c.is.Path, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func chars(s string) int { return utf8.RuneCountInString(s) }

func (c *checker) article(a *render.Article) {
	lines := c.is.Lines
	if a.Title == "" {
		c.add(0, Error, "the article has no title: give the issue a title heading or title: in the front matter")
	} else if n := chars(a.Title); n > wechat.MaxTitleChars {
		c.add(lines["title"], Error, "title %q is %d characters; WeChat allows %d (set a shorter title: in the front matter)", a.Title, n, wechat.MaxTitleChars)
	}
	if n := chars(a.Author); n > wechat.MaxAuthorChars {
		c.add(lines["author"], Error, "author %q is %d characters; WeChat allows %d", a.Author, n, wechat.MaxAuthorChars)
	}
	if n := chars(a.Digest); n > wechat.MaxDigestChars {
		c.add(lines["digest"], Error, "digest is %d characters; WeChat allows %d", n, wechat.MaxDigestChars)
	}
	if n := chars(a.Content); n >= wechat.MaxContentChars {
		c.add(0, Error, "content is %d characters as sent; WeChat takes fewer than %d (split the issue or shorten items)", n, wechat.MaxContentChars)
	}
	if sent, err := wechat.Marshal(a.Content); err == nil && len(sent) >= wechat.MaxContentBytes {
		c.add(0, Error, "content is %d bytes as sent; WeChat takes less than 1 MB", len(sent))
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
	path := src
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		c.add(line, Error, "%s %s: %v", what, src, unwrapPathError(err))
		return
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	st, err := f.Stat()
	if err != nil {
		c.add(line, Error, "%s %s: %v", what, src, err)
		return
	}
	kind := http.DetectContentType(head[:n])
	switch kind {
	case "image/jpeg", "image/png":
		if !cover && st.Size() >= wechat.MaxUploadImage {
			c.add(line, Warning, "image %s is %d KB; WeChat takes content images under 1 MB, so publish re-encodes it", src, st.Size()>>10)
		}
	case "image/gif", "image/bmp", "image/webp":
		if !cover || kind == "image/webp" {
			c.add(line, Warning, "%s %s is %s; WeChat takes JPEG or PNG, so publish converts it", what, src, strings.TrimPrefix(kind, "image/"))
		}
	default:
		c.add(line, Error, "%s %s is not an image (%s)", what, src, kind)
	}
	if cover && st.Size() > 10<<20 {
		c.add(line, Warning, "cover %s is %d MB; WeChat takes at most 10 MB, so publish re-encodes it", src, st.Size()>>20)
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

// markdown flags what the WeChat editor would lose: raw HTML (dropped by the renderer) and
// lists nested deeper than two levels.
func (c *checker) markdown() {
	for _, it := range c.is.Items() {
		for _, part := range []*issue.Part{it.Zh, it.En} {
			if part == nil {
				continue
			}
			for _, b := range part.Blocks {
				_ = ast.Walk(b, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
					if !entering {
						return ast.WalkContinue, nil
					}
					switch n.Kind() {
					case ast.KindHTMLBlock, ast.KindRawHTML:
						c.add(c.is.LineOf(n), Warning, "item %s: raw HTML is dropped; write Markdown instead", it.ID)
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
