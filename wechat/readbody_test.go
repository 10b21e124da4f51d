package wechat

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// readBody reads what was sent, whether the length was given or not, and refuses more
// than MaxCallbackBody either way.
func TestReadBody(t *testing.T) {
	big := strings.Repeat("x", MaxCallbackBody+1)
	for _, tc := range []struct {
		name    string
		body    io.Reader
		length  int64
		want    string
		tooLong bool
		short   bool
	}{
		{"with its length", strings.NewReader("<xml>hi</xml>"), 13, "<xml>hi</xml>", false, false},
		{"without a length", io.MultiReader(strings.NewReader("<xml>"), strings.NewReader("hi</xml>")), -1, "<xml>hi</xml>", false, false},
		{"empty", strings.NewReader(""), 0, "", false, false},
		{"too long, with its length", strings.NewReader(big), int64(len(big)), "", true, false},
		{"too long, without a length", io.MultiReader(strings.NewReader(big)), -1, "", true, false},
		{"longer than its length", strings.NewReader("<xml>hi</xml>"), 5, "<xml>hi</xml>", false, false},
		{"shorter than its length", strings.NewReader("<xml>"), 13, "", false, true},
	} {
		r := httptest.NewRequest(http.MethodPost, "/wechat", tc.body)
		r.ContentLength = tc.length
		got, err := readBody(httptest.NewRecorder(), r)
		var mbe *http.MaxBytesError
		switch {
		case tc.tooLong && !errors.As(err, &mbe):
			t.Errorf("%s: %v, want a MaxBytesError", tc.name, err)
		case tc.short && !errors.Is(err, io.ErrUnexpectedEOF):
			t.Errorf("%s: %q %v, want io.ErrUnexpectedEOF", tc.name, got, err)
		case !tc.tooLong && !tc.short && (err != nil || !bytes.Equal(got, []byte(tc.want))):
			t.Errorf("%s: %q %v", tc.name, got, err)
		}
	}
}
