package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// menu apply shows the change, sets it, and menu show prints it back as a file that
// applies unchanged; a file breaking a limit stops before any call.
func TestMenuApplyThenShow(t *testing.T) {
	sb, _ := sandboxEnv(t)
	t.Setenv("WXPUB_REPLY_MENU", "latest=最新;privacy=个人信息;cybersecurity=网络安全")
	file := filepath.Join(repoRoot, "menu/testdata/menu.yaml")
	out, err := run(t, "menu", "apply", "--dry-run", file)
	if err != nil || !strings.Contains(out, "+  - name: 最新一期") || !strings.Contains(out, "dry run") || sb.Menu() != nil {
		t.Fatalf("dry run: %v\n%s\nlive %+v", err, out, sb.Menu())
	}
	if out, err = run(t, "menu", "apply", file); err != nil || len(sb.Menu()) != 3 {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	shown, err := run(t, "menu", "show")
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "shown.yaml")
	if err := os.WriteFile(again, []byte(shown), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err = run(t, "menu", "apply", again); err != nil || !strings.Contains(out, "already this one") {
		t.Errorf("applying what show printed: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("buttons:\n- {name: a, key: nosuch}\n"), 0o644)
	calls := len(sb.Calls())
	if _, err := run(t, "menu", "apply", bad); err == nil || !strings.Contains(err.Error(), bad+":2: click key \"nosuch\"") {
		t.Errorf("bad file: %v", err)
	}
	if len(sb.Calls()) != calls {
		t.Errorf("a bad file made API calls")
	}
}
