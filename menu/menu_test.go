package menu

import (
	"errors"
	"os"
	"strings"
	"testing"

	"wxpub/internal/testenv"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
	"wxpub/wechat/sdk"
)

var queries = map[string]string{"latest": "最新", "privacy": "个人信息", "cybersecurity": "网络安全"}

func TestParseChecksTheLimits(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"four top buttons", "buttons:\n- {name: a, key: latest}\n- {name: b, key: latest}\n- {name: c, key: latest}\n- {name: d, key: latest}\n",
			"m.yaml:5: 4 buttons: WeChat allows 3"},
		{"six sub-buttons", "buttons:\n- name: a\n  sub:\n  - {name: a, key: latest}\n  - {name: b, key: latest}\n  - {name: c, key: latest}\n  - {name: d, key: latest}\n  - {name: e, key: latest}\n  - {name: f, key: latest}\n",
			"m.yaml:9: 6 sub-buttons under \"a\": WeChat allows 5"},
		{"top name in bytes", "buttons:\n- {name: 个人信息保护专题, key: latest}\n", "m.yaml:2: name \"个人信息保护专题\" is 24 bytes: WeChat allows 16"},
		{"sub name in bytes", "buttons:\n- name: a\n  sub:\n  - {name: " + strings.Repeat("很", 21) + ", key: latest}\n", "m.yaml:4: name"},
		{"key too long", "buttons:\n- {name: a, key: " + strings.Repeat("k", 129) + "}\n", "m.yaml:2: key is 129 bytes: WeChat allows 128"},
		{"url too long", "buttons:\n- {name: a, url: https://e.com/" + strings.Repeat("u", 1020) + "}\n", "m.yaml:2: url is 1034 bytes"},
		{"not a url", "buttons:\n- {name: a, url: 'javascript:alert(1)'}\n", "m.yaml:2: url \"javascript:alert(1)\" is not an http(s) URL"},
		{"key not in reply.menu", "buttons:\n- {name: a, key: nosuch}\n", "m.yaml:2: click key \"nosuch\" is not in reply.menu"},
		{"miniprogram without appid", "buttons:\n- {name: a, type: miniprogram, url: 'https://e.com'}\n", "needs appid and pagepath"},
		{"unknown type", "buttons:\n- {name: a, type: dance, key: latest}\n", "type \"dance\" is not one WeChat knows"},
		{"unknown field", "buttons:\n- {name: a, key: latest, colour: red}\n", "m.yaml:2: unknown key \"colour\""},
		{"does nothing", "buttons:\n- {name: a}\n", "\"a\" does nothing"},
		{"nested lists", "buttons:\n- name: a\n  sub:\n  - name: b\n    sub:\n    - {name: c, key: latest}\n", "m.yaml:6: sub-buttons cannot have sub-buttons"},
		{"empty", "", "empty file"},
		{"no buttons", "buttons: []\n", "no buttons"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(c.yaml), queries)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant %q", err, c.want)
			}
		})
	}
	// Every problem at once.
	_, err := Parse("m.yaml", []byte("buttons:\n- {name: a, key: nosuch}\n- {name: b, url: ftp://x}\n"), queries)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 || errs[0].Line != 2 || errs[1].Line != 3 {
		t.Errorf("all errors: %v", err)
	}
}

// Applied through the SDK, read back through the SDK: the same menu; the dry-run diff says
// what changes.
func TestApplyAndReadBack(t *testing.T) {
	sb := testenv.Sandbox(t, sandbox.Options{})
	c, err := wechat.New(wechat.Options{AppID: sandbox.DemoAppID, AppSecret: sandbox.DemoAppSecret, BaseURL: sb.URL()})
	if err != nil {
		t.Fatal(err)
	}
	api := sdk.OfficialAccount(c).GetMenu()
	if _, err := Live(api); !errors.Is(err, ErrNoMenu) {
		t.Fatalf("no menu yet: %v", err)
	}
	m, err := Load("testdata/menu.yaml", queries)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(Menu{}, m); !strings.Contains(d, "+  - name: 最新一期") {
		t.Errorf("diff from nothing:\n%s", d)
	}
	if err := Apply(api, m); err != nil {
		t.Fatal(err)
	}
	live, err := Live(api)
	if err != nil {
		t.Fatal(err)
	}
	if string(live.YAML()) != string(m.YAML()) {
		t.Errorf("read back:\n%s\nwant\n%s", live.YAML(), m.YAML())
	}
	if d := Diff(live, m); d != "" {
		t.Errorf("no change, yet a diff:\n%s", d)
	}
	if got := sb.Menu(); len(got) != 3 || got[1].SubButton[3].AppID != "wx1234567890abcdef" || got[0].Type != "click" {
		t.Errorf("the sandbox holds %+v", got)
	}
	// What menu show prints can be applied as it is.
	again, err := Parse("shown.yaml", live.YAML(), queries)
	if err != nil || string(again.YAML()) != string(m.YAML()) {
		t.Errorf("show's output does not apply: %v", err)
	}
	data, _ := os.ReadFile("testdata/menu.yaml")
	changed, err := Parse("m.yaml", []byte(strings.Replace(string(data), "联系我们", "联系", 1)), queries)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(live, changed); !strings.Contains(d, "-  - name: 联系我们") || !strings.Contains(d, "+  - name: 联系") {
		t.Errorf("diff of a rename:\n%s", d)
	}
}
