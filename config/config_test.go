package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wxpub.yaml")
	if err := os.WriteFile(file, []byte("log:\n  level: debug\n  format: json\nrender:\n  theme: jade\n  author: 文件\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Log.Level != "debug" || c.Log.Format != "json" || c.Render.Theme != "jade" || c.Render.Author != "文件" || c.File != file {
		t.Errorf("file not read: %+v", c)
	}
	t.Setenv("WXPUB_RENDER_THEME", "crimson")
	t.Setenv("WXPUB_LOG_LEVEL", "warn")
	c, err = Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Render.Theme != "crimson" || c.Log.Level != "warn" || c.Render.Author != "文件" {
		t.Errorf("environment does not beat the file: %+v", c)
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.String("theme", "", "")
	fs.String("log-level", "info", "")
	if err := fs.Parse([]string{"--theme", "classic"}); err != nil {
		t.Fatal(err)
	}
	c, err = Load(file, fs)
	if err != nil {
		t.Fatal(err)
	}
	if c.Render.Theme != "classic" || c.Log.Level != "warn" {
		t.Errorf("a set flag must beat the environment and an unset one must not: %+v", c)
	}
}

func TestDefaultsWithoutFile(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Log.Level != "info" || c.Log.Format != "text" || c.Render.Theme != "classic" || c.File != "" {
		t.Errorf("defaults = %+v", c)
	}
	// The working directory's wxpub.yaml is read without --config.
	if err := os.WriteFile("wxpub.yaml", []byte("render:\n  theme: jade\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err = Load("", nil); err != nil || c.Render.Theme != "jade" {
		t.Errorf("./wxpub.yaml not read: %+v, %v", c, err)
	}
}

func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"unknown key":  "render:\n  colour: red\n",
		"bad format":   "log:\n  format: xml\n",
		"bad level":    "log:\n  level: loud\n",
		"broken yaml":  "log: [\n",
		"missing file": "",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
			if body != "" {
				if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := Load(file, nil); err == nil || !strings.Contains(err.Error(), file) {
				t.Errorf("err = %v, want an error naming %s", err, file)
			}
		})
	}
	t.Setenv("WXPUB_LOG_FORMAT", "xml")
	if _, err := Load(filepath.Join(dir, "bad-format.yaml"), nil); err == nil || !strings.Contains(err.Error(), "log.format") {
		t.Errorf("a bad environment value must name its key: %v", err)
	}
}

// The example file documents every key, and only keys that exist.
func TestExampleListsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../wxpub.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var got []string
	var flatten func(prefix string, v any)
	flatten = func(prefix string, v any) {
		if prefix == "reply.menu." {
			got = append(got, "reply.menu") // a map-valued key: its entries are examples
			return
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			for k, x := range sub {
				flatten(prefix+k+".", x)
			}
			return
		}
		got = append(got, strings.TrimSuffix(prefix, "."))
	}
	flatten("", m)
	want := Keys()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("example keys %v\nconfig keys  %v", got, want)
	}
	c, err := Load("../wxpub.example.yaml", nil)
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	if c.Reply.Menu["latest"] != "最新" || c.Reply.Menu["privacy"] != "个人信息" {
		t.Errorf("the example's menu = %v", c.Reply.Menu)
	}
}

func TestMenuFromEnvironment(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("WXPUB_REPLY_MENU", "latest=最新; privacy=个人信息")
	t.Setenv("WXPUB_SERVER_MAX_CLOCK_SKEW", "0")
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Reply.Menu["latest"] != "最新" || c.Reply.Menu["privacy"] != "个人信息" || len(c.Reply.Menu) != 2 {
		t.Errorf("menu = %v", c.Reply.Menu)
	}
	if c.Server.MaxClockSkew != 0 || c.Server.ReplyBudget.String() != "4s" || c.Server.Path != "/wechat" {
		t.Errorf("server = %+v", c.Server)
	}
	t.Setenv("WXPUB_REPLY_MENU", "nokey")
	if _, err := Load("", nil); err == nil || !strings.Contains(err.Error(), "reply.menu") {
		t.Errorf("bad menu: %v", err)
	}
	t.Setenv("WXPUB_REPLY_MENU", "")
	t.Setenv("WXPUB_SERVER_REPLY_BUDGET", "6s")
	if _, err := Load("", nil); err == nil || !strings.Contains(err.Error(), "server.reply_budget") {
		t.Errorf("budget over 5s: %v", err)
	}
}

