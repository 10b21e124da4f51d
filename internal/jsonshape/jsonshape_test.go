package jsonshape

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		name, ref, doc string
		want           []Difference
	}{
		{"same", `{"a":1,"b":{"c":"x"}}`, `{"a":2,"b":{"c":"y"},"extra":true}`, nil},
		{"lacks", `{"a":1,"b":2}`, `{"a":1}`, []Difference{{Path: ".b", Want: "number"}}},
		{"retyped", `{"id":"100"}`, `{"id":100}`, []Difference{{Path: ".id", Want: "string", Got: "number"}}},
		{"nested array", `{"item":[{"url":"U"}]}`, `{"item":[{"name":"n"}]}`, []Difference{{Path: ".item[0].url", Want: "string"}}},
		{"empty array is not checked inside", `{"item":[{"url":"U"}]}`, `{"item":[]}`, nil},
		{"null", `{"a":null}`, `{"a":{}}`, []Difference{{Path: ".a", Want: "null", Got: "object"}}},
	} {
		var ref, doc any
		json.Unmarshal([]byte(tc.ref), &ref)
		json.Unmarshal([]byte(tc.doc), &doc)
		if got := Missing(ref, doc); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestUnexcused(t *testing.T) {
	var ref, doc any
	json.Unmarshal([]byte(`{"id":"1","n":2,"gone":true}`), &ref)
	json.Unmarshal([]byte(`{"id":1,"n":"2"}`), &doc)
	got := Unexcused(ref, doc, "/x", map[string]string{"/x id": "number", "/x gone": "null"})
	want := map[string]bool{".n": true, ".gone": true} // n retyped without excuse; a missing field is never excused
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for _, d := range got {
		if !want[d.Path] {
			t.Errorf("%+v", d)
		}
	}
}
