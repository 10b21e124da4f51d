package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"wxpub/internal/testenv"
	"wxpub/wechat/sandbox"
)

// The Node SDKs live in wechat/sdk/node (package-lock.json pins them); .ci/run installs
// them with npm ci, and a test run without them installs them the same way first.
var npmOnce sync.Once

// runNode runs conformance.mjs in mode with env and decodes what it prints into out.
func runNode(t *testing.T, mode string, env map[string]string, out any) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is needed to run the independent Node SDKs (.ci/run installs it): ", err)
	}
	npmOnce.Do(func() {
		if _, err := os.Stat("node/node_modules/co-wechat-api/package.json"); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = "node"
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in wechat/sdk/node: %v\n%s", err, msg)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "conformance.mjs", mode)
	cmd.Dir = "node"
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node conformance.mjs %s: %v\n%s", mode, err, stderr.Bytes())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("node conformance.mjs %s printed %s: %v", mode, stdout, err)
	}
}

// nodeResult is what one Node SDK decoded from one endpoint's answer.
type nodeResult struct {
	SDK   string         `json:"sdk"`
	Value map[string]any `json:"value"`
	Error string         `json:"error"`
}

// at walks a decoded JSON value: keys for objects, ints for arrays; nil where it ends.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// Two SDKs written by neither side, co-wechat-api (typed calls) and node-easywechat (its
// own token handling and client, for the draft box and free publishing that co-wechat-api
// predates), drive every endpoint the sandbox serves; each decodes the sandbox's answers
// into the values the sandbox holds. A missing endpoint, an error or a zero value where one
// was sent is a sandbox (or documentation) bug.
func TestSandboxAgainstNodeSDKs(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{PublishDelay: 10 * time.Millisecond})
	// An article published two days ago, so yesterday's article analytics have a row.
	foreignID, _ := sb.AddForeign(sandbox.Article{Title: "第134期", Content: "<p>旧文</p>"}, time.Now().Add(-48*time.Hour))
	img := image.NewRGBA(image.Rect(0, 0, 90, 90))
	img.Set(2, 2, color.White)
	coverPath := filepath.Join(t.TempDir(), "cover.png")
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := os.WriteFile(coverPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	const openID = "oFollower0000000000000000001"
	var got map[string]nodeResult
	runNode(t, "api", map[string]string{"SANDBOX_URL": sb.URL(), "APP_ID": sandbox.DemoAppID, "APP_SECRET": sandbox.DemoAppSecret,
		"OPEN_ID": openID, "COVER_PNG": coverPath}, &got)
	if unknown := sb.Unknown(); len(unknown) > 0 {
		t.Errorf("the Node SDKs called URLs the sandbox does not serve: %+v", unknown)
	}

	_, permanent := sb.Uploads()
	published := sb.Published()
	mass := sb.MassSends()
	checks := map[string]func(v map[string]any) bool{
		"/cgi-bin/token": func(v map[string]any) bool {
			exp, _ := v["expireTime"].(float64)
			return v["accessToken"] != "" && exp > float64(time.Now().UnixMilli())
		},
		"/cgi-bin/stable_token":    func(v map[string]any) bool { s, _ := v["access_token"].(string); return s != "" },
		"/cgi-bin/media/uploadimg": func(v map[string]any) bool { s, _ := v["url"].(string); return len(s) > len(sb.URL()) },
		"/cgi-bin/material/add_material": func(v map[string]any) bool {
			return len(permanent) == 1 && v["media_id"] == permanent[0].MediaID && v["url"] == permanent[0].URL
		},
		"/cgi-bin/material/batchget_material": func(v map[string]any) bool {
			return v["total_count"] == 1.0 && at(v, "item", 0, "media_id") == permanent[0].MediaID && at(v, "item", 0, "name") == "cover.png"
		},
		"/cgi-bin/draft/add":    func(v map[string]any) bool { s, _ := v["media_id"].(string); return s != "" },
		"/cgi-bin/draft/update": func(v map[string]any) bool { return v["errcode"] == 0.0 },
		"/cgi-bin/draft/get": func(v map[string]any) bool {
			return at(v, "news_item", 0, "title") == "第135期（更正）" && at(v, "news_item", 0, "thumb_media_id") == permanent[0].MediaID
		},
		"/cgi-bin/draft/batchget": func(v map[string]any) bool {
			return v["total_count"] == 1.0 && at(v, "item", 0, "media_id") == at(got["/cgi-bin/draft/add"].Value, "media_id") &&
				at(v, "item", 0, "content", "news_item", 0, "content") == "<p>正文</p>"
		},
		"/cgi-bin/draft/count": func(v map[string]any) bool { return v["total_count"] == 1.0 },
		"/cgi-bin/message/mass/preview": func(v map[string]any) bool {
			p := sb.Previews()
			id, _ := v["msg_id"].(float64)
			return id > 0 && len(p) == 1 && p[0].ToUser == openID
		},
		"/cgi-bin/freepublish/submit": func(v map[string]any) bool {
			return len(published) == 2 && v["publish_id"] == float64(published[1].PublishID)
		},
		"/cgi-bin/freepublish/get": func(v map[string]any) bool {
			return v["publish_status"] == 0.0 && v["article_id"] == published[1].ArticleID && at(v, "article_detail", "item", 0, "article_url") == published[1].URL
		},
		"/cgi-bin/freepublish/batchget": func(v map[string]any) bool {
			return v["total_count"] == 2.0 && at(v, "item", 0, "article_id") == published[1].ArticleID &&
				at(v, "item", 1, "article_id") == foreignID && at(v, "item", 0, "content", "news_item", 0, "is_deleted") == false
		},
		"/cgi-bin/freepublish/getarticle": func(v map[string]any) bool {
			return at(v, "news_item", 0, "title") == "第135期（更正）" && at(v, "news_item", 0, "url") == published[1].URL
		},
		"/cgi-bin/message/mass/sendall": func(v map[string]any) bool {
			return len(mass) == 1 && mass[0].ToAll && mass[0].ClientMsgID == "wxpub-node-check" && v["msg_id"] == float64(mass[0].MsgID) &&
				v["msg_data_id"] == float64(mass[0].MsgDataID)
		},
		"/cgi-bin/message/mass/get": func(v map[string]any) bool {
			return v["msg_status"] == "SEND_SUCCESS" && v["msg_id"] == float64(mass[0].MsgID)
		},
		"/cgi-bin/message/mass/delete": func(v map[string]any) bool {
			return v["errcode"] == 0.0 && v["status_after"] == "DELETE" && sb.MassSends()[0].Deleted
		},
		"/cgi-bin/message/custom/send": func(v map[string]any) bool {
			c := sb.CustomMessages()
			return v["errcode"] == 0.0 && len(c) == 1 && bytes.Contains(c[0], []byte(openID))
		},
		"/cgi-bin/openapi/quota/get": func(v map[string]any) bool {
			limit, _ := at(v, "quota", "daily_limit").(float64)
			used, _ := at(v, "quota", "used").(float64)
			return limit > 0 && used == 1
		},
		"/cgi-bin/clear_quota": func(v map[string]any) bool { return v["errcode"] == 0.0 },
		"/cgi-bin/menu/create": func(v map[string]any) bool { return v["errcode"] == 0.0 },
		"/cgi-bin/menu/get": func(v map[string]any) bool {
			return at(v, "menu", "button", 0, "key") == "latest" && at(v, "menu", "button", 1, "sub_button", 0, "url") == "https://www.example.com/"
		},
		"/cgi-bin/get_current_selfmenu_info": func(v map[string]any) bool {
			return v["is_menu_open"] == 1.0 && at(v, "selfmenu_info", "button", 1, "sub_button", "list", 0, "name") == "官网"
		},
		"/datacube/getusersummary": func(v map[string]any) bool {
			return at(v, "list", 0, "ref_date") != nil
		},
		"/datacube/getusercumulate": func(v map[string]any) bool {
			n, _ := at(v, "list", 0, "cumulate_user").(float64)
			return n > 0
		},
		"/datacube/getarticletotal": func(v map[string]any) bool {
			reads, _ := at(v, "list", 0, "details", 0, "int_page_read_user").(float64)
			return at(v, "list", 0, "msgid") == foreignID+"_1" && at(v, "list", 0, "title") == "第134期" && reads > 0
		},
		"/cgi-bin/freepublish/delete": func(v map[string]any) bool {
			d := sb.Deleted()
			return v["errcode"] == 0.0 && len(d) == 1 && d[0] == published[1].ArticleID
		},
		"/cgi-bin/draft/delete": func(v map[string]any) bool { return v["errcode"] == 0.0 && len(sb.Drafts()) == 0 },
		"/cgi-bin/menu/delete":  func(v map[string]any) bool { return v["errcode"] == 0.0 && sb.Menu() == nil },
	}
	for _, endpoint := range sb.Endpoints() {
		t.Run(endpoint, func(t *testing.T) {
			r, ok := got[endpoint]
			switch {
			case !ok:
				t.Fatalf("no Node SDK drives %s", endpoint)
			case r.Error != "":
				t.Fatalf("%s: %s", r.SDK, r.Error)
			}
			check, ok := checks[endpoint]
			if !ok {
				t.Fatalf("no check of what %s decoded from %s", r.SDK, endpoint)
			}
			if !check(r.Value) {
				data, _ := json.Marshal(r.Value)
				t.Errorf("%s decoded %s", r.SDK, data)
			}
		})
	}
	if len(checks) != len(sb.Endpoints()) {
		t.Errorf("%d checks for %d endpoints", len(checks), len(sb.Endpoints()))
	}
}
