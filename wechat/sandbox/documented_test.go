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
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wxpub/internal/jsonshape"
	"wxpub/internal/testenv"
	"wxpub/wechat/sandbox"
)

// knownDifferences are where the documentation and the live API disagree and the sandbox
// follows the live API (say why beside each).
var knownDifferences = map[string]string{
	// Documented as a string ("100000001"); the live API sends a number (platform doc §4,
	// the SDK's int64). wxpub's client reads both.
	"/cgi-bin/freepublish/get publish_id":     "number",
	"/cgi-bin/freepublish/submit publish_id":  "number",
	"/cgi-bin/freepublish/submit msg_data_id": "number",
	// The current page types msg_id as a string; the older page's example, the live API and
	// both SDKs use a number.
	"/cgi-bin/message/mass/get msg_id": "number",
}

// sameShape reports where got lacks a field of the documented answer want, or has it with
// another type, unless knownDifferences excuses it.
func sameShape(t *testing.T, endpoint string, want, got any) {
	t.Helper()
	for _, d := range jsonshape.Unexcused(want, got, endpoint, knownDifferences) {
		if d.Got == "" {
			t.Errorf("%s: the sandbox's answer lacks %s", endpoint, d.Path)
		} else {
			t.Errorf("%s: %s is a %s in the documentation, a %s from the sandbox", endpoint, d.Path, d.Want, d.Got)
		}
	}
}

// fixture is a documented example: the endpoint, the page it was taken from, the documented
// request (where the endpoint takes a JSON body) and the documented answer.
type fixture struct {
	Endpoint string          `json:"endpoint"`
	Source   string          `json:"source"`
	Request  json.RawMessage `json:"request"`
	Response any             `json:"response"`
}

// fixtures reads every JSON fixture, by endpoint.
func fixtures(t *testing.T) map[string]fixture {
	t.Helper()
	names, err := filepath.Glob("../testdata/documented/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string]fixture{}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(data, &fx); err != nil || fx.Source == "" || fx.Endpoint == "" {
			t.Fatalf("%s: %v (every fixture names its endpoint and its source)", name, err)
		}
		if _, dup := out[fx.Endpoint]; dup {
			t.Fatalf("%s: a second fixture for %s", name, fx.Endpoint)
		}
		out[fx.Endpoint] = fx
	}
	return out
}

// Every endpoint the sandbox serves has a documented example to be checked against.
func TestEveryEndpointHasADocumentedExample(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	fx := fixtures(t)
	for _, path := range sb.Endpoints() {
		if _, ok := fx[path]; !ok {
			t.Errorf("%s has no fixture in wechat/testdata/documented", path)
		}
	}
}

