package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"wxpub/internal/cli"
)

const sample = "../../issue/testdata/sample-135.md"

// run executes wxpub in-process with args and returns what it printed on stdout.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	t.Chdir(t.TempDir()) // no stray wxpub.yaml
	for i, a := range args {
		if strings.HasPrefix(a, "../../") {
			args[i] = filepath.Join(repoRoot, strings.TrimPrefix(a, "../../"))
		}
	}
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"--log-level", "error"}, args...))
	err := cmd.Execute()
	return out.String(), err
}

var repoRoot = func() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// The inspect JSON is a contract other tools rely on.
func TestInspectShape(t *testing.T) {
	out, err := run(t, "inspect", sample)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("inspect did not print JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"number", "date", "title", "sections", "disclaimer", "warnings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("inspect JSON lacks %q", k)
		}
	}
	if doc["number"].(float64) != 135 || doc["date"] != "2020-04" {
		t.Errorf("number, date = %v, %v", doc["number"], doc["date"])
	}
	if k := keys(doc["title"].(map[string]any)); k != "en,zh" {
		t.Errorf("title keys = %s", k)
	}
	sec := doc["sections"].([]any)[0].(map[string]any)
	if k := keys(sec); k != "items,title" {
		t.Errorf("section keys = %s", k)
	}
	item := sec["items"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "title", "body", "links"} {
		if _, ok := item[k]; !ok {
			t.Errorf("item lacks %q", k)
		}
	}
	if item["id"] != "135-1" || keys(item["body"].(map[string]any)) != "en,zh" {
		t.Errorf("item = %v", item)
	}
	if links, ok := item["links"].([]any); !ok || len(links) != 0 {
		t.Errorf("links must be an empty list, got %v", item["links"])
	}
	if ws, ok := doc["warnings"].([]any); !ok || len(ws) != 0 {
		t.Errorf("the sample's warnings must be an empty list, got %v", doc["warnings"])
	}
	vout, err := run(t, "inspect", variations)
	if err != nil {
		t.Fatal(err)
	}
	var vdoc map[string]any
	if err := json.Unmarshal([]byte(vout), &vdoc); err != nil {
		t.Fatal(err)
	}
	w := vdoc["warnings"].([]any)[0].(map[string]any)
	if k := keys(w); k != "line,message" {
		t.Errorf("warning keys = %s", k)
	}
	if strings.Contains(out, `\u003c`) || strings.Contains(out, `\u0026`) {
		t.Error("inspect escapes HTML characters")
	}
}

func TestRenderWritesFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.html")
	if _, err := run(t, "render", sample, "-o", out, "--theme", "jade"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("<section style=")) || !bytes.Contains(data, []byte("#0b6e61")) {
		t.Errorf("render -o --theme jade wrote %.100s", data)
	}
	stdout, err := run(t, "render", sample)
	if err != nil || !strings.HasPrefix(stdout, "<section") {
		t.Errorf("render to stdout: %v %.60s", err, stdout)
	}
	page := filepath.Join(dir, "page.html")
	if _, err := run(t, "preview", sample, "-o", page); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(page); !bytes.Contains(data, []byte("<!doctype html>")) || !bytes.Contains(data, []byte("max-width: 375px")) {
		t.Errorf("preview page = %.100s", data)
	}
}

