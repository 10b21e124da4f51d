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
		a := read(q)
		if a.kind != intentSearch {
			return
		}
		if readable(a.text) && !readable(a.q) {
			t.Errorf("read(%q) searches %q, with nothing readable left", q, a.q)
		}
		if a.scoped {
			if !readable(a.q) || a.scope.kind != intentLatest && a.scope.kind != intentPrevious && a.scope.kind != intentNumber && a.scope.kind != intentYear {
				t.Errorf("read(%q) = %+v", q, a)
			}
			// The keyword is a part of what was sent, as the scope was read from it.
			if from := strings.Join(strings.Fields(width.Fold.String(a.text)), " "); !strings.Contains(from, a.q) {
				t.Errorf("read(%q): %q is not part of %q", q, a.q, from)
			}
		}
	})
}
