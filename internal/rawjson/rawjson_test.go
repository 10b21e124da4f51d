package rawjson

import "testing"

func TestMarshalLeavesHTMLAlone(t *testing.T) {
	got, err := Marshal(map[string]string{"c": `<a href="x">A & B</a>`})
	if err != nil || string(got) != `{"c":"<a href=\"x\">A & B</a>"}` {
		t.Errorf("Marshal = %s, %v", got, err)
	}
	got, err = MarshalIndent([]int{1}, "  ")
	if err != nil || string(got) != "[\n  1\n]" {
		t.Errorf("MarshalIndent = %q, %v", got, err)
	}
}
