package issue

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// frontMatter is the optional YAML block at the top of an issue; what it gives overrides
// what the parser infers.
type frontMatter struct {
	Number    int       `yaml:"number"`
	Date      string    `yaml:"date"`
	Title     yaml.Node `yaml:"title"`
	Author    string    `yaml:"author"`
	Cover     string    `yaml:"cover"`
	SourceURL string    `yaml:"source_url"`
	Digest    string    `yaml:"digest"`
	Tags      []string  `yaml:"tags"`

	lines map[string]int
}

var frontMatterKeys = map[string]bool{"number": true, "date": true, "title": true, "author": true,
	"cover": true, "source_url": true, "digest": true, "tags": true}

// frontMatter reads a leading "---" YAML block, then blanks it out in src (keeping its
// newlines) so that goldmark sees blank lines and every offset and line number stays true.
func (p *parser) frontMatter(src []byte) (*frontMatter, error) {
	body := bytes.TrimPrefix(src, []byte("\ufeff"))
	if !bytes.HasPrefix(body, []byte("---\n")) && !bytes.HasPrefix(body, []byte("---\r\n")) {
		return nil, nil
	}
	skip := len(src) - len(body)
	end, endLen := -1, 0
	for i := 1; i < len(p.lineStarts); i++ {
		line := strings.TrimRight(string(src[p.lineStarts[i]:lineEnd(src, p.lineStarts[i])]), "\r")
		if line == "---" || line == "..." {
			end, endLen = p.lineStarts[i], lineEnd(src, p.lineStarts[i])-p.lineStarts[i]
			break
		}
	}
	if end < 0 {
		return nil, &Error{File: p.name, Line: 1, Msg: "front matter opened with --- is never closed"}
	}
	var doc yaml.Node
	yamlSrc := src[skip+4 : end]
	if err := yaml.Unmarshal(yamlSrc, &doc); err != nil {
		return nil, &Error{File: p.name, Line: 1, Msg: "front matter: " + err.Error()}
	}
	fm := &frontMatter{lines: map[string]int{}}
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			return nil, &Error{File: p.name, Line: 2, Msg: "front matter must be a mapping of key: value"}
		}
		for k := 0; k+1 < len(root.Content); k += 2 {
			key := root.Content[k]
			// +1 for the opening --- line.
			fm.lines[key.Value] = key.Line + 1
			if !frontMatterKeys[key.Value] {
				p.warn(key.Line+1, "unknown front matter key %q (known: number, date, title, author, cover, source_url, digest, tags)", key.Value)
			}
		}
		if err := root.Decode(fm); err != nil {
			return nil, &Error{File: p.name, Line: 2, Msg: "front matter: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		// Problems with single values are all reported together (lint adds the limits),
		// so the editor fixes them in one go.
		if t := fm.Title; t.Kind != 0 && t.Kind != yaml.ScalarNode && t.Kind != yaml.MappingNode {
			p.fail(fm.lines["title"], "front matter title must be text or {zh: …, en: …}")
			fm.Title = yaml.Node{}
		}
		if fm.Date != "" {
			if m := dateRe.FindStringSubmatch(fm.Date); m == nil || formatDate(m[1], m[2], m[3]) == "" {
				p.fail(fm.lines["date"], "front matter date %q is not a date such as 2020-04 or 2020-04-15", fm.Date)
				fm.Date = ""
			}
		}
	}
	for i := 0; i < end+endLen; i++ {
		if src[i] != '\n' {
			src[i] = ' '
		}
	}
	return fm, nil
}

func lineEnd(src []byte, start int) int {
	if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		return start + i
	}
	return len(src)
}

func (fm *frontMatter) apply(is *Issue) {
	for k, l := range fm.lines {
		is.Lines[k] = l
	}
	if fm.Number != 0 {
		is.Number = fm.Number
	}
	if fm.Date != "" {
		m := dateRe.FindStringSubmatch(fm.Date)
		is.Date = formatDate(m[1], m[2], m[3])
	}
	switch fm.Title.Kind {
	case yaml.ScalarNode:
		is.ArticleTitle = strings.TrimSpace(fm.Title.Value)
		if zh, en, ok := SplitBilingual(is.ArticleTitle); ok {
			is.Title = Text{Zh: zh, En: en}
		} else if is.Title.Zh == "" && is.Title.En == "" {
			is.Title = textIn(Detect(is.ArticleTitle), is.ArticleTitle)
		}
	case yaml.MappingNode:
		var t Text
		if err := fm.Title.Decode(&t); err == nil {
			is.Title = t
		}
	}
	is.Author = fm.Author
	is.Cover = fm.Cover
	is.SourceURL = fm.SourceURL
	is.Digest = fm.Digest
	is.Tags = fm.Tags
}
