package sandbox_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"wxpub/internal/testenv"
	"wxpub/wechat/sandbox"
)

// knownDifferences are where the documentation and the live API disagree and the sandbox
// follows the live API (say why beside each).
var knownDifferences = map[string]string{
	// Documented as a string ("100000001"); the live API sends a number (platform doc §4,
	// the SDK's int64). wxpub's client reads both.
	"freepublish_get.json publish_id":     "number",
	"freepublish_submit.json publish_id":  "number",
	"freepublish_submit.json msg_data_id": "number",
}

// jsonType names a decoded JSON value's type.
func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// sameShape reports where got lacks a field of want, or has it with another type
// (arrays compared by their first element).
func sameShape(t *testing.T, fixture, path string, want, got any) {
	t.Helper()
	wt, gt := jsonType(want), jsonType(got)
	if wt != gt {
		if knownDifferences[fixture+" "+strings.TrimPrefix(path, ".")] == gt {
			return
		}
		t.Errorf("%s: %s is a %s in the documentation, a %s from the sandbox", fixture, path, wt, gt)
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s: the sandbox's answer lacks %s.%s", fixture, path, k)
				continue
			}
			sameShape(t, fixture, path+"."+k, v, gv)
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) > 0 {
			sameShape(t, fixture, path+"[0]", w[0], g[0])
		}
	}
}

// The sandbox's answers have the fields and types of the documented examples.
func TestAnswersHaveTheDocumentedShape(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{PublishDelay: 10 * time.Millisecond})
	// post sends body as JSON; a nil body is sent as a GET, as the documentation has it
	// for draft/count.
	post := func(path string, body any) map[string]any {
		t.Helper()
		u := sb.URL() + path
		if path != "/cgi-bin/stable_token" {
			u += "?access_token=" + token(t, sb)
		}
		var resp *http.Response
		var err error
		if body == nil {
			resp, err = http.Get(u)
		} else {
			data, _ := json.Marshal(body)
			resp, err = http.Post(u, "application/json", bytes.NewReader(data))
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: %v: %s", path, err, raw)
		}
		if code, _ := out["errcode"].(float64); code != 0 {
			t.Fatalf("%s answered %s", path, raw)
		}
		return out
	}
	cover := uploadCover(t, sb)
	draft := post("/cgi-bin/draft/add", map[string]any{"articles": []any{map[string]any{"title": "t", "content": "<p>x</p>", "thumb_media_id": cover}}})
	job := post("/cgi-bin/freepublish/submit", map[string]any{"media_id": draft["media_id"]})
	time.Sleep(50 * time.Millisecond)
	post("/cgi-bin/menu/create", map[string]any{"button": []any{map[string]any{"type": "click", "name": "a", "key": "k"},
		map[string]any{"name": "b", "sub_button": []any{map[string]any{"type": "view", "name": "c", "url": "https://e.com/"}}}}})
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	for fixture, got := range map[string]map[string]any{
		"stable_token.json":              post("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": sandbox.DemoAppID, "secret": sandbox.DemoAppSecret}),
		"draft_add.json":                 draft,
		"draft_count.json":               post("/cgi-bin/draft/count", nil),
		"freepublish_submit.json":        job,
		"freepublish_get.json":           post("/cgi-bin/freepublish/get", map[string]any{"publish_id": job["publish_id"]}),
		"quota_get.json":                 post("/cgi-bin/openapi/quota/get", map[string]any{"cgi_path": "/cgi-bin/draft/add"}),
		"getusersummary.json":            post("/datacube/getusersummary", map[string]any{"begin_date": yesterday, "end_date": yesterday}),
		"getusercumulate.json":           post("/datacube/getusercumulate", map[string]any{"begin_date": yesterday, "end_date": yesterday}),
		"get_current_selfmenu_info.json": post("/cgi-bin/get_current_selfmenu_info", map[string]any{}),
	} {
		data, err := os.ReadFile("../testdata/documented/" + fixture)
		if err != nil {
			t.Fatal(err)
		}
		var fx struct {
			Source   string `json:"source"`
			Response any    `json:"response"`
		}
		if err := json.Unmarshal(data, &fx); err != nil || fx.Source == "" {
			t.Fatalf("%s: %v (every fixture names its source)", fixture, err)
		}
		sameShape(t, fixture, "", fx.Response, any(got))
	}
}

func token(t *testing.T, sb *sandbox.Sandbox) string {
	t.Helper()
	resp, err := http.Post(sb.URL()+"/cgi-bin/stable_token", "application/json",
		strings.NewReader(`{"grant_type":"client_credential","appid":"`+sandbox.DemoAppID+`","secret":"`+sandbox.DemoAppSecret+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.AccessToken
}

// uploadCover adds a permanent image and returns its media_id.
func uploadCover(t *testing.T, sb *sandbox.Sandbox) string {
	t.Helper()
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 40, 40)))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("media", "cover.png")
	fw.Write(img.Bytes())
	mw.Close()
	resp, err := http.Post(sb.URL()+"/cgi-bin/material/add_material?type=image&access_token="+token(t, sb), mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		MediaID string `json:"media_id"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	if out.MediaID == "" {
		t.Fatal("no cover uploaded")
	}
	return out.MediaID
}
