package reply

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Whatever a follower types, reading it neither panics nor loses the question: a search
// keeps some readable text of what was sent, and a scope's keyword is part of it.
func FuzzRead(f *testing.F) {
	for _, q := range []string{"最新一期 个人信息", "请问最新一期里有没有个人信息的内容？", "hi, any news on GDPR?", "第137期有什么",
		"2020年度报告", "No. 999 contact tracing", "GDPR in the latest issue", "上周五", "《网络安全法》", "？？", "👍", "what's in issue 137?",
		"2020", "issues of 2020", "   ", "第１３７期　ＧＤＰＲ"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return
		}
		q = capRunes(q, MaxQueryRunes) // as Answer reads a message
		k, kind, _ := read(q)
		if kind != intentSearch {
			return
		}
		if readable(q) && !readable(k) {
			t.Errorf("read(%q) searches %q, with nothing readable left", q, k)
		}
		if sc, rest, ok := scopedOf(k); ok {
			if !readable(rest) || sc.kind != intentLatest && sc.kind != intentPrevious && sc.kind != intentNumber && sc.kind != intentYear {
				t.Errorf("scopedOf(%q) = %+v, %q", k, sc, rest)
			}
			// The keyword is a part of the text the scope was read from.
			if from := strings.Join(strings.Fields(width.Fold.String(k)), " "); !strings.Contains(from, rest) {
				t.Errorf("scopedOf(%q): %q is not part of %q", k, rest, from)
			}
		}
	})
}
