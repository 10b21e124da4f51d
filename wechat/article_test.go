package wechat

import (
	"strings"
	"testing"
)

func TestMarshalKeepsHTML(t *testing.T) {
	got, err := Marshal(DraftAdd{Articles: []DraftArticle{{Title: "A & B", Content: `<section style="color:#333"><p>x < y</p></section>`}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if strings.Contains(s, `\u003c`) || strings.Contains(s, `\u0026`) || strings.Contains(s, `\u003e`) {
		t.Errorf("HTML escaped: %s", s)
	}
	if !strings.Contains(s, `"content":"<section style=\"color:#333\"><p>x < y</p></section>"`) || !strings.Contains(s, `"title":"A & B"`) {
		t.Errorf("unexpected encoding: %s", s)
	}
	if strings.HasSuffix(s, "\n") {
		t.Error("trailing newline")
	}
}
