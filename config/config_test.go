package config

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

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
	if _, err := Load("../wxpub.example.yaml", nil); err != nil {
		t.Errorf("the example does not load: %v", err)
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