// The sandbox's answers have the fields and types of the documented examples, for every
// endpoint it serves, driven in the order a publish run would.
func TestAnswersHaveTheDocumentedShape(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{PublishDelay: 10 * time.Millisecond})
	tok := token(t, sb)
	got := map[string]map[string]any{}
	// call sends body as JSON (nil: a GET) and keeps the answer under the endpoint.
	call := func(path string, body any) map[string]any {
		t.Helper()
		u := sb.URL() + path + "?access_token=" + tok
		var resp *http.Response
		var err error
		switch {
		case path == "/cgi-bin/token":
			resp, err = http.Get(sb.URL() + path + "?grant_type=client_credential&appid=" + sandbox.DemoAppID + "&secret=" + sandbox.DemoAppSecret)
		case path == "/cgi-bin/stable_token":
			data, _ := json.Marshal(body)
			resp, err = http.Post(sb.URL()+path, "application/json", bytes.NewReader(data))
		case body == nil:
			resp, err = http.Get(u)
		default:
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
		got[path] = out
		return out
	}
	// upload posts a PNG as the form field media, as both upload endpoints take it.
	upload := func(path string) map[string]any {
		t.Helper()
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 40, 40)))
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("media", "cover.png")
		fw.Write(img.Bytes())
		mw.Close()
		resp, err := http.Post(sb.URL()+path+"?type=image&access_token="+tok, mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got[path] = out
		return out
	}
	call("/cgi-bin/token", nil)
	call("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": sandbox.DemoAppID, "secret": sandbox.DemoAppSecret})
	upload("/cgi-bin/media/uploadimg")
	cover := upload("/cgi-bin/material/add_material")["media_id"]
	call("/cgi-bin/material/batchget_material", map[string]any{"type": "image", "offset": 0, "count": 20})
	article := map[string]any{"title": "t", "content": "<p>x</p>", "thumb_media_id": cover}
	draft := call("/cgi-bin/draft/add", map[string]any{"articles": []any{article}})["media_id"]
	call("/cgi-bin/draft/update", map[string]any{"media_id": draft, "index": 0, "articles": article})
	call("/cgi-bin/draft/get", map[string]any{"media_id": draft})
	call("/cgi-bin/draft/batchget", map[string]any{"offset": 0, "count": 20, "no_content": 0})
	call("/cgi-bin/draft/count", nil)
	call("/cgi-bin/message/mass/preview", map[string]any{"touser": "oFollower0000000000000000001", "mpnews": map[string]any{"media_id": draft}, "msgtype": "mpnews"})
	job := call("/cgi-bin/freepublish/submit", map[string]any{"media_id": draft})
	var articleID any
	for deadline := time.Now().Add(5 * time.Second); articleID == nil; time.Sleep(10 * time.Millisecond) {
		st := call("/cgi-bin/freepublish/get", map[string]any{"publish_id": job["publish_id"]})
		if st["publish_status"] == float64(0) {
			articleID = st["article_id"]
		} else if time.Now().After(deadline) {
			t.Fatalf("still publishing: %v", st)
		}
	}
	call("/cgi-bin/freepublish/batchget", map[string]any{"offset": 0, "count": 20, "no_content": 0})
	call("/cgi-bin/freepublish/getarticle", map[string]any{"article_id": articleID})
	sent := call("/cgi-bin/message/mass/sendall", map[string]any{"filter": map[string]any{"is_to_all": true}, "mpnews": map[string]any{"media_id": draft},
		"msgtype": "mpnews", "send_ignore_reprint": 0, "clientmsgid": "documented"})
	call("/cgi-bin/message/mass/get", map[string]any{"msg_id": sent["msg_id"]})
	call("/cgi-bin/message/mass/delete", map[string]any{"msg_id": sent["msg_id"], "article_idx": 0})
	call("/cgi-bin/message/custom/send", map[string]any{"touser": "oFollower0000000000000000001", "msgtype": "text", "text": map[string]any{"content": "Hello"}})
	call("/cgi-bin/openapi/quota/get", map[string]any{"cgi_path": "/cgi-bin/draft/add"})
	call("/cgi-bin/clear_quota", map[string]any{"appid": sandbox.DemoAppID})
	call("/cgi-bin/menu/create", map[string]any{"button": []any{map[string]any{"type": "click", "name": "a", "key": "k"},
		map[string]any{"name": "b", "sub_button": []any{map[string]any{"type": "view", "name": "c", "url": "https://e.com/"}}}}})
	call("/cgi-bin/menu/get", nil)
	call("/cgi-bin/get_current_selfmenu_info", nil)
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	for _, path := range []string{"/datacube/getusersummary", "/datacube/getusercumulate", "/datacube/getarticletotal"} {
		call(path, map[string]any{"begin_date": yesterday, "end_date": yesterday})
	}
	call("/cgi-bin/freepublish/delete", map[string]any{"article_id": articleID, "index": 0})
	call("/cgi-bin/draft/delete", map[string]any{"media_id": draft})
	call("/cgi-bin/menu/delete", nil)

	for path, fx := range fixtures(t) {
		answer, ok := got[path]
		if !ok {
			t.Errorf("%s: not driven by this test", path)
			continue
		}
		sameShape(t, path, fx.Response, any(answer))
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
