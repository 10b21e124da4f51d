package publish

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/net/html"
)

// WeChat's editor keeps less than it is sent, and says nothing: images not from uploadimg,
// <style>, id attributes, positioning, and whatever else it filters that the
// documentation does not list. After each draft/add and draft/update the draft is read
// back and compared with what was sent.

// Kept is what the read-back found changed.
type Kept struct {
	// LostText is text that was sent and is not in the draft (a word or more).
	LostText []string
	// DroppedImages are the sources of images sent and not kept.
	DroppedImages []string
	// Changes are tags and style declarations removed, counted: "<style> ×1",
	// "style position ×2".
	Changes []string
}

// OK reports whether the draft holds everything sent.
func (k Kept) OK() bool {
	return len(k.LostText) == 0 && len(k.DroppedImages) == 0 && len(k.Changes) == 0
}

func (k Kept) String() string {
	var parts []string
	if len(k.LostText) > 0 {
		parts = append(parts, fmt.Sprintf("text lost: %s", strings.Join(quoteAll(k.LostText, 3), ", ")))
	}
	if len(k.DroppedImages) > 0 {
		parts = append(parts, fmt.Sprintf("images dropped: %s", strings.Join(k.DroppedImages, ", ")))
	}
	if len(k.Changes) > 0 {
		parts = append(parts, "removed: "+strings.Join(k.Changes, ", "))
	}
	return strings.Join(parts, "; ")
}

func quoteAll(s []string, n int) []string {
	var out []string
	for i, x := range s {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(s)-n))
			break
		}
		out = append(out, fmt.Sprintf("%q", x))
	}
	return out
}

// shape is what the comparison reads of an article's HTML.
type shape struct {
	text   []string       // text runs, whitespace folded
	images []string       // <img> sources
	tags   map[string]int // element names
	styles map[string]int // style properties
}

func shapeOf(content string) shape {
	sh := shape{tags: map[string]int{}, styles: map[string]int{}}
	z := html.NewTokenizer(strings.NewReader(content))
	raw := false // inside <style> or <script>: not text a reader sees
	for {
		switch z.Next() {
		case html.ErrorToken:
			return sh
		case html.TextToken:
			if t := strings.Join(strings.Fields(string(z.Text())), " "); t != "" && !raw {
				sh.text = append(sh.text, t)
			}
		case html.EndTagToken:
			raw = false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			sh.tags[tag]++
			raw = tag == "style" || tag == "script"
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "src":
					if tag == "img" {
						sh.images = append(sh.images, string(v))
					}
				case "style":
					for _, decl := range strings.Split(string(v), ";") {
						if prop, _, ok := strings.Cut(decl, ":"); ok {
							sh.styles[strings.ToLower(strings.TrimSpace(prop))]++
						}
					}
				case "id":
					sh.tags["@id"]++
				}
			}
		}
	}
}

// compareKept says what of sent the draft's content kept lost. Text is compared as the
// reader sees it (tags and whitespace aside), so that the editor's re-serialising of the
// same markup is no difference.
func compareKept(sent, kept string) Kept {
	s, k := shapeOf(sent), shapeOf(kept)
	var out Kept
	keptText := strings.Join(k.text, " ")
	for _, t := range s.text {
		if !strings.Contains(keptText, t) {
			out.LostText = append(out.LostText, t)
		}
	}
	have := map[string]int{}
	for _, src := range k.images {
		have[src]++
	}
	for _, src := range s.images {
		if have[src] > 0 {
			have[src]--
			continue
		}
		out.DroppedImages = append(out.DroppedImages, src)
	}
	for name, n := range s.tags {
		if d := n - k.tags[name]; d > 0 && name != "img" {
			label := "<" + name + ">"
			if name == "@id" {
				label = "id attribute"
			}
			out.Changes = append(out.Changes, fmt.Sprintf("%s ×%d", label, d))
		}
	}
	for prop, n := range s.styles {
		if d := n - k.styles[prop]; d > 0 {
			out.Changes = append(out.Changes, fmt.Sprintf("style %s ×%d", prop, d))
		}
	}
	sort.Strings(out.Changes)
	return out
}

// TextLostError stops a run before publishing: the draft WeChat kept lacks text that was
// sent, and followers would read the issue without it.
type TextLostError struct {
	Issue        int
	DraftMediaID string
	Kept         Kept
}

func (e *TextLostError) Error() string {
	return fmt.Sprintf("issue %d: WeChat's draft %s lacks text that was sent (%s); not published. "+
		"Find what the editor filtered (wxpub render shows what was sent), change the issue or theme, and run again",
		e.Issue, e.DraftMediaID, e.Kept)
}