// Every key is read from a file: each is set to a value other than its default, and the
// field it fills must have it.
func TestEveryKeyFromFile(t *testing.T) {
	var ref Config
	tree := map[string]any{}
	want := map[string]any{}
	for _, s := range ref.settings() {
		var val, typed any
		switch s.dst.(type) {
		case *string:
			val = "x" + strings.ReplaceAll(s.key, ".", "")
			switch s.key {
			case "log.level":
				val = "debug"
			case "log.format":
				val = "json"
			case "wechat.encoding_mode":
				val = "compat"
			case "wechat.aes_key", "wechat.aes_key_previous":
				val = strings.Repeat("B", 43)
			case "wechat.api_base":
				val = "http://127.0.0.1:9999"
			case "server.addr", "sandbox.addr", "server.admin_addr", "redis.addr":
				val = "127.0.0.1:" + strconv.Itoa(10000+len(s.key))
			case "server.path":
				val = "/cb"
			case "account.timezone":
				val = "Europe/Berlin"
			case "server.public_url":
				val = "https://example.com/wechat"
			case "reply.language":
				val = "en"
			case "search.glossary":
				val = ""
			}
			typed = val
		case *int:
			val = 7
			typed = 7
		case *bool:
			val, typed = true, true
			if s.key == "insight.enabled" {
				val, typed = false, false
			}
		case *time.Duration:
			val, typed = "3s", 3*time.Second
			if s.key == "schedule.rescue_after" {
				val, typed = "4s", 4*time.Second
			}
			if s.key == "insight.retention" {
				val, typed = "30d", 30*24*time.Hour
			}
		case *[]string:
			val, typed = []string{"oA", "wxname:b"}, []string{"oA", "wxname:b"}
		case *map[string]string:
			val = map[string]string{"Latest": "最新", "privacy": "个人 信息"}
			typed = map[string]string{"Latest": "最新", "privacy": "个人 信息"}
		}
		parts := strings.Split(s.key, ".")
		sec, _ := tree[parts[0]].(map[string]any)
		if sec == nil {
			sec = map[string]any{}
			tree[parts[0]] = sec
		}
		sec[parts[1]] = val
		want[s.key] = typed
	}
	data, err := yaml.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "wxpub.yaml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	for _, s := range c.settings() {
		got := reflect.ValueOf(s.dst).Elem().Interface()
		if !reflect.DeepEqual(got, want[s.key]) {
			t.Errorf("%s = %#v, want %#v from the file", s.key, got, want[s.key])
		}
	}
}

// Every problem is reported in one run, each with its key and where the value came from.
func TestAllErrorsAtOnce(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wxpub.yaml")
	body := "log:\n  format: xml\nwechat:\n  token: \"has space\"\n  aes_key: abcde\nserver:\n  reply_budget: 9s\n  colour: red\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WXPUB_SERVER_ADDR", "garbage")
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.String("log-level", "info", "")
	if err := fs.Parse([]string{"--log-level", "shout"}); err != nil {
		t.Fatal(err)
	}
	_, err := Load(file, fs)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want config.Errors", err)
	}
	for _, want := range []string{
		"server.colour (" + file + ":8): unknown key",
		"log.format (" + file + ":2)",
		"wechat.token (" + file + ":4): must be 3–32 letters or digits",
		"wechat.aes_key (" + file + ":5)",
		"server.reply_budget (" + file + ":7)",
		"server.addr (environment WXPUB_SERVER_ADDR): \"garbage\" is not host:port",
		"log.level (flag --log-level): \"shout\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestBadTypesNameTheirKey(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("WXPUB_SERVER_REPLY_BUDGET", "soon")
	t.Setenv("WXPUB_PUBLISH_CONCURRENCY", "many")
	_, err := Load("", nil)
	for _, want := range []string{"server.reply_budget (environment WXPUB_SERVER_REPLY_BUDGET): \"soon\" is not a duration",
		"publish.concurrency (environment WXPUB_PUBLISH_CONCURRENCY): \"many\" is not a whole number"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

func TestToken(t *testing.T) {
	t.Chdir(t.TempDir())
	for tok, ok := range map[string]bool{"AAAAA": true, "pamtest": true, "ab": false, "a-b-c": false, strings.Repeat("a", 32): true, strings.Repeat("a", 33): false} {
		t.Setenv("WXPUB_WECHAT_TOKEN", tok)
		_, err := Load("", nil)
		if (err == nil) != ok {
			t.Errorf("token %q: err = %v", tok, err)
		}
	}
}

func TestEncodingMode(t *testing.T) {
	t.Chdir(t.TempDir())
	key := strings.Repeat("A", 43)
	cases := []struct {
		mode, key, want string
		ok              bool
	}{
		{"", "", ModePlain, true},
		{"", key, ModeSafe, true},
		{"compat", key, ModeCompat, true},
		{"plain", key, ModePlain, true},
		{"safe", "", "", false},
		{"compat", "", "", false},
		{"secure", key, "", false},
	}
	for _, tc := range cases {
		t.Setenv("WXPUB_WECHAT_ENCODING_MODE", tc.mode)
		t.Setenv("WXPUB_WECHAT_AES_KEY", tc.key)
		c, err := Load("", nil)
		if (err == nil) != tc.ok {
			t.Errorf("mode %q key %q: err = %v", tc.mode, tc.key, err)
			continue
		}
		if err == nil && c.WeChat.EncodingMode != tc.want {
			t.Errorf("mode %q key %q: got %q, want %q", tc.mode, tc.key, c.WeChat.EncodingMode, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "wechat.encoding_mode") {
			t.Errorf("mode %q: the error must name wechat.encoding_mode: %v", tc.mode, err)
		}
	}
}

// Only wxpub.yaml and wxpub.yml are config files: the wxpub binary beside them is not one.
func TestOnlyYAMLNamesAreConfig(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("wxpub", []byte("\x7fELF\x02\x01\x01\x00binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Load("", nil)
	if err != nil || c.File != "" {
		t.Fatalf("a binary named wxpub was read as config: %v %+v", err, c)
	}
	if err := os.WriteFile("wxpub.yml", []byte("render:\n  theme: jade\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = Load("", nil); err != nil || c.Render.Theme != "jade" || c.File != "wxpub.yml" {
		t.Errorf("wxpub.yml not read: %+v %v", c, err)
	}
}