func TestLintExit(t *testing.T) {
	out, err := run(t, "lint", sample)
	if err != nil {
		t.Errorf("lint of the sample failed: %v", err)
	}
	if !strings.Contains(out, "sample-135.md:39: note: 10 “查看更多”-style placeholder links removed") || strings.Contains(out, "warning") {
		t.Errorf("lint output = %q", out)
	}
	bad := filepath.Join(t.TempDir(), "long.md")
	src := "---\ntitle: " + strings.Repeat("长", 40) + "\n---\n## 国内要闻 Domestic News\n### 标题\n正文\n### Title\nBody\n"
	if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "lint", bad)
	var ee *cli.ExitError
	if !errors.As(err, &ee) || !strings.Contains(out, bad+":2: title") || !strings.Contains(out, bad+":1: warning: no issue number") || !strings.HasSuffix(err.Error(), ": 1 error, 1 warning") {
		t.Errorf("lint of an over-long title: err %v, output %q", err, out)
	}
	// render refuses what lint refuses, and writes nothing.
	html := filepath.Join(t.TempDir(), "out.html")
	if _, err := run(t, "render", bad, "-o", html); err == nil || !strings.Contains(err.Error(), "1 error") {
		t.Errorf("render of an over-long title: %v", err)
	}
	if _, err := os.Stat(html); err == nil {
		t.Error("render wrote an article WeChat would refuse")
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.md")
	os.WriteFile(empty, nil, 0o644)
	for _, cmd := range []string{"inspect", "render", "lint", "preview"} {
		for _, path := range []string{empty, filepath.Join(dir, "missing.md")} {
			if _, err := run(t, cmd, path); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("%s %s: err = %v, want one naming the file", cmd, path, err)
			}
		}
	}
	if _, err := run(t, "render"); err == nil {
		t.Error("render without a file did not fail")
	}
	if _, err := run(t, "render", sample, "--theme", "nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown theme: %v", err)
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "wxpub ") {
		t.Errorf("version: %q, %v", out, err)
	}
	for _, c := range []string{"render", "preview", "lint", "inspect", "version"} {
		out, err := run(t, c, "--help")
		if err != nil || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help: %v %q", c, err, out)
		}
	}
}

// The built command exits non-zero with the error on stderr, and logs as JSON on request.
func TestBinaryExitStatus(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "wxpub")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	missing := filepath.Join(t.TempDir(), "nope.md")
	cmd := exec.Command(bin, "inspect", missing)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var xe *exec.ExitError
	if !errors.As(err, &xe) || xe.ExitCode() != 1 || !strings.Contains(stderr.String(), "wxpub: read issue: open "+missing) {
		t.Errorf("exit %v, stderr %q", err, stderr.String())
	}
	cmd = exec.Command(bin, "render", filepath.Join(repoRoot, "issue/testdata/sample-135.md"), "-o", filepath.Join(t.TempDir(), "x.html"), "--log-format", "json")
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(stderr.Bytes(), &line); err != nil || line["msg"] != "rendered" || line["level"] != "info" {
		t.Errorf("json log line = %q (%v)", stderr.String(), err)
	}
}

// -o writes through a symlink and names the user's path when it fails.
func TestOutputPath(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.html")
	link := filepath.Join(dir, "link.html")
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "render", sample, "-o", link); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(link)
	data, _ := os.ReadFile(real)
	rfi, _ := os.Stat(real)
	if fi.Mode()&os.ModeSymlink == 0 || !strings.HasPrefix(string(data), "<section") || rfi.Mode().Perm() != 0o600 {
		t.Errorf("link %v, target %.20q mode %v", fi.Mode(), data, rfi.Mode().Perm())
	}
	bad := filepath.Join(dir, "no-such-folder", "out.html")
	if _, err := run(t, "render", sample, "-o", bad); err == nil || !strings.Contains(err.Error(), "write "+bad+":") || strings.Contains(err.Error(), ".wxpub-") {
		t.Errorf("err = %v, want one naming %s", err, bad)
	}
}

// ask --explain says how the query was read: the glossary concept, the words, the winner.
func TestAskExplain(t *testing.T) {
	t.Setenv("WXPUB_STORE_DSN", "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	if _, err := run(t, "import", "../../search/testdata/archive-137.md"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "ask", "--explain", "MLPS 测评")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"glossary:  \"mlps\" → any of 网络安全等级保护", "words:     测评", "1. 137-4", "first:     score"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	// It explains what the reply searched: the keyword out of its sentence, in its scope.
	if _, err := run(t, "import", "../../search/testdata/archive-138.md"); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "ask", "--explain", "请问第137期有没有关于等保测评的内容？")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"query:     等保测评\n", "within:    No. 137\n", "1. 137-4"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "138-") {
		t.Errorf("explain went outside issue 137:\n%s", out)
	}
	// A scope that names no issue: the reply searches every issue, and so does the
	// explanation.
	if out, err = run(t, "ask", "--explain", "第999期 等保测评"); err != nil || strings.Contains(out, "within:") || !strings.Contains(out, "1. 137-4") {
		t.Errorf("a scope naming no issue explained (%v):\n%s", err, out)
	}
	// An intent is not a search: nothing to explain.
	if out, err = run(t, "ask", "--explain", "最新一期"); err != nil || strings.Contains(out, "how it was searched") {
		t.Errorf("latest explained as a search (%v):\n%s", err, out)
	}
}
